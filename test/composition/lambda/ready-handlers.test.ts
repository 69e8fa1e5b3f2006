import { Tracer } from '@aws-lambda-powertools/tracer';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EnvironmentVariableError,
  executionStatusChangeHandlerFromEnvironment,
  httpApiHandlerFromEnvironment,
  sweeperHandlerFromEnvironment,
  triggerBuildHandlerFromEnvironment,
  updateBuildStatusHandlerFromEnvironment,
  type Environment,
} from '../../../src/lambda.js';
import {
  readConcurrencyPolicy,
  readObservabilityEnvironment,
  readSweeperEnvironment,
  readTriggerBuildEnvironment,
} from '../../../src/composition/lambda/environment.js';
import { ValidationError } from '../../../src/index.js';
import { STATE_MACHINE_ARN, aNewBuild } from '../../support/mothers/build.mother.js';
import { aModifyOf, aStreamEvent } from '../../support/mothers/dynamodb-stream-event.mother.js';
import { anHttpApiEvent } from '../../support/mothers/http-api-event.mother.js';
import { aLambdaContext } from '../../support/mothers/lambda-context.mother.js';
import { capturePowertoolsOutput, type PowertoolsOutput } from '../../support/powertools-output.js';

const TABLE_ENV = { BUILDS_TABLE_NAME: 'prd-aws-deployer--builds', STATE_MACHINE_ARN, AWS_REGION: 'us-east-1' };
const TRIGGER_ENV = { ...TABLE_ENV, ARTIFACT_BUCKET: 'my-artifacts-bucket' };
const HTTP_API_ENV = { ...TABLE_ENV, IDEMPOTENCY_TABLE_NAME: 'prd-aws-deployer--idempotency' };

describe('ready handlers', () => {
  it.each([
    ['trigger-build', () => triggerBuildHandlerFromEnvironment(TRIGGER_ENV)],
    ['update-build-status', () => updateBuildStatusHandlerFromEnvironment(TABLE_ENV)],
    ['execution-status-change', () => executionStatusChangeHandlerFromEnvironment(TABLE_ENV)],
    ['sweeper', () => sweeperHandlerFromEnvironment(TABLE_ENV)],
    ['http-api', () => httpApiHandlerFromEnvironment(HTTP_API_ENV)],
  ])('%s is built from its environment', async (_, build) => {
    expect(await build()).toBeTypeOf('function');
  });

  it.each([
    ['IDEMPOTENCY_TABLE_NAME', { IDEMPOTENCY_TABLE_NAME: undefined }, /is not set: it must hold the idempotency table name/],
    ['IDEMPOTENCY_TABLE_NAME', { IDEMPOTENCY_TABLE_NAME: 'x' }, /is invalid: a DynamoDB table name is/],
    ['IDEMPOTENCY_TABLE_NAME', { IDEMPOTENCY_TABLE_NAME: 'prd-aws-deployer--builds' }, /names the builds table/],
    ['BUILDS_TABLE_NAME', { BUILDS_TABLE_NAME: undefined }, /is not set/],
    ['DEPLOYMENT_CONCURRENCY', { DEPLOYMENT_CONCURRENCY: 'serial' }, /must be one of queue, supersede, parallel/],
  ])('refuses to start http-api without a valid %s, naming it', async (variable, overrides, reason) => {
    const start = httpApiHandlerFromEnvironment({ ...HTTP_API_ENV, ...overrides });

    await expect(start).rejects.toThrow(expect.objectContaining({ constructor: EnvironmentVariableError, variable, message: expect.stringMatching(reason) }));
  });

  it('serves http-api from its environment: a path of no route is its 404, without a call to AWS', async () => {
    const handler = await httpApiHandlerFromEnvironment(HTTP_API_ENV);

    const answer = await handler(anHttpApiEvent({ method: 'GET', path: '/nowhere' }), aLambdaContext());

    expect(answer.statusCode).toBe(404);
    expect(answer.headers?.['content-type']).toBe('application/problem+json');
  });

  it.each([
    ['BUILDS_TABLE_NAME', { BUILDS_TABLE_NAME: undefined }, /is not set/],
    ['BUILDS_TABLE_NAME', { BUILDS_TABLE_NAME: 'x' }, /is invalid/],
    ['STATE_MACHINE_ARN', { STATE_MACHINE_ARN: ' ' }, /is empty/],
    ['STATE_MACHINE_ARN', { STATE_MACHINE_ARN: 'deployment' }, /must look like arn:/],
    ['ARTIFACT_BUCKET', { ARTIFACT_BUCKET: undefined }, /is not set/],
    ['ARTIFACT_BUCKET', { ARTIFACT_BUCKET: 'artifacts/builds' }, /is invalid: an S3 bucket name is/],
    ['ARTIFACT_BUCKET', { ARTIFACT_BUCKET: 'a'.repeat(256) }, /is invalid: an S3 bucket name is/],
    ['TRIGGER_CONCURRENCY', { TRIGGER_CONCURRENCY: '0' }, /positive integer/],
  ])('refuses to start without a valid %s, naming it', async (variable, overrides, reason) => {
    const env: Environment = { ...TRIGGER_ENV, ...overrides };

    const start = triggerBuildHandlerFromEnvironment(env);

    await expect(start).rejects.toThrow(EnvironmentVariableError);
    await expect(start).rejects.toThrow(expect.objectContaining({ variable, message: expect.stringMatching(reason) }));
    await expect(start).rejects.toThrow(new RegExp(`^Environment variable ${variable} `));
  });

  it('reads the optional settings', () => {
    expect(readTriggerBuildEnvironment({ ...TRIGGER_ENV, TRIGGER_CONCURRENCY: '25' })).toEqual({
      tableName: 'prd-aws-deployer--builds',
      stateMachineArn: STATE_MACHINE_ARN,
      s3Bucket: 'my-artifacts-bucket',
      concurrency: 25,
    });
    expect(readSweeperEnvironment({ ...TABLE_ENV, SWEEP_LOOKBACK_MINUTES: '90', SWEEP_MAX_EXECUTIONS: '500' })).toMatchObject({
      lookbackMs: 90 * 60_000,
      maxExecutions: 500,
    });
    expect(readSweeperEnvironment(TABLE_ENV)).toEqual({ tableName: 'prd-aws-deployer--builds', stateMachineArn: STATE_MACHINE_ARN });
    expect(
      readSweeperEnvironment({
        ...TABLE_ENV,
        ARTIFACT_BUCKET: 'my-artifacts-bucket',
        BUILDS_STATUS_INDEX_NAME: 'open-builds',
        SWEEP_GRACE_MINUTES: '10',
        SWEEP_PAGE_SIZE: '50',
        SWEEP_TIME_BUDGET_SECONDS: '45',
      }),
    ).toMatchObject({ s3Bucket: 'my-artifacts-bucket', statusIndexName: 'open-builds', graceMs: 600_000, pageSize: 50, timeBudgetMs: 45_000 });
  });

  it.each([
    ['ARTIFACT_BUCKET', 'not a bucket', /S3 bucket name/],
    ['BUILDS_STATUS_INDEX_NAME', 'no spaces allowed', /index name/],
    ['SWEEP_GRACE_MINUTES', '-5', /positive integer/],
  ])('refuses a bad sweeper variable %s, naming it', (variable, value, reason) => {
    expect(() => readSweeperEnvironment({ ...TABLE_ENV, [variable]: value })).toThrow(
      expect.objectContaining({ variable, message: expect.stringMatching(reason) }),
    );
  });

  // Legal for us-east-1 buckets created before 1 March 2018 (capitals, underscores, up to 255
  // characters), and the Go implementation takes any name: refusing one stops every build.
  it.each(['My_Artifacts', 'Legacy.Artifacts-2017', 'a'.repeat(255), 'my-artifacts-bucket'])(
    'accepts the S3 bucket name %j in ARTIFACT_BUCKET, for trigger-build and the sweeper',
    async (bucket) => {
      expect(readTriggerBuildEnvironment({ ...TRIGGER_ENV, ARTIFACT_BUCKET: bucket })).toMatchObject({ s3Bucket: bucket });
      expect(readSweeperEnvironment({ ...TABLE_ENV, ARTIFACT_BUCKET: bucket })).toMatchObject({ s3Bucket: bucket });
      expect(await triggerBuildHandlerFromEnvironment({ ...TRIGGER_ENV, ARTIFACT_BUCKET: bucket })).toBeTypeOf('function');
      expect(await sweeperHandlerFromEnvironment({ ...TABLE_ENV, ARTIFACT_BUCKET: bucket })).toBeTypeOf('function');
    },
  );

  describe('DEPLOYMENT_CONCURRENCY', () => {
    const EVERY_FUNCTION = [
      ['trigger-build', (vars: Environment) => triggerBuildHandlerFromEnvironment({ ...TRIGGER_ENV, ...vars })],
      ['update-build-status', (vars: Environment) => updateBuildStatusHandlerFromEnvironment({ ...TABLE_ENV, ...vars })],
      ['execution-status-change', (vars: Environment) => executionStatusChangeHandlerFromEnvironment({ ...TABLE_ENV, ...vars })],
      ['sweeper', (vars: Environment) => sweeperHandlerFromEnvironment({ ...TABLE_ENV, ...vars })],
    ] as const;

    it('defaults to queue', () => {
      expect(readConcurrencyPolicy(TABLE_ENV)).toBe('queue');
    });

    it.each(['queue', 'supersede', 'parallel'])('reads %s', (policy) => {
      expect(readConcurrencyPolicy({ ...TABLE_ENV, DEPLOYMENT_CONCURRENCY: policy })).toBe(policy);
    });

    // Every service depends on TOKENS.ConcurrencyPolicy: a function that did not bind it would fail here, naming it.
    it.each(EVERY_FUNCTION.flatMap(([name, build]) => ['queue', 'supersede', 'parallel'].map((policy) => [name, policy, build] as const)))(
      '%s is built with %s',
      async (_, policy, build) => {
        expect(await build({ DEPLOYMENT_CONCURRENCY: policy })).toBeTypeOf('function');
      },
    );

    it.each(EVERY_FUNCTION.flatMap(([name, build]) => ['', 'Queue', ' queue', 'serial'].map((value) => [name, value, build] as const)))(
      '%s refuses to start with %j, naming the variable and the allowed values',
      async (_, value, build) => {
        const start = build({ DEPLOYMENT_CONCURRENCY: value });

        await expect(start).rejects.toThrow(
          expect.objectContaining({ constructor: EnvironmentVariableError, variable: 'DEPLOYMENT_CONCURRENCY' }),
        );
        await expect(start).rejects.toThrow(
          'Environment variable DEPLOYMENT_CONCURRENCY is invalid: it must be one of queue, supersede, parallel',
        );
      },
    );
  });

  it.each([
    [{}, { metricsNamespace: 'AwsDeployerOrchestrator', tracing: false }],
    [{ POWERTOOLS_METRICS_NAMESPACE: 'Deployments/Prod', POWERTOOLS_TRACE_ENABLED: 'true' }, { metricsNamespace: 'Deployments/Prod', tracing: true }],
    [{ POWERTOOLS_METRICS_DISABLED: 'TRUE', POWERTOOLS_TRACE_ENABLED: 'false' }, { metricsNamespace: undefined, tracing: false }],
    [{ POWERTOOLS_METRICS_DISABLED: '0', POWERTOOLS_TRACE_ENABLED: ' on ' }, { metricsNamespace: 'AwsDeployerOrchestrator', tracing: true }],
  ])('reads Powertools variables %o as Powertools does', (vars, observability) => {
    expect(readObservabilityEnvironment(vars)).toEqual(observability);
  });

  it.each([
    ['POWERTOOLS_METRICS_NAMESPACE', 'AWS/Lambda', /CloudWatch namespace/],
    ['POWERTOOLS_METRICS_NAMESPACE', ':deployments', /CloudWatch namespace/],
    ['POWERTOOLS_METRICS_NAMESPACE', 'x'.repeat(256), /CloudWatch namespace/],
    ['POWERTOOLS_METRICS_DISABLED', 'maybe', /true or false/],
    ['POWERTOOLS_TRACE_ENABLED', 'enabled', /true or false/],
  ])('refuses a bad %s, naming it', async (variable, value, reason) => {
    await expect(updateBuildStatusHandlerFromEnvironment({ ...TABLE_ENV, [variable]: value })).rejects.toThrow(
      expect.objectContaining({ constructor: EnvironmentVariableError, variable, message: expect.stringMatching(reason) }),
    );
  });

  describe('as Lambda runs them', () => {
    let output: PowertoolsOutput;
    beforeEach(() => {
      output = capturePowertoolsOutput();
    });
    afterEach(() => {
      output.restore();
      vi.restoreAllMocks();
    });

    it.each([
      [{}, 'AwsDeployerOrchestrator'],
      [{ POWERTOOLS_METRICS_NAMESPACE: 'Deployments' }, 'Deployments'],
    ])('publish their metrics with %o in the namespace %s, service the handler', async (vars, namespace) => {
      const handle = await updateBuildStatusHandlerFromEnvironment({ ...TABLE_ENV, ...vars });

      await expect(handle({ status: 'SUCCESS' }, aLambdaContext())).rejects.toThrow(ValidationError);

      expect(output.metrics()).toEqual([
        expect.objectContaining({
          _aws: expect.objectContaining({ CloudWatchMetrics: [expect.objectContaining({ Namespace: namespace, Dimensions: [['service']] })] }),
          service: 'update-build-status',
        }),
      ]);
    });

    it('publish no metrics with POWERTOOLS_METRICS_DISABLED, and still log with the Lambda context', async () => {
      const handle = await triggerBuildHandlerFromEnvironment({ ...TRIGGER_ENV, POWERTOOLS_METRICS_DISABLED: 'true' });
      const context = aLambdaContext();

      await handle(aStreamEvent(aModifyOf(aNewBuild())), context);

      expect(output.metrics()).toEqual([]);
      expect(output.logs()).toEqual([
        expect.objectContaining({ message: 'Batch done', service: 'trigger-build', function_request_id: context.awsRequestId }),
      ]);
    });

    it('trace both SDK clients with Powertools Tracer when POWERTOOLS_TRACE_ENABLED is true, and only then', async () => {
      const capture = vi.spyOn(Tracer.prototype, 'captureAWSv3Client');

      await sweeperHandlerFromEnvironment(TABLE_ENV);
      expect(capture).not.toHaveBeenCalled();
      await sweeperHandlerFromEnvironment({ ...TABLE_ENV, POWERTOOLS_TRACE_ENABLED: 'true' });

      expect(capture.mock.calls.map(([client]) => (client as object).constructor.name)).toEqual(['DynamoDBClient', 'SFNClient']);
    });
  });
});
