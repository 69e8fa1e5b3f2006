import { createRequire } from 'node:module';
import path from 'node:path';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const { forbidden } = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as IConfiguration;

async function violationsIn(baseDir: string): Promise<string[]> {
  const { output } = await cruise(['src'], { baseDir, ruleSet: { forbidden }, validate: true, tsPreCompilationDeps: true });
  return (output as ICruiseResult).summary.violations.map((violation) => `${violation.rule.name}: ${violation.from} -> ${violation.to}`);
}

describe('the dependency rule', () => {
  it('holds for src', async () => {
    expect(await violationsIn(root)).toEqual([]);
  }, 30_000);

  it('catches a domain that imports node: modules or adapters, and ports or services that import adapters', async () => {
    const violations = await violationsIn(path.join(import.meta.dirname, 'fixtures/violating'));
    expect(violations).toEqual(
      expect.arrayContaining([
        'domain-is-pure: src/domain/leaky.ts -> crypto',
        'domain-is-pure: src/domain/leaky.ts -> src/adapters/shouting.ts',
        'ports-see-only-the-domain: src/ports/leaky.port.ts -> src/adapters/shouting.ts',
        'app-names-no-adapter: src/app/leaky.service.ts -> src/adapters/shouting.ts',
      ]),
    );
  }, 30_000);
});
