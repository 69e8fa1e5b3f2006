import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LambdaFunctionName } from '../adapters/driving/lambda/permissions.js';
import { ValidationError } from '../domain/orchestrator.errors.js';
import { BUNDLE_ENTRY_FILE } from './handler-facts.js';

const PACKAGE_NAME = '@aws-deployer/orchestrator';

/**
 * The directory of the Lambda bundles this package ships, `dist/lambda` under
 * its root (the package's `prepack` builds them into the tarball): found from
 * this file's own place, so it is the bundles of the very copy of the package
 * whose construct runs, whichever build that is (dist/cdk, dist/cjs/cdk, or
 * src/cdk in this repository, where `npm run bundle` writes them).
 */
export function shippedBundlesDirectory(): string {
  return join(packageRootAbove(thisModuleDirectory()), 'dist', 'lambda');
}

/**
 * The asset directory of one function, `{bundlesDirectory}/{function}`, once
 * it is known to hold the function's bundle.
 *
 * @throws ValidationError naming `bundlesDirectory` when the bundle is not there.
 */
export function functionBundleDirectory(bundlesDirectory: string, functionName: LambdaFunctionName): string {
  const directory = join(bundlesDirectory, functionName);
  if (!existsSync(join(directory, BUNDLE_ENTRY_FILE))) {
    throw new ValidationError(
      'bundlesDirectory',
      `has no ${functionName}/${BUNDLE_ENTRY_FILE} (${directory}): the published package ships the bundles in dist/lambda; in its repository, run npm run bundle`,
    );
  }
  return directory;
}

/** The nearest directory at or above `start` whose package.json is this package's. */
export function packageRootAbove(start: string): string {
  for (let directory = start; ; directory = dirname(directory)) {
    if (isThisPackage(join(directory, 'package.json'))) return directory;
    if (dirname(directory) === directory) throw new Error(`No ${PACKAGE_NAME} package.json at or above ${start}`);
  }
}

function isThisPackage(manifest: string): boolean {
  // dist/cjs holds a package.json of its own ({"type":"commonjs"}), with no name.
  return existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
}

/**
 * The ESM build knows its place from `import.meta.url`; the CommonJS build
 * (esbuild's output, where `import.meta` is empty) from `__dirname`, which
 * only CommonJS modules have.
 */
function thisModuleDirectory(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}
