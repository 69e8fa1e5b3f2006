// The example CDK app (examples/cdk/orchestrator-app.ts) synthesizes with no
// AWS account and no network, and each function's asset is its handler's
// bundle, built here by the bundle script into a directory of its own.
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployerFromContext, OrchestratorStack } from '../../examples/cdk/orchestrator-app.js';
import { bundleLambdas } from '../../scripts/bundle.js';
import { LAMBDA_FUNCTIONS } from '../../src/lambda.js';
import { ValidationError } from '../../src/index.js';
import { anAppInATemporaryDirectory, type TemplateResource } from './support/template-reading.js';

const CONTEXT = {
  deployerEnv: 'prd',
  buildsTableStreamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/prd-aws-deployer--builds/stream/2026-01-01T00:00:00.000',
  stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:prd-deployment',
  artifactsBucketName: 'prd-aws-deployer-artifacts',
  alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:deployments-on-call',
  // No startBuilds: a first deploy decides nothing, and must start nothing.
};

interface FileAssets {
  readonly files: Record<string, { source: { path: string; packaging: string }; destinations: Record<string, { objectKey: string }> }>;
}

let bundles: string;
let app: ReturnType<typeof anAppInATemporaryDirectory>;
let assembly: CloudAssembly;

beforeAll(async () => {
  bundles = await mkdtemp(join(tmpdir(), 'example-app-bundles-'));
  await bundleLambdas(bundles);
  app = anAppInATemporaryDirectory(CONTEXT);
  new OrchestratorStack(app.app, 'AwsDeployerOrchestrator', { deployer: deployerFromContext(app.app), bundlesDirectory: bundles });
  // With -c api=true: the fifth function, http-api, behind the HTTP API.
  new OrchestratorStack(app.app, 'WithApi', { deployer: { ...deployerFromContext(app.app), api: true }, bundlesDirectory: bundles });
  assembly = app.app.synth();
}, 120_000);

afterAll(async () => {
  app?.remove();
  await rm(bundles, { recursive: true, force: true });
});

/** Every file under `directory`, relative to it, sorted. */
const filesIn = (directory: string) => (readdirSync(directory, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; parentPath: string; name: string }>)
  .filter((entry) => entry.isFile())
  .map((entry) => join(entry.parentPath, entry.name).slice(directory.length + 1))
  .sort();

describe('the example CDK app', () => {
  it('synthesizes an environment-agnostic stack on the imported table and state machine, starting no build without -c startBuilds=true', () => {
    const stack = assembly.getStackByName('AwsDeployerOrchestrator');
    const resources = Object.values(stack.template.Resources as Record<string, TemplateResource>);

    expect(stack.environment).toMatchObject({ account: 'unknown-account', region: 'unknown-region' });
    expect(resources.filter((resource) => resource.Type === 'AWS::Lambda::Function')).toHaveLength(4);
    expect(resources.find((resource) => resource.Type === 'AWS::Lambda::EventSourceMapping')?.Properties).toMatchObject({
      EventSourceArn: CONTEXT.buildsTableStreamArn,
      Enabled: false,
    });
    expect(resources.find((resource) => resource.Type === 'AWS::Events::Rule' && 'ScheduleExpression' in resource.Properties)?.Properties).toMatchObject({
      State: 'DISABLED',
    });
    // No alarm on a sweeper that is not meant to run.
    expect(resources.filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm').map((alarm) => alarm.Properties.MetricName)).not.toContain('Invocations');
    expect(Object.keys(stack.template.Outputs as object).sort()).toEqual([
      'DashboardName',
      'ExecutionEventsDeadLetterQueueUrl',
      'TriggerBuildEventSourceMappingId',
      'TriggerBuildFailureQueueUrl',
      'UpdateBuildStatusFunctionArn',
      'UpdateBuildStatusFunctionName',
    ]);
  });

  it.each([
    [undefined, false],
    ['false', false],
    ['true', true],
  ])('reads -c startBuilds=%s as %s', (value, startBuilds) => {
    const other = anAppInATemporaryDirectory({ ...CONTEXT, ...(value === undefined ? {} : { startBuilds: value }) });
    try {
      expect(deployerFromContext(other.app).startBuilds).toBe(startBuilds);
    } finally {
      other.remove();
    }
  });

  it('refuses a startBuilds that is neither true nor false, and names the new update-build-status as asked', () => {
    const other = anAppInATemporaryDirectory({ ...CONTEXT, startBuilds: 'yes' });
    const named = anAppInATemporaryDirectory({ ...CONTEXT, updateBuildStatusFunctionName: 'prd-aws-deployer-ts-update-build-status' });
    try {
      expect(() => deployerFromContext(other.app)).toThrow(expect.objectContaining({ constructor: ValidationError, field: 'startBuilds' }));
      const orchestrator = new OrchestratorStack(named.app, 'Named', { deployer: deployerFromContext(named.app), bundlesDirectory: bundles }).orchestrator;
      const fn = orchestrator.updateBuildStatusFunction.node.defaultChild as CfnFunction;
      expect(fn.functionName).toBe('prd-aws-deployer-ts-update-build-status');
    } finally {
      other.remove();
      named.remove();
    }
  });

  it('serves the HTTP API with -c api=true, and gives its URL', () => {
    const withApi = anAppInATemporaryDirectory({ ...CONTEXT, api: 'true' });
    const wrong = anAppInATemporaryDirectory({ ...CONTEXT, api: 'yes' });
    try {
      expect(deployerFromContext(withApi.app).api).toBe(true);
      expect(deployerFromContext(app.app).api).toBeUndefined();
      expect(() => deployerFromContext(wrong.app)).toThrow(expect.objectContaining({ constructor: ValidationError, field: 'api' }));
      const stack = assembly.getStackByName('WithApi');
      expect(Object.keys(stack.template.Outputs as object)).toContain('ApiUrl');
      expect(Object.values(stack.template.Resources as Record<string, TemplateResource>).filter((resource) => resource.Type === 'AWS::Lambda::Function')).toHaveLength(5);
    } finally {
      withApi.remove();
      wrong.remove();
    }
  });

  it.each(LAMBDA_FUNCTIONS)("gives %s an asset that is its handler's bundle, byte for byte", (name) => {
    const stack = assembly.getStackByName('WithApi');
    const fn = Object.values(stack.template.Resources as Record<string, TemplateResource>).find(
      (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Description === `${name} (@aws-deployer/orchestrator)`,
    );
    const objectKey = (fn?.Properties.Code as { S3Key: string }).S3Key;
    const assets = JSON.parse(readFileSync(join(assembly.directory, `${stack.stackName}.assets.json`), 'utf8')) as FileAssets;
    const asset = Object.values(assets.files).find((file) => Object.values(file.destinations).some((destination) => destination.objectKey === objectKey));
    const assetDirectory = join(assembly.directory, asset?.source.path ?? 'missing');

    expect(asset?.source.packaging).toBe('zip');
    expect(filesIn(assetDirectory)).toEqual(filesIn(join(bundles, name)));
    expect(filesIn(assetDirectory)).toContain('index.mjs');
    for (const file of filesIn(assetDirectory)) {
      expect(readFileSync(join(assetDirectory, file)).equals(readFileSync(join(bundles, name, file))), file).toBe(true);
    }
  });

  it('names the context a deployer is missing', () => {
    const { stateMachineArn: _left, ...incomplete } = CONTEXT;
    const appMissingOne = anAppInATemporaryDirectory(incomplete);

    try {
      expect(() => deployerFromContext(appMissingOne.app)).toThrow(
        expect.objectContaining({ constructor: ValidationError, field: 'stateMachineArn', message: 'Invalid stateMachineArn: is missing: give it with -c stateMachineArn=...' }),
      );
    } finally {
      appMissingOne.remove();
    }
  });
});
