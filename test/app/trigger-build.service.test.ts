import { describe, expect, it } from 'vitest';
import { TriggerBuildService, TransientExecutionStartError, executionInputFor, executionName, serializeStepFunctionInput } from '../../src/index.js';
import { aNewBuild } from '../support/mothers/build.mother.js';
import { anInMemoryContainer } from '../support/in-memory-container.js';

const options = { s3Bucket: 'my-artifacts-bucket' };

async function aPendingBuild(world: ReturnType<typeof anInMemoryContainer>, overrides = {}) {
  return world.buildRepository.create(aNewBuild(overrides), new Date('2026-03-01T09:00:00Z'));
}

describe('TriggerBuildService', () => {
  it('starts a PENDING build with its artifacts at {repo}/{branch}/{version}', async () => {
    const world = anInMemoryContainer();
    const build = await aPendingBuild(world, { repo: 'myapp', branch: 'release', version: '2.0.0' });

    const result = await world.container.get(TriggerBuildService).trigger(build, options);

    expect(result).toEqual({ outcome: 'started', executionArn: world.executionStarter.executions[0]?.executionArn, transitioned: true });
    expect(JSON.parse(world.executionStarter.executions[0]?.input ?? '{}')).toMatchObject({
      s3_bucket: 'my-artifacts-bucket',
      s3_key: 'myapp/release/2.0.0',
    });
    expect((await world.buildRepository.get(build))?.status).toBe('IN_PROGRESS');
  });

  it('tells the one attempt whose write moved the build to IN_PROGRESS from a concurrent one that found it recorded', async () => {
    const world = anInMemoryContainer();
    const build = await aPendingBuild(world);
    const trigger = world.container.get(TriggerBuildService);
    world.executionStarter.setLatency(20);

    // Both claim the PENDING build before either starts: both start the one execution, one records it.
    const outcomes = await Promise.all([trigger.trigger(build, options), trigger.trigger(build, options)]);

    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['started', 'started']);
    expect(outcomes.map((outcome) => outcome.outcome === 'started' && outcome.transitioned).sort()).toEqual([false, true]);
    expect(world.executionStarter.executions).toHaveLength(1);
  });

  it('never deploys a stale build over a newer one that has deployed: it ends FAILED naming it (parallel: builds of one environment start independently)', async () => {
    const world = anInMemoryContainer({ concurrency: 'parallel' });
    const scope = { repo: 'web', env: 'prd' };
    const stale = await aPendingBuild(world, { ...scope, sk: '2HFj3kLmNoPqRsTuVwX1', version: '1.0.0' });
    const newer = await aPendingBuild(world, { ...scope, sk: '2HFj3kLmNoPqRsTuVwX2', version: '2.0.0' });
    const trigger = world.container.get(TriggerBuildService);
    await trigger.trigger(newer, options);
    await world.buildRepository.recordCompletion(newer, { status: 'SUCCESS' }, world.clock.now());

    const outcome = await trigger.trigger(stale, options);

    expect(outcome).toMatchObject({ outcome: 'superseded', supersededBy: 'web/prd:2HFj3kLmNoPqRsTuVwX2' });
    expect(world.executionStarter.executions).toHaveLength(1);
    const recorded = await world.buildRepository.get(stale);
    expect(recorded).toMatchObject({ status: 'FAILED', supersededBy: 'web/prd:2HFj3kLmNoPqRsTuVwX2' });
    expect(recorded?.errorMsg).toContain('version 2.0.0');
    expect(recorded?.errorMsg).toContain('create a new build');
  });

  it('records the execution an earlier attempt started before it crashed, even when a newer build has deployed since (parallel: builds of one environment start independently)', async () => {
    const world = anInMemoryContainer({ concurrency: 'parallel' });
    const scope = { repo: 'web', env: 'prd' };
    const older = await aPendingBuild(world, { ...scope, sk: '2HFj3kLmNoPqRsTuVwX1' });
    const newer = await aPendingBuild(world, { ...scope, sk: '2HFj3kLmNoPqRsTuVwX2' });
    const trigger = world.container.get(TriggerBuildService);
    // The older build's execution started; the attempt crashed before recording it.
    const { executionArn } = await world.executionStarter.start({ name: executionName(older), input: serializeStepFunctionInput(executionInputFor(older, options.s3Bucket)) });
    await trigger.trigger(newer, options);
    await world.buildRepository.recordCompletion(newer, { status: 'SUCCESS' }, world.clock.now());

    expect(await trigger.trigger(older, options)).toMatchObject({ outcome: 'started', executionArn });
    expect((await world.buildRepository.get(older))?.status).toBe('IN_PROGRESS');
    expect(world.executionStarter.executions).toHaveLength(2);
  });

  it('still starts an older build when the newer ones have not deployed (FAILED, running) (parallel: builds of one environment start independently)', async () => {
    const world = anInMemoryContainer({ concurrency: 'parallel' });
    const scope = { repo: 'web', env: 'prd' };
    const older = await aPendingBuild(world, { ...scope, sk: '2HFj3kLmNoPqRsTuVwX1' });
    const failed = await aPendingBuild(world, { ...scope, sk: '2HFj3kLmNoPqRsTuVwX2' });
    const running = await aPendingBuild(world, { ...scope, sk: '2HFj3kLmNoPqRsTuVwX3' });
    const trigger = world.container.get(TriggerBuildService);
    await trigger.trigger(running, options);
    await world.buildRepository.recordCompletion(failed, { status: 'FAILED', errorMsg: 'stack rolled back' }, world.clock.now());

    expect(await trigger.trigger(older, options)).toMatchObject({ outcome: 'started', transitioned: true });
  });

  it('does not start again a build that is no longer PENDING', async () => {
    const world = anInMemoryContainer();
    const build = await aPendingBuild(world);
    const trigger = world.container.get(TriggerBuildService);
    const first = await trigger.trigger(build, options);

    const again = await trigger.trigger(build, options);

    expect(again).toEqual({ outcome: 'skipped', status: 'IN_PROGRESS', executionArn: first.outcome === 'started' && first.executionArn });
    expect(world.executionStarter.executions).toHaveLength(1);
  });

  it('never deploys a build that was marked FAILED by an earlier permanent error, even once the cause is gone', async () => {
    const world = anInMemoryContainer();
    const build = await aPendingBuild(world);
    const trigger = world.container.get(TriggerBuildService);
    world.executionStarter.failNext('StateMachineDoesNotExist');

    expect(await trigger.trigger(build, options)).toEqual({
      outcome: 'failed',
      reason: 'Could not start the execution (StateMachineDoesNotExist): injected by InMemoryExecutionStarter',
    });
    expect(await world.buildRepository.get(build)).toMatchObject({ status: 'FAILED', errorMsg: expect.stringContaining('StateMachineDoesNotExist') });

    expect(await trigger.trigger(build, options)).toEqual({ outcome: 'skipped', status: 'FAILED' });
    expect(world.executionStarter.executions).toHaveLength(0);
  });

  it('leaves a build claimed by a concurrent attempt to that attempt, failing this one as transient', async () => {
    const world = anInMemoryContainer();
    const build = await aPendingBuild(world);
    const trigger = world.container.get(TriggerBuildService);
    world.executionStarter.setLatency(30);
    world.executionStarter.failNext('StateMachineDeleting');

    const failing = trigger.trigger(build, options);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await world.buildRepository.claimStart(build, 'a-concurrent-attempt');

    const error = await failing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientExecutionStartError);
    expect(error).toMatchObject({ awsErrorCode: 'ConcurrentStartAttempt' });
    expect((await world.buildRepository.get(build))?.status).toBe('PENDING');

    world.executionStarter.setLatency(0);
    expect(await trigger.trigger(build, options)).toMatchObject({ outcome: 'started' });
  });

  it('records an input Step Functions could never accept as FAILED, naming the field', async () => {
    const world = anInMemoryContainer();
    const build = await aPendingBuild(world, { version: 'v'.repeat(262_144) });

    const result = await world.container.get(TriggerBuildService).trigger(build, options);

    expect(result).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('Invalid input') });
    expect(result).toMatchObject({ reason: expect.stringMatching(/Invalid input: is \d+ bytes of JSON, over the 262144-byte limit/) });
    expect((await world.buildRepository.get(build))?.status).toBe('FAILED');
  });

  it('throws a transient error and leaves the build PENDING for the retry', async () => {
    const world = anInMemoryContainer();
    const build = await aPendingBuild(world);
    world.executionStarter.failNext('ExecutionLimitExceeded');

    await expect(world.container.get(TriggerBuildService).trigger(build, options)).rejects.toBeInstanceOf(TransientExecutionStartError);
    expect((await world.buildRepository.get(build))?.status).toBe('PENDING');
  });

  it('skips a build that no longer exists', async () => {
    const world = anInMemoryContainer();
    expect(await world.container.get(TriggerBuildService).trigger(await aPendingBuild(anInMemoryContainer()), options)).toEqual({
      outcome: 'skipped',
    });
    expect(world.executionStarter.executions).toHaveLength(0);
  });

  it('marks an unstartable build FAILED once, and leaves a finished one alone', async () => {
    const world = anInMemoryContainer();
    const build = await aPendingBuild(world);
    const trigger = world.container.get(TriggerBuildService);

    expect(await trigger.markUnstartable(build, 'branch: must not be empty')).toBe('branch: must not be empty');
    expect(await world.buildRepository.get(build)).toMatchObject({ status: 'FAILED', errorMsg: 'branch: must not be empty' });

    const succeeded = await aPendingBuild(world);
    await world.buildRepository.recordCompletion(succeeded, { status: 'SUCCESS' }, new Date());
    await trigger.markUnstartable(succeeded, 'late');
    expect((await world.buildRepository.get(succeeded))?.status).toBe('SUCCESS');
    expect(world.logger.entries.at(-1)).toMatchObject({ level: 'warn', message: 'Build cannot start but is no longer PENDING; left as it is' });
  });
});
