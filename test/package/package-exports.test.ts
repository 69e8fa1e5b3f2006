import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

describe('the built package', () => {
  beforeAll(async () => {
    await run('npm', ['run', 'build'], { cwd: root });
  }, 120_000);

  it('serves its entry points to an ESM consumer importing it by name', async () => {
    const { stdout } = await run(process.execPath, [path.join(import.meta.dirname, 'consumer.fixture.mjs')], { cwd: root });
    expect(JSON.parse(stdout)).toEqual({
      arn: 'arn:aws:states:us-east-1:123456789012:execution:deployment:myapp-prd-2HFj3kLmNoPqRsTuVwXy',
      status: 'IN_PROGRESS',
      name: 'myapp-prd-2HFj3kLmNoPqRsTuVwXy',
      executions: 1,
    });
  }, 30_000);

  it('has JavaScript and type declarations behind every export', async () => {
    const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { types: string; import: string }>;
    };
    for (const target of Object.values(manifest.exports)) {
      if (typeof target === 'string') continue;
      await expect(readFile(path.join(root, target.import), 'utf8')).resolves.toContain('export');
      await expect(readFile(path.join(root, target.types), 'utf8')).resolves.toContain('export');
    }
  });
});
