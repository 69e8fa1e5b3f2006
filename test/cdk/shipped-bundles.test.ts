// Where the construct finds the bundles it deploys when not told.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRootAbove, shippedBundlesDirectory } from '../../src/cdk/shipped-bundles.js';

const repository = resolve(import.meta.dirname, '../..');
let scratch: string | undefined;
afterEach(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

describe('the shipped bundles', () => {
  it("are in dist/lambda under the package's root, found from the construct's own file", () => {
    expect(shippedBundlesDirectory()).toBe(join(repository, 'dist', 'lambda'));
  });

  it("are found from the CommonJS build too, past dist/cjs's own package.json", () => {
    scratch = mkdtempSync(join(tmpdir(), 'installed-package-'));
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: '@aws-deployer/orchestrator', version: '0.2.0' }));
    mkdirSync(join(scratch, 'dist', 'cjs', 'cdk'), { recursive: true });
    writeFileSync(join(scratch, 'dist', 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }));

    expect(packageRootAbove(join(scratch, 'dist', 'cjs', 'cdk'))).toBe(scratch);
  });

  it('are not looked for in another package that holds this one', () => {
    scratch = mkdtempSync(join(tmpdir(), 'other-package-'));
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'my-cdk-app' }));

    expect(() => packageRootAbove(scratch ?? '')).toThrow(/No @aws-deployer\/orchestrator package\.json at or above/);
  });
});
