import { describe, expect, it } from 'vitest';
import { TriggerBuildService, TransientExecutionStartError } from '../../src/index.js';
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
