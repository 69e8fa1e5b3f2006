// Asset directories shaped as the shipped bundles (`{function}/index.mjs`),
// for tests of what the construct declares: what the bundles hold is not
// under test there (test/cdk/example-app.test.ts checks the real ones).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAMBDA_FUNCTIONS } from '../../../src/cdk/index.js';

export interface BundleDirectories {
  readonly path: string;
  remove(): void;
}

export function someBundleDirectories(): BundleDirectories {
  const path = mkdtempSync(join(tmpdir(), 'cdk-bundles-'));
  for (const name of LAMBDA_FUNCTIONS) {
    mkdirSync(join(path, name));
    writeFileSync(join(path, name, 'index.mjs'), `export const handler = async () => ${JSON.stringify(name)};\n`);
  }
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
