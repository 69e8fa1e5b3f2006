// `@aws-lambda-powertools/tracer` is an optional peer dependency: the public
// ./lambda entry must work where it is not installed, as long as tracing is
// off. A fresh node process runs the TypeScript sources (tsx) with module
// hooks that resolve the tracer and the X-Ray SDK as if they were absent.
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { STATE_MACHINE_ARN } from '../../support/mothers/build.mother.js';

const REPOSITORY = fileURLToPath(new URL('../../..', import.meta.url));
const MODULE_HOOKS = fileURLToPath(new URL('../../support/module-hooks/register.mjs', import.meta.url));
const LAMBDA_ENTRY = pathToFileURL(`${REPOSITORY}src/lambda.ts`).href;

const ENV = {
  AWS_REGION: 'us-east-1',
  BUILDS_TABLE_NAME: 'prd-aws-deployer--builds',
  STATE_MACHINE_ARN,
  ARTIFACT_BUCKET: 'my-artifacts-bucket',
  HIDDEN_PACKAGES: '@aws-lambda-powertools/tracer,aws-xray-sdk-core',
};

// Builds every ready handler; prints what each gave, or the error it threw.
const BUILD_EVERY_READY_HANDLER = `
const lambda = await import(process.argv[1]);
const factories = ['triggerBuildHandlerFromEnvironment', 'updateBuildStatusHandlerFromEnvironment',
  'executionStatusChangeHandlerFromEnvironment', 'sweeperHandlerFromEnvironment'];
for (const factory of factories) {
  const built = await lambda[factory]().then((handler) => typeof handler, (error) => error.name + ' ' + error.variable + ': ' + error.message);
  console.log(factory + ': ' + built);
}`;

async function withoutTheTracer(env: Record<string, string> = {}): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--import', MODULE_HOOKS, '--no-warnings', '--input-type=module', '-e', BUILD_EVERY_READY_HANDLER, LAMBDA_ENTRY],
    { cwd: REPOSITORY, env: { ...process.env, ...ENV, ...env } },
  );
  return stdout.trim().split('\n');
}

describe('the ./lambda entry without @aws-lambda-powertools/tracer installed', () => {
  it('builds every ready handler with tracing off: the tracer is never imported', async () => {
    expect(await withoutTheTracer()).toEqual([
      'triggerBuildHandlerFromEnvironment: function',
      'updateBuildStatusHandlerFromEnvironment: function',
      'executionStatusChangeHandlerFromEnvironment: function',
      'sweeperHandlerFromEnvironment: function',
    ]);
  }, 60_000);

  it('fails the cold start with tracing on, naming POWERTOOLS_TRACE_ENABLED and what to install', async () => {
    const lines = await withoutTheTracer({ POWERTOOLS_TRACE_ENABLED: 'true' });

    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).toMatch(
        /: EnvironmentVariableError POWERTOOLS_TRACE_ENABLED: Environment variable POWERTOOLS_TRACE_ENABLED is true, but @aws-lambda-powertools\/tracer is not installed/,
      );
    }
  }, 60_000);
});
