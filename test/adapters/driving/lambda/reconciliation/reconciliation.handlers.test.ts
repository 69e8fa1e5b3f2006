import { describe, expect, it } from 'vitest';
import { BuildsByStatusUnavailableError, Orchestrator, ValidationError, createContainer, type NewBuild } from '../../../../../src/index.js';
import { createExecutionStatusChangeHandler, createSweeperHandler } from '../../../../../src/lambda.js';
import { InMemoryBuildRepository, InMemoryExecutionStarter, RecordingLogger } from '../../../../../src/testing.js';
import { anInMemoryContainer } from '../../../../support/in-memory-container.js';
import { aScheduledEvent, anExecutionStatusChangeEvent } from '../../../../support/mothers/eventbridge-event.mother.js';
import { STATE_MACHINE_ARN, aNewBuild, anInputFor } from '../../../../support/mothers/build.mother.js';
import { aLambdaContext } from '../../../../support/mothers/lambda-context.mother.js';
import { executionStatusChangeDeps, sweeperDeps } from '../../../../support/handler-deps.js';

/** A table created before the status index existed: DynamoDB refuses the index query. */
class RepositoryWithoutStatusIndex extends InMemoryBuildRepository {
  override async listBuildsByStatus(): Promise<never> {
    throw new BuildsByStatusUnavailableError('the builds table has no index status-updated_at-index');
  }
}

const OTHER_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:other';

function aReconciliation() {
  const { container, buildRepository, executionStarter, clock } = anInMemoryContainer();
  // The in-memory executions start on the wall clock, which the sweeper's look-back window is measured from.
  clock.set(new Date());
  const runningBuild = async (): Promise<{ build: NewBuild; executionArn: string }> => {
    const build = aNewBuild();
    await buildRepository.create(build);
    const executionArn = await container.get(Orchestrator).startExecution(anInputFor(build));
    return { build, executionArn };
  };
  return { container, buildRepository, executionStarter, runningBuild, clock };
}

describe('execution status change handler', () => {
  it('records how an execution that timed out ended', async () => {
    const { container, buildRepository, executionStarter, runningBuild } = aReconciliation();
    const { build, executionArn } = await runningBuild();
    executionStarter.complete(executionArn, { status: 'TIMED_OUT', error: 'States.Timeout' });
    const handle = createExecutionStatusChangeHandler({ ...executionStatusChangeDeps(container), stateMachineArn: STATE_MACHINE_ARN });

    const result = await handle(anExecutionStatusChangeEvent({ executionArn, stateMachineArn: STATE_MACHINE_ARN, status: 'TIMED_OUT' }), aLambdaContext());

    expect(result).toMatchObject({ outcome: 'completed', status: 'FAILED' });
    expect(await buildRepository.get(build)).toMatchObject({ status: 'FAILED', errorMsg: expect.stringContaining('TIMED_OUT') });
  });

  it('answers already-completed when the state machine reported first', async () => {
    const { container, buildRepository, executionStarter, runningBuild } = aReconciliation();
    const { build, executionArn } = await runningBuild();
    await buildRepository.recordCompletion(build, { status: 'SUCCESS' }, new Date());
    executionStarter.complete(executionArn, 'SUCCEEDED');
    const handle = createExecutionStatusChangeHandler({ ...executionStatusChangeDeps(container), stateMachineArn: STATE_MACHINE_ARN });

    const result = await handle(anExecutionStatusChangeEvent({ executionArn, stateMachineArn: STATE_MACHINE_ARN, status: 'SUCCEEDED' }), aLambdaContext());

    expect(result).toMatchObject({ outcome: 'already-completed', status: 'SUCCESS' });
  });

  it.each([
    ['of another state machine', OTHER_STATE_MACHINE_ARN, 'ABORTED'],
    ['of a running execution', STATE_MACHINE_ARN, 'RUNNING'],
  ] as const)('ignores events %s', async (_, stateMachineArn, status) => {
    const { container, buildRepository, runningBuild } = aReconciliation();
    const { build, executionArn } = await runningBuild();
    const handle = createExecutionStatusChangeHandler({ ...executionStatusChangeDeps(container), stateMachineArn: STATE_MACHINE_ARN });

    const result = await handle(anExecutionStatusChangeEvent({ executionArn, stateMachineArn, status }), aLambdaContext());

    expect(result).toMatchObject({ outcome: 'ignored' });
    expect(await buildRepository.get(build)).toMatchObject({ status: 'IN_PROGRESS' });
  });

  it('refuses an event without an execution ARN, naming the field', async () => {
    const { container } = aReconciliation();
    const handle = createExecutionStatusChangeHandler({ ...executionStatusChangeDeps(container), stateMachineArn: STATE_MACHINE_ARN });
    const event = anExecutionStatusChangeEvent({ executionArn: '', stateMachineArn: STATE_MACHINE_ARN, status: 'FAILED' });

    await expect(handle(event, aLambdaContext())).rejects.toThrow(expect.objectContaining({ constructor: ValidationError, field: 'executionArn' }));
  });

  it('says what is missing when the container has no execution inspector', () => {
    const container = createContainer({
      buildRepository: new InMemoryBuildRepository(),
      executionStarter: new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN }),
      logger: new RecordingLogger(),
    });

    expect(() => createExecutionStatusChangeHandler({ ...executionStatusChangeDeps(container), stateMachineArn: STATE_MACHINE_ARN })).toThrow(/execution inspector/);
    expect(() => createSweeperHandler(sweeperDeps(container))).toThrow(/execution inspector/);
  });
});

describe('sweeper handler', () => {
  const MINUTE = 60_000;

  it('records how the ended executions of IN_PROGRESS builds ended, and leaves running ones alone', async () => {
    const { container, buildRepository, executionStarter, runningBuild, clock } = aReconciliation();
    const ended = await runningBuild();
    const running = await runningBuild();
    executionStarter.complete(ended.executionArn, 'ABORTED');
    clock.advance(6 * MINUTE);
    const handle = createSweeperHandler(sweeperDeps(container));

    await expect(handle(aScheduledEvent(), aLambdaContext())).resolves.toEqual({
      mode: 'status-index',
      examined: 2,
      started: 0,
      completed: 1,
      failed: 0,
      pendingNotStarted: 0,
      // The ended execution's build was stuck; the running deployment is not.
      stuck: 1,
      unreadable: 0,
      redrivePending: 0,
      locksReleased: 0,
    });
    expect(await buildRepository.get(ended.build)).toMatchObject({ status: 'FAILED', errorMsg: expect.stringContaining('ABORTED') });
    expect(await buildRepository.get(running.build)).toMatchObject({ status: 'IN_PROGRESS' });
  });

  it('reconciles an execution that ended long before any look-back window', async () => {
    const { container, buildRepository, executionStarter, runningBuild, clock } = aReconciliation();
    const old = await runningBuild();
    executionStarter.complete(old.executionArn, { status: 'TIMED_OUT', error: 'States.Timeout' });
    clock.advance(3 * 24 * 60 * MINUTE);

    await createSweeperHandler({ ...sweeperDeps(container), lookbackMs: 60 * MINUTE })(aScheduledEvent(), aLambdaContext());

    expect(await buildRepository.get(old.build)).toMatchObject({ status: 'FAILED', errorMsg: expect.stringContaining('TIMED_OUT') });
  });

  it('records FAILED, saying so, an IN_PROGRESS build whose execution does not exist', async () => {
    const { container, buildRepository, clock } = aReconciliation();
    const build = aNewBuild();
    await buildRepository.create(build, clock.now());
    await buildRepository.recordStart(build, `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:gone`, clock.now());
    clock.advance(6 * MINUTE);

    await createSweeperHandler(sweeperDeps(container))(aScheduledEvent(), aLambdaContext());

    expect(await buildRepository.get(build)).toMatchObject({ status: 'FAILED', errorMsg: expect.stringMatching(/does not exist/) });
  });

  it('starts a PENDING build past the grace period once, and leaves a younger one to trigger-build', async () => {
    const { container, buildRepository, executionStarter, clock } = aReconciliation();
    const lost = aNewBuild();
    await buildRepository.create(lost, clock.now());
    clock.advance(6 * MINUTE);
    const young = aNewBuild();
    await buildRepository.create(young, clock.now());
    const handle = createSweeperHandler({ ...sweeperDeps(container), s3Bucket: 'my-artifacts-bucket' });

    // Concurrent sweeps, as overlapping scheduled runs would be.
    const results = await Promise.all(Array.from({ length: 3 }, () => handle(aScheduledEvent(), aLambdaContext())));

    expect(results.map((result) => result.examined)).toEqual([1, 1, 1]);
    expect(await buildRepository.get(lost)).toMatchObject({ status: 'IN_PROGRESS' });
    expect(await buildRepository.get(young)).toMatchObject({ status: 'PENDING' });
    expect(executionStarter.executions).toHaveLength(1);
  });

  it('counts, and does not start, PENDING builds when it has no artifacts bucket', async () => {
    const { container, buildRepository, clock } = aReconciliation();
    const build = aNewBuild();
    await buildRepository.create(build, clock.now());
    clock.advance(6 * MINUTE);

    await expect(createSweeperHandler(sweeperDeps(container))(aScheduledEvent(), aLambdaContext())).resolves.toMatchObject({ pendingNotStarted: 1, started: 0 });
    expect(await buildRepository.get(build)).toMatchObject({ status: 'PENDING' });
  });

  it('stops reading when its time is up and goes on from there on the next run', async () => {
    const { container, buildRepository, clock } = aReconciliation();
    for (let i = 0; i < 3; i += 1) await buildRepository.create(aNewBuild(), clock.now());
    clock.advance(6 * MINUTE);
    const handle = createSweeperHandler({ ...sweeperDeps(container), s3Bucket: 'my-artifacts-bucket', pageSize: 1 });

    const cut = await handle(aScheduledEvent(), aLambdaContext({ getRemainingTimeInMillis: () => 5_000 }));
    expect(cut).toMatchObject({ examined: 0, continuation: expect.any(String) });
    const next = await handle(aScheduledEvent(), aLambdaContext());
    expect(next).toMatchObject({ examined: 3, started: 3 });
    expect(next.continuation).toBeUndefined();
  });

  it('falls back to the execution window, with one warning, when the table has no status index', async () => {
    const world = anInMemoryContainer();
    world.clock.set(new Date());
    const withoutIndex = new RepositoryWithoutStatusIndex();
    const logger = new RecordingLogger();
    const container = createContainer({
      buildRepository: withoutIndex,
      executionStarter: world.executionStarter,
      executionInspector: world.executionInspector,
      clock: world.clock,
      logger,
    });
    const build = aNewBuild();
    await withoutIndex.create(build);
    const executionArn = await container.get(Orchestrator).startExecution(anInputFor(build));
    world.executionStarter.complete(executionArn, 'FAILED');
    const handle = createSweeperHandler(sweeperDeps(container));

    await expect(handle(aScheduledEvent(), aLambdaContext())).resolves.toMatchObject({ mode: 'execution-window', examined: 1, completed: 1 });
    await handle(aScheduledEvent(), aLambdaContext());

    expect(await withoutIndex.get(build)).toMatchObject({ status: 'FAILED' });
    const warnings = logger.entries.filter((entry) => entry.message.includes('has no index status-updated_at-index'));
    expect(warnings).toHaveLength(1);
  });

  it.each([
    [{ lookbackMs: 0 }, 'lookbackMs'],
    [{ maxExecutions: 1.5 }, 'maxExecutions'],
    [{ graceMs: -1 }, 'graceMs'],
    [{ pageSize: 0 }, 'pageSize'],
    [{ timeBudgetMs: 0 }, 'timeBudgetMs'],
    [{ s3Bucket: '' }, 's3Bucket'],
  ])('refuses bad options %o', (options, field) => {
    const { container } = aReconciliation();

    expect(() => createSweeperHandler({ ...sweeperDeps(container), ...options })).toThrow(expect.objectContaining({ constructor: ValidationError, field }));
  });
});
