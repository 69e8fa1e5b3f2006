// The Lambda bundles, built into a temporary directory: each imports in plain
// node and exports its handler. Importing builds the container and resolves the
// services, so this also proves injection works without decorator metadata.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_HANDLERS, VERIFY_ENV, bundleLambdas, verifyBundle, type Bundle } from '../../../scripts/bundle.js';

describe('Lambda bundles', () => {
  let outdir: string;
  let bundles: Bundle[];

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'lambda-bundles-'));
    bundles = await bundleLambdas(outdir);
  }, 60_000);

  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it.each(LAMBDA_HANDLERS)('%s imports in plain node and exports a handler function', async (name) => {
    const bundle = bundles.find((candidate) => candidate.name === name);

    expect(bundle?.file).toBe(join(outdir, name, 'index.mjs'));
    await expect(verifyBundle(bundle?.file ?? '')).resolves.toBeUndefined();
  });

  it('fails the cold start with the name of a missing variable', async () => {
    const bundle = bundles.find((candidate) => candidate.name === 'trigger-build');

    await expect(verifyBundle(bundle?.file ?? '', { ...VERIFY_ENV, ARTIFACT_BUCKET: '' })).rejects.toThrow(
      /Environment variable ARTIFACT_BUCKET is empty/,
    );
  });
});
