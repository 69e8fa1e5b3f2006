import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const { forbidden, options } = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as IConfiguration;

// What `npm run lint` cruises.
const CRUISED = ['src', 'dev', 'bench', 'scripts'];

async function violationsIn(baseDir: string, folders: readonly string[]): Promise<string[]> {
  // As `npm run lint` cruises: packages are resolved, never followed (a large generated file of
  // aws-cdk-lib overflows the stack of a test worker).
  const { output } = await cruise([...folders], {
    baseDir,
    ruleSet: { forbidden: forbidden ?? [] },
    validate: true,
    tsPreCompilationDeps: true,
    doNotFollow: options?.doNotFollow ?? { path: 'node_modules' },
  });
  return (output as ICruiseResult).summary.violations.map((violation) => `${violation.rule.name}: ${violation.from} -> ${violation.to}`);
}

describe('the dependency rule', () => {
  it(`holds for ${CRUISED.join(', ')}`, async () => {
    expect(await violationsIn(root, CRUISED)).toEqual([]);
  }, 30_000);

  it('catches a fixture that breaks each rule once', async () => {
    const fixture = path.join(import.meta.dirname, 'fixtures/violating');
    const violations = await violationsIn(fixture, ['src', 'dev', 'bench']);
    expect(violations).toEqual(
      expect.arrayContaining([
        'domain-is-pure: src/domain/leaky.ts -> crypto',
        'domain-is-pure: src/domain/leaky.ts -> src/adapters/shouting.ts',
        'ports-see-only-the-domain: src/ports/leaky.port.ts -> src/adapters/shouting.ts',
        'app-names-ports-only: src/app/leaky.service.ts -> src/adapters/shouting.ts',
        'app-names-ports-only: src/app/composing.service.ts -> src/composition/container.ts',
        'only-the-outermost-layer-composes: src/adapters/driven/clock/composing-clock.ts -> src/composition/container.ts',
        'driving-adapters-use-the-app: src/adapters/driving/lambda/direct.handler.ts -> src/adapters/driven/dynamodb/repository.ts',
        'driven-adapters-serve-the-ports: src/adapters/driven/dynamodb/app-calling-repository.ts -> src/app/leaky.service.ts',
        'one-builds-table-layout: src/adapters/driven/sfn/layout-reader.ts -> src/adapters/driven/builds-table/build-item.ts',
        'in-memory-adapters-stay-in-memory: src/adapters/driven/in-memory/leaky-double.ts -> src/adapters/driven/sfn/starter.ts',
        'nothing-outside-test-imports-test: dev/tool.ts -> test/helper.ts',
        'nothing-outside-test-imports-test: bench/bench.ts -> test/helper.ts',
        'tooling-uses-the-public-entry-points: dev/tool.ts -> src/adapters/driven/dynamodb/repository.ts',
        'cdk-constructs-load-no-runtime: src/cdk/construct.ts -> src/adapters/shouting.ts',
      ]),
    );
    const brokenOnce = (rule: string, from: string, to: RegExp) =>
      expect(violations.some((violation) => violation.startsWith(`${rule}: ${from} -> `) && to.test(violation)), rule).toBe(true);
    brokenOnce('the-hexagon-loads-no-di-library', 'src/app/injected.service.ts', /inversify/);
    brokenOnce('start-error-codes-are-plain-data', 'src/adapters/driven/sfn/start-error-codes.ts', /node_modules\/zod\//);
    brokenOnce('only-the-cdk-constructs-load-the-cdk', 'dev/cdk-tool.ts', /node_modules\/aws-cdk-lib\//);
    brokenOnce('synth-time-data-is-plain', 'src/adapters/driving/lambda/permissions.ts', /node_modules\/zod\//);
    // Every rule of the configuration is broken by the fixture at least once, so none is untested.
    const rules = new Set(violations.map((violation) => violation.slice(0, violation.indexOf(':'))));
    expect([...(forbidden ?? [])].map((rule) => rule.name).filter((name) => name !== 'no-circular' && !rules.has(name ?? ''))).toEqual([]);
  }, 30_000);

  it('keeps Step Functions and KMS error codes out of the domain', async () => {
    const { PERMANENT_START_ERROR_CODES, TRANSIENT_START_ERROR_CODES } = await import('../../src/index.js');
    const domain = path.join(root, 'src/domain');
    const sources = readdirSync(domain).map((file) => readFileSync(path.join(domain, file), 'utf8'));
    const named = [...PERMANENT_START_ERROR_CODES, ...TRANSIENT_START_ERROR_CODES].filter((code) =>
      sources.some((source) => source.includes(code)),
    );
    expect(named).toEqual([]);
  });
});
