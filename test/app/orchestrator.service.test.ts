import { describe, expect, it } from 'vitest';
import {
  BuildNotFoundError,
  IllegalTransitionError,
  Orchestrator,
  PERMANENT_START_ERROR_CODES,
  PermanentExecutionStartError,
  TransientExecutionStartError,
  ValidationError,
  createContainer,
  type NewBuild,
  type StepFunctionInput,
} from '../../src/index.js';
import {
  InMemoryBuildRepository,
  InMemoryExecutionStarter,
  ManualClock,
  RecordingLogger,
  type InMemoryExecutionStarterOptions,
} from '../../src/testing.js';
import { STATE_MACHINE_ARN, aNewBuild, anInputFor } from '../support/mothers/build.mother.js';

function anOrchestrator(starterOptions: Partial<InMemoryExecutionStarterOptions> = {}) {
  const buildRepository = new InMemoryBuildRepository({ latencyMs: 1 });
  const executionStarter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN, ...starterOptions });
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const logger = new RecordingLogger();
  const container = createContainer({ buildRepository, executionStarter, clock, logger });
  return { orchestrator: container.get(Orchestrator), buildRepository, executionStarter, clock, logger };
}

async function aPendingBuild(buildRepository: InMemoryBuildRepository, overrides: Partial<NewBuild> = {}) {
  const build = aNewBuild(overrides);
  await buildRepository.create(build, new Date('2026-03-01T09:59:00Z'));
  return build;
}

describe('Orchestrator.startExecution', () => {
  it('starts the execution named after the build and records IN_PROGRESS with its ARN', async () => {
    const { orchestrator, buildRepository, executionStarter, clock, logger } = anOrchestrator();
    const build = await aPendingBuild(buildRepository, { repo: 'myapp', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy' });
    clock.advance(1500);

    const arn = await orchestrator.startExecution(anInputFor(build), { traceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793' });

    expect(arn).toBe('arn:aws:states:us-east-1:123456789012:execution:deployment:myapp-prd-2HFj3kLmNoPqRsTuVwXy');
    expect(executionStarter.executions).toEqual([
      expect.objectContaining({
        name: 'myapp-prd-2HFj3kLmNoPqRsTuVwXy',
        input:
          '{"repo":"myapp","env":"prd","branch":"main","version":"1.2.3","sk":"2HFj3kLmNoPqRsTuVwXy",' +
          '"commit_hash":"abc123","s3_bucket":"my-artifacts-bucket","s3_key":"myapp/main/1.2.3"}',
        traceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793',
      }),
    ]);
    expect(await buildRepository.get(build)).toMatchObject({
      status: 'IN_PROGRESS',
      executionArn: arn,
      updatedAt: new Date('2026-03-01T10:00:01Z'),
    });
    expect(logger.entries).toContainEqual({
      level: 'info',
      message: 'Execution recorded',
      attributes: expect.objectContaining({ buildId: 'myapp/prd:2HFj3kLmNoPqRsTuVwXy', executionArn: arn, outcome: 'started' }),
    });
  });

  it('starts one execution and makes one transition for 50 concurrent duplicate calls', async () => {
    const { orchestrator, buildRepository, executionStarter } = anOrchestrator({ latencyMs: 2 });
    const build = await aPendingBuild(buildRepository);

    const arns = await Promise.all(Array.from({ length: 50 }, () => orchestrator.startExecution(anInputFor(build))));

    expect(new Set(arns).size).toBe(1);
    expect(executionStarter.executions).toHaveLength(1);
    expect(buildRepository.history.filter((change) => change.to === 'IN_PROGRESS')).toHaveLength(1);
    expect((await buildRepository.get(build))?.executionArn).toBe(arns[0]);
  });

  it.each([
    ['SUCCESS', 'SUCCEEDED'],
    ['FAILED', 'FAILED'],
  ] as const)('changes nothing when replayed after %s and returns the build ARN', async (status, executionStatus) => {
    const { orchestrator, buildRepository, executionStarter } = anOrchestrator();
    const build = await aPendingBuild(buildRepository);
    const arn = await orchestrator.startExecution(anInputFor(build));
    executionStarter.complete(arn, executionStatus);
    await buildRepository.recordCompletion(build, { status, errorMsg: 'stack rolled back' }, new Date('2026-03-01T10:05:00Z'));
    const before = await buildRepository.get(build);
    const changes = buildRepository.history.length;

    expect(await orchestrator.startExecution(anInputFor(build))).toBe(arn);

    expect(await buildRepository.get(build)).toEqual(before);
    expect(buildRepository.history).toHaveLength(changes);
    expect(executionStarter.executions).toHaveLength(1);
  });

  it('keeps the terminal status of an execution that finished before its start was recorded, adding the ARN', async () => {
    const buildRepository = new InMemoryBuildRepository();
    const executionStarter = new InMemoryExecutionStarter({
      stateMachineArn: STATE_MACHINE_ARN,
      onExecutionStarted: async (execution) => {
        const { repo, env, sk } = JSON.parse(execution.input) as { repo: string; env: string; sk: string };
        await buildRepository.recordCompletion({ repo, env, sk }, { status: 'SUCCESS' }, new Date());
      },
    });
    const orchestrator = createContainer({ buildRepository, executionStarter, logger: new RecordingLogger() }).get(Orchestrator);
    const build = await aPendingBuild(buildRepository);

    const arn = await orchestrator.startExecution(anInputFor(build));

    expect(await buildRepository.get(build)).toMatchObject({ status: 'SUCCESS', executionArn: arn });
    expect(buildRepository.history.map((change) => change.to)).toEqual(['PENDING', 'SUCCESS']);
  });

  it.each(PERMANENT_START_ERROR_CODES)('throws a permanent error for %s and writes nothing', async (code) => {
    const { orchestrator, buildRepository, executionStarter } = anOrchestrator();
    const build = await aPendingBuild(buildRepository);
    executionStarter.failNext(code);

    const error = await orchestrator.startExecution(anInputFor(build)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentExecutionStartError);
    expect(error).toMatchObject({ awsErrorCode: code, retryable: false });
    expect((await buildRepository.get(build))?.status).toBe('PENDING');
    expect(buildRepository.history).toHaveLength(1);
  });

  it.each(['ThrottlingException', 'ExecutionLimitExceeded', 'KmsThrottlingException', 'ServiceUnavailable', 'TimeoutError'])(
    'throws a transient error for %s, leaves the build PENDING, and a retry then succeeds',
    async (code) => {
      const { orchestrator, buildRepository, executionStarter } = anOrchestrator();
      const build = await aPendingBuild(buildRepository);
      executionStarter.failNext(code);

      const error = await orchestrator.startExecution(anInputFor(build)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientExecutionStartError);
      expect(error).toMatchObject({ awsErrorCode: code, retryable: true });
      expect((await buildRepository.get(build))?.status).toBe('PENDING');

      const arn = await orchestrator.startExecution(anInputFor(build));
      expect(await buildRepository.get(build)).toMatchObject({ status: 'IN_PROGRESS', executionArn: arn });
    },
  );

  it.each([
    ['repo', { repo: 'my/app' }],
    ['env', { env: '' }],
    ['sk', { sk: 'with space' }],
    ['branch', { branch: '' }],
    ['version', { version: undefined }],
    ['commitHash', { commitHash: 42 }],
    ['s3Bucket', { s3Bucket: '' }],
    ['s3Key', { s3Key: null }],
  ])('rejects a bad %s with a ValidationError naming it, starting and writing nothing', async (field, override) => {
    const { orchestrator, buildRepository, executionStarter } = anOrchestrator();
    const build = await aPendingBuild(buildRepository);
    const input = { ...anInputFor(build), ...override } as unknown as StepFunctionInput;

    const error = await orchestrator.startExecution(input).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field });
    expect(executionStarter.executions).toHaveLength(0);
    expect(buildRepository.history).toHaveLength(1);
  });

  it('fails an input over Step Functions\' size limit as a permanent start error naming the input and its size, writing nothing', async () => {
    const { orchestrator, buildRepository, executionStarter } = anOrchestrator();
    const build = await aPendingBuild(buildRepository);

    const error = await orchestrator.startExecution({ ...anInputFor(build), s3Key: 'k'.repeat(262_144) }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentExecutionStartError);
    expect(error).toMatchObject({ awsErrorCode: 'InvalidExecutionInput', message: expect.stringMatching(/Invalid input: is \d+ bytes of JSON/) });
    expect(executionStarter.executions).toHaveLength(0);
    expect(buildRepository.history).toHaveLength(1);
  });

  it('reports a build that does not exist', async () => {
    const { orchestrator } = anOrchestrator();
    await expect(orchestrator.startExecution(anInputFor(aNewBuild()))).rejects.toBeInstanceOf(BuildNotFoundError);
  });

  it('refuses to record a second execution for a build that already runs one', async () => {
    const { orchestrator, buildRepository } = anOrchestrator();
    const build = await aPendingBuild(buildRepository);
    await buildRepository.recordStart(build, 'arn:aws:states:us-east-1:123456789012:execution:other:x', new Date());

    const error = await orchestrator.startExecution(anInputFor(build)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect((error as IllegalTransitionError).existing.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:other:x');
  });
});
