// Builds one ESM bundle per Lambda handler (dist/lambda/<name>/index.mjs, for
// the nodejs22.x runtime, handler `index.handler`), prints each bundle's size,
// and proves each one imports in plain node with a `handler` function.
//
//   npm run bundle
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

export const LAMBDA_HANDLERS = ['trigger-build', 'update-build-status', 'execution-status-change', 'sweeper'] as const;

export type LambdaHandlerName = (typeof LAMBDA_HANDLERS)[number];

export interface Bundle {
  readonly name: LambdaHandlerName;
  readonly file: string;
  readonly bytes: number;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Enough environment for every handler's start-up validation; importing a bundle calls no AWS API. */
export const VERIFY_ENV = {
  AWS_REGION: 'us-east-1',
  BUILDS_TABLE_NAME: 'verify-aws-deployer--builds',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:verify',
  ARTIFACT_BUCKET: 'verify-artifacts',
};

export async function bundleLambdas(outdir = join(root, 'dist/lambda')): Promise<Bundle[]> {
  return Promise.all(
    LAMBDA_HANDLERS.map(async (name) => {
      const file = join(outdir, name, 'index.mjs');
      const bytes = await bundleEntry(join(root, 'src/adapters/lambda/entry', `${name}.ts`), file);
      return { name, file, bytes };
    }),
  );
}

/** Bundles one entry point as a Lambda ESM file for the nodejs22.x runtime; resolves to its size in bytes. */
export async function bundleEntry(entryPoint: string, outfile: string): Promise<number> {
  await build({
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // ESM builds of the SDK: smaller, and no CommonJS `require` of node
    // built-ins, which an ESM bundle could only serve with a createRequire banner.
    mainFields: ['module', 'main'],
    minify: true,
    // Decorators compile from tsconfig's experimentalDecorators; esbuild emits no
    // design-time metadata, so every injection point names its token (@inject).
    tsconfig: join(root, 'tsconfig.json'),
    legalComments: 'none',
    logLevel: 'warning',
  });
  const code = await readFile(outfile);
  // esbuild's shim for a CommonJS require() it could not resolve; it throws at run time.
  if (code.includes('Dynamic require of "')) {
    throw new Error(`${outfile}: a dependency require()s at run time; add a createRequire banner`);
  }
  return code.length;
}

/** Imports a bundle in a fresh node process and checks its export; rejects with the reason otherwise. */
export async function verifyBundle(file: string, env: Record<string, string> = VERIFY_ENV): Promise<void> {
  const check = [
    'const module = await import(process.argv[1]);',
    "if (typeof module.handler !== 'function') throw new Error('handler is ' + typeof module.handler);",
  ].join('\n');
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', check, pathToFileURL(file).href], {
    env: { ...process.env, ...env },
  });
}

async function main(): Promise<void> {
  const bundles = await bundleLambdas();
  for (const bundle of bundles) {
    await verifyBundle(bundle.file);
    console.log(`${bundle.name.padEnd(24)} ${(bundle.bytes / 1024).toFixed(1).padStart(7)} KiB  ${bundle.file.slice(root.length + 1)}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
