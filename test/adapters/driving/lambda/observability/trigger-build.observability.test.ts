// What trigger-build prints, as Powertools prints it in Lambda: log lines with
// the Lambda context and the build id as correlation id, and one EMF document
// of metrics per invocation.
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  PowertoolsLogger,
  TransientExecutionStartError,
  buildIdOf,
  createContainer,
  type ExecutionStarter,
  type NewBuild,
  type StartExecutionRequest,
  type StartedExecution,
} from '../../../../../src/index.js';
import { createTriggerBuildHandler } from '../../../../../src/lambda.js';
import { anInMemoryContainer } from '../../../../support/in-memory-container.js';
import { aModifyOf, aPendingBuildOf, aStreamEvent, anInsertOf } from '../../../../support/mothers/dynamodb-stream-event.mother.js';
import { aNewBuild } from '../../../../support/mothers/build.mother.js';
import { aLambdaContext } from '../../../../support/mothers/lambda-context.mother.js';
import { capturePowertoolsOutput, type PowertoolsOutput } from '../../../../support/powertools-output.js';
import { triggerBuildDeps } from '../../../../support/handler-deps.js';

const LIMITED_REPO = 'limited';

/** Step Functions refuses the builds of one repo with ExecutionLimitExceeded, a transient error. */
class LimitedStarter implements ExecutionStarter {
  constructor(private readonly inner: ExecutionStarter) {}

  async start(request: StartExecutionRequest): Promise<StartedExecution> {
    if ((JSON.parse(request.input) as { repo: string }).repo === LIMITED_REPO) {
      throw new TransientExecutionStartError('ExecutionLimitExceeded', 'the account runs too many executions');
    }
    return this.inner.start(request);
  }

  startedEarlier(request: StartExecutionRequest): Promise<StartedExecution | undefined> {
    return this.inner.startedEarlier(request);
  }
}

function anObservedTriggerBuild() {
  const { buildRepository, executionStarter } = anInMemoryContainer();
  const container = createContainer({
    buildRepository,
    executionStarter: new LimitedStarter(executionStarter),
    logger: new PowertoolsLogger({ serviceName: 'trigger-build' }),
  });
  const metrics = new Metrics({ namespace: 'AwsDeployerOrchestrator', serviceName: 'trigger-build' });
  const handle = createTriggerBuildHandler({ ...triggerBuildDeps(container), s3Bucket: 'my-artifacts-bucket', metrics });
  const created = async (overrides: Partial<NewBuild> = {}): Promise<NewBuild> => {
    const build = aNewBuild(overrides);
    await buildRepository.create(build, aPendingBuildOf(build).createdAt);
    return build;
  };
  return { handle, created, buildRepository, executionStarter };
}

describe('trigger-build, as Lambda runs it', () => {
  let output: PowertoolsOutput;
  beforeEach(() => {
    // Lambda's: Powertools reports a cold start only in an environment initialized on demand.
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    output = capturePowertoolsOutput();
  });
  afterEach(() => {
    output.restore();
    vi.unstubAllEnvs();
  });

  it('prints one EMF document for a batch with one build started, one permanent and one transient start failure', async () => {
    const { handle, created, buildRepository } = anObservedTriggerBuild();
    const started = await created({ repo: 'web' });
    // Go leaves an empty commit_hash out of the item: this build can never start.
    const unstartable = { ...aPendingBuildOf(aNewBuild({ repo: 'api' })), commitHash: '' };
    buildRepository.seed(unstartable);
    const limited = await created({ repo: LIMITED_REPO });

    const response = await handle(aStreamEvent(anInsertOf(started), anInsertOf(unstartable), anInsertOf(limited)), aLambdaContext());

    expect(response.batchItemFailures).toHaveLength(1);
    expect(output.metrics()).toEqual([
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'AwsDeployerOrchestrator',
              Dimensions: [['service']],
              Metrics: [
                { Name: 'BuildsStarted', Unit: 'Count' },
                { Name: 'BuildStartFailuresPermanent', Unit: 'Count' },
                { Name: 'BuildStartFailuresTransient', Unit: 'Count' },
              ],
            },
          ],
        },
        service: 'trigger-build',
        BuildsStarted: 1,
        BuildStartFailuresPermanent: 1,
        BuildStartFailuresTransient: 1,
      },
    ]);
  });

  it('puts the Lambda context on every line, and the build id as correlation_id on every line about a build, records handled concurrently', async () => {
    const { handle, created, executionStarter } = anObservedTriggerBuild();
    // The records' starts overlap: a correlation id set on the shared logger per record would be
    // another record's by the time a line is printed.
    executionStarter.setLatency(5);
    const builds = await Promise.all([created(), created(), created()]);
    const context = aLambdaContext();

    await handle(aStreamEvent(...builds.map((build) => anInsertOf(build))), context);

    const logs = output.logs();
    expect(logs.length).toBeGreaterThan(builds.length);
    for (const line of logs) {
      expect(line).toMatchObject({
        service: 'trigger-build',
        cold_start: true,
        function_name: context.functionName,
        function_arn: context.invokedFunctionArn,
        function_memory_size: context.memoryLimitInMB,
        function_request_id: context.awsRequestId,
      });
    }
    const aboutBuilds = logs.filter((line) => 'buildId' in line);
    expect(new Set(aboutBuilds.map((line) => line.buildId))).toEqual(new Set(builds.map(buildIdOf)));
    for (const line of aboutBuilds) expect(line.correlation_id).toBe(line.buildId);
  });

  it('starts each invocation afresh: its own request id, no cold start, no correlation id or count left over', async () => {
    const { handle, created } = anObservedTriggerBuild();
    const [first, second] = [await created(), await created()];
    const [firstContext, secondContext] = [aLambdaContext(), aLambdaContext()];

    await handle(aStreamEvent(anInsertOf(first)), firstContext);
    const printedByFirst = output.records().length;
    expect(output.logs()).toContainEqual(expect.objectContaining({ function_request_id: firstContext.awsRequestId, cold_start: true }));
    await handle(aStreamEvent(aModifyOf(second)), secondContext);

    const secondLines = output.records().slice(printedByFirst);
    const secondLogs = secondLines.filter((line) => 'level' in line);
    expect(secondLogs).toEqual([expect.objectContaining({ message: 'Batch done', function_request_id: secondContext.awsRequestId, cold_start: false })]);
    expect(secondLogs[0]).not.toHaveProperty('correlation_id');
    expect(secondLines.filter((line) => '_aws' in line)).toEqual([
      expect.objectContaining({ BuildsStarted: 0, BuildStartFailuresPermanent: 0, BuildStartFailuresTransient: 0 }),
    ]);
  });
});
