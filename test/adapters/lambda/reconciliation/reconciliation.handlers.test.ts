import { describe, expect, it } from 'vitest';
import { Orchestrator, ValidationError, createContainer, type NewBuild } from '../../../../src/index.js';
import { createExecutionStatusChangeHandler, createSweeperHandler } from '../../../../src/lambda.js';
import { InMemoryBuildRepository, InMemoryExecutionStarter, RecordingLogger } from '../../../../src/testing.js';
import { anInMemoryContainer } from '../../../support/in-memory-container.js';
import { aScheduledEvent, anExecutionStatusChangeEvent } from '../../../support/mothers/eventbridge-event.mother.js';
import { STATE_MACHINE_ARN, aNewBuild, anInputFor } from '../../../support/mothers/build.mother.js';

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
    const handle = createExecutionStatusChangeHandler({ container, stateMachineArn: STATE_MACHINE_ARN });

    const result = await handle(anExecutionStatusChangeEvent({ executionArn, stateMachineArn: STATE_MACHINE_ARN, status: 'TIMED_OUT' }));

    expect(result).toMatchObject({ outcome: 'completed', status: 'FAILED' });
    expect(await buildRepository.get(build)).toMatchObject({ status: 'FAILED', errorMsg: expect.stringContaining('TIMED_OUT') });
  });

  it('answers already-completed when the state machine reported first', async () => {
    const { container, buildRepository, executionStarter, runningBuild } = aReconciliation();
    const { build, executionArn } = await runningBuild();
    await buildRepository.recordCompletion(build, { status: 'SUCCESS' }, new Date());
    executionStarter.complete(executionArn, 'SUCCEEDED');
    const handle = createExecutionStatusChangeHandler({ container, stateMachineArn: STATE_MACHINE_ARN });

    const result = await handle(anExecutionStatusChangeEvent({ executionArn, stateMachineArn: STATE_MACHINE_ARN, status: 'SUCCEEDED' }));

    expect(result).toMatchObject({ outcome: 'already-completed', status: 'SUCCESS' });
  });

  it.each([
    ['of another state machine', OTHER_STATE_MACHINE_ARN, 'ABORTED'],
    ['of a running execution', STATE_MACHINE_ARN, 'RUNNING'],
  ] as const)('ignores events %s', async (_, stateMachineArn, status) => {
    const { container, buildRepository, runningBuild } = aReconciliation();
    const { build, executionArn } = await runningBuild();
    const handle = createExecutionStatusChangeHandler({ container, stateMachineArn: STATE_MACHINE_ARN });

    const result = await handle(anExecutionStatusChangeEvent({ executionArn, stateMachineArn, status }));

    expect(result).toMatchObject({ outcome: 'ignored' });
    expect(await buildRepository.get(build)).toMatchObject({ status: 'IN_PROGRESS' });
  });

  it('refuses an event without an execution ARN, naming the field', async () => {
    const { container } = aReconciliation();
    const handle = createExecutionStatusChangeHandler({ container, stateMachineArn: STATE_MACHINE_ARN });
    const event = anExecutionStatusChangeEvent({ executionArn: '', stateMachineArn: STATE_MACHINE_ARN, status: 'FAILED' });

    await expect(handle(event)).rejects.toThrow(expect.objectContaining({ constructor: ValidationError, field: 'executionArn' }));
  });

  it('says what is missing when the container has no execution inspector', () => {
    const container = createContainer({
      buildRepository: new InMemoryBuildRepository(),
      executionStarter: new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN }),
      logger: new RecordingLogger(),
    });

    expect(() => createExecutionStatusChangeHandler({ container, stateMachineArn: STATE_MACHINE_ARN })).toThrow(/execution inspector/);
    expect(() => createSweeperHandler({ container })).toThrow(/execution inspector/);
  });
});

describe('sweeper handler', () => {
  it('reconciles the executions that ended within the look-back window', async () => {
    const { container, buildRepository, executionStarter, runningBuild, clock } = aReconciliation();
    const ended = await runningBuild();
    const running = await runningBuild();
    executionStarter.complete(ended.executionArn, 'ABORTED');
    clock.advance(60_000);
    const handle = createSweeperHandler({ container, lookbackMs: 10 * 60_000, maxExecutions: 100 });

    await expect(handle(aScheduledEvent())).resolves.toEqual({ examined: 2, completed: 1, failed: 0 });
    expect(await buildRepository.get(ended.build)).toMatchObject({ status: 'FAILED' });
    expect(await buildRepository.get(running.build)).toMatchObject({ status: 'IN_PROGRESS' });
  });

  it('leaves executions started before the window alone', async () => {
    const { container, executionStarter, runningBuild, clock } = aReconciliation();
    const old = await runningBuild();
    executionStarter.complete(old.executionArn, 'ABORTED');
    clock.advance(2 * 60 * 60_000);

    await expect(createSweeperHandler({ container, lookbackMs: 60 * 60_000 })()).resolves.toEqual({ examined: 0, completed: 0, failed: 0 });
  });

  it.each([
    [{ lookbackMs: 0 }, 'lookbackMs'],
    [{ maxExecutions: 1.5 }, 'maxExecutions'],
  ])('refuses bad options %o', (options, field) => {
    const { container } = aReconciliation();

    expect(() => createSweeperHandler({ container, ...options })).toThrow(expect.objectContaining({ constructor: ValidationError, field }));
  });
});
