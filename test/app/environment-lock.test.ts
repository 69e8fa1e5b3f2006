// The environment lock through the use cases, on the in-memory adapters: one
// deployment per repo and env at a time under `queue` and `supersede`, in the
// order the policy promises, and every way a lock is let go. The same
// scenarios run on DynamoDB Local and the local Step Functions endpoint in
// test/reliability/environment-lock.int.test.ts.
import { describe, expect, it } from 'vitest';
import {
  BuildNotFoundError,
  EnvironmentBusyError,
  Orchestrator,
  RecordCompletionService,
  SweepOpenBuildsService,
  TriggerBuildService,
  buildIdOf,
  executionInputFor,
  type Build,
  type ConcurrencyPolicy,
  type NewBuild,
} from '../../src/index.js';
import { aNewBuild, aSortKey, aUniqueScope } from '../support/mothers/build.mother.js';
import { anInMemoryContainer } from '../support/in-memory-container.js';

const options = { s3Bucket: 'my-artifacts-bucket' };

/** `count` new builds of one environment, oldest first (ascending `sk`), not recorded yet. */
function aBurstOf(count: number): NewBuild[] {
  const scope = aUniqueScope();
  const sks = Array.from({ length: count }, () => aSortKey()).sort();
  return sks.map((sk, index) => aNewBuild({ ...scope, sk, version: `${index + 1}.0.0` }));
}

/** `count` builds of one environment recorded within the same second, oldest first. */
async function aBurst(world: ReturnType<typeof anInMemoryContainer>, count: number): Promise<Build[]> {
  return recorded(world, aBurstOf(count));
}

async function recorded(world: ReturnType<typeof anInMemoryContainer>, builds: readonly NewBuild[]): Promise<Build[]> {
  const created: Build[] = [];
  for (const build of builds) created.push(await world.buildRepository.create(build, world.clock.now()));
  return created;
}

function aWorld(concurrency: ConcurrencyPolicy) {
  const world = anInMemoryContainer({ concurrency });
  return {
    ...world,
    trigger: world.container.get(TriggerBuildService),
    completions: world.container.get(RecordCompletionService),
    /** The builds whose execution was started, in start order. */
    started: () => world.executionStarter.executions.map((execution) => (JSON.parse(execution.input) as { sk: string }).sk),
    status: async (build: Build) => (await world.buildRepository.get(build))?.status,
  };
}

describe('queue (the default)', () => {
  it('deploys a burst one build at a time, in sk order whatever the delivery order, each waiting build saying what it waits for', async () => {
    const world = aWorld('queue');
    const [first, second, third] = await aBurst(world, 3);

    // Delivered newest first: the oldest still deploys first.
    const outcomes = [await world.trigger.trigger(third!, options), await world.trigger.trigger(second!, options), await world.trigger.trigger(first!, options)];

    expect(world.started()).toEqual([first!.sk]);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['waiting', 'waiting', 'skipped']);
    expect((await world.buildRepository.get(second!))?.waitingFor).toBe(buildIdOf(first!));
    expect(await world.buildRepository.getEnvironmentLock(first!.repo, first!.env)).toMatchObject({ holder: first!.sk, policy: 'queue' });

    // Each end releases the lock; the hand-off (trigger-build on the release) starts the next.
    await world.completions.record(first!, { status: 'SUCCESS' });
    expect(await world.trigger.triggerNext(first!, options)).toMatchObject({ build: { sk: second!.sk }, outcome: { outcome: 'started' } });
    await world.completions.record(second!, { status: 'FAILED', errorMsg: 'stack rolled back' });
    expect(await world.trigger.triggerNext(first!, options)).toMatchObject({ build: { sk: third!.sk }, outcome: { outcome: 'started' } });
    await world.completions.record(third!, { status: 'SUCCESS' });

    expect(world.started()).toEqual([first!.sk, second!.sk, third!.sk]);
    expect((await world.buildRepository.get(third!))?.waitingFor).toBeUndefined();
    expect(await world.trigger.triggerNext(first!, options)).toEqual({ outcome: 'idle' });
    expect(await world.buildRepository.getEnvironmentLock(first!.repo, first!.env)).toBeUndefined();
  });

  it('leaves other environments alone: one deployment per environment, not per table', async () => {
    const world = aWorld('queue');
    const [web] = await aBurst(world, 1);
    const [api] = await aBurst(world, 1);

    await world.trigger.trigger(web!, options);
    await world.trigger.trigger(api!, options);

    expect(world.started().sort()).toEqual([web!.sk, api!.sk].sort());
  });

  it('starts the next build in the same delivery when the build whose turn it was cannot start (a permanent error)', async () => {
    const world = aWorld('queue');
    const [first, second] = await aBurst(world, 2);
    world.executionStarter.failNext('StateMachineDoesNotExist');

    // The second's delivery hands its turn to the first, which fails; the lock comes back free.
    await world.trigger.trigger(second!, options);

    expect(await world.status(first!)).toBe('FAILED');
    expect(await world.status(second!)).toBe('IN_PROGRESS');
    expect(await world.buildRepository.getEnvironmentLock(first!.repo, first!.env)).toMatchObject({ holder: second!.sk });
  });

  it('never deploys a waiting build older than one that deployed meanwhile: it ends FAILED naming it, and the lock is free', async () => {
    const world = aWorld('queue');
    const [older, newer] = await aBurst(world, 2);
    // The newer one was deployed outside the lock (by Go, under parallel) and succeeded.
    await world.buildRepository.recordStart(newer!, 'arn:aws:states:us-east-1:123456789012:execution:deployment:by-go', world.clock.now());
    await world.buildRepository.recordCompletion(newer!, { status: 'SUCCESS' }, world.clock.now());

    const outcome = await world.trigger.trigger(older!, options);

    expect(outcome).toMatchObject({ outcome: 'superseded', supersededBy: buildIdOf(newer!) });
    expect(world.started()).toEqual([]);
    expect(await world.buildRepository.getEnvironmentLock(older!.repo, older!.env)).toBeUndefined();
  });

  it('releases a lock its ended holder left (Go recorded the end, without releasing it) and starts the build at once, not on the next sweep', async () => {
    const world = aWorld('queue');
    const [first, second] = await aBurst(world, 2);
    await world.trigger.trigger(first!, options);
    await world.buildRepository.recordCompletion(first!, { status: 'SUCCESS' }, world.clock.now());

    expect(await world.trigger.trigger(second!, options)).toMatchObject({ outcome: 'started', transitioned: true });
    expect(await world.buildRepository.getEnvironmentLock(second!.repo, second!.env)).toMatchObject({ holder: second!.sk });
    expect(world.logger.entries.map((entry) => entry.message)).toContain('Environment lock released by a build of its environment: its holder had ended without releasing it');
  });

  it('gives the lock to a deployment started outside it (Go, parallel) and waits for it to end', async () => {
    const world = aWorld('queue');
    const [running, next] = await aBurst(world, 2);
    await world.buildRepository.recordStart(running!, 'arn:aws:states:us-east-1:123456789012:execution:deployment:by-go', world.clock.now());

    expect(await world.trigger.trigger(next!, options)).toEqual({ outcome: 'waiting', holder: buildIdOf(running!) });
    expect(await world.buildRepository.getEnvironmentLock(next!.repo, next!.env)).toMatchObject({ holder: running!.sk, adopted: true });

    await world.completions.record(running!, { status: 'FAILED', errorMsg: 'stack rolled back' });
    expect(await world.trigger.triggerNext(next!, options)).toMatchObject({ outcome: { outcome: 'started' } });
  });
});

describe('supersede', () => {
  it('starts only the newest waiting build when the running one ends; each older waiting build ends FAILED naming it', async () => {
    const world = aWorld('supersede');
    const burst = aBurstOf(4);
    const [first] = await recorded(world, burst.slice(0, 1));
    await world.trigger.trigger(first!, options);
    // Only the first was there when it started; the others arrive while it deploys.
    const [second, third, fourth] = await recorded(world, burst.slice(1));
    for (const build of [second!, third!, fourth!]) expect(await world.trigger.trigger(build, options)).toMatchObject({ outcome: 'waiting' });

    await world.completions.record(first!, { status: 'SUCCESS' });
    const handedOff = await world.trigger.triggerNext(first!, options);

    expect(handedOff).toMatchObject({ build: { sk: fourth!.sk }, outcome: { outcome: 'started' } });
    expect(world.started()).toEqual([first!.sk, fourth!.sk]);
    for (const older of [second!, third!]) {
      expect(await world.buildRepository.get(older)).toMatchObject({ status: 'FAILED', supersededBy: buildIdOf(fourth!) });
    }
    // Never counted as a failed deployment: no execution, and the reason says why.
    expect((await world.buildRepository.get(second!))?.errorMsg).toContain('superseded by the newer build');
  });

  it('starts the newest of a burst that arrives before anything runs, whichever is delivered first', async () => {
    const world = aWorld('supersede');
    const [first, second, third] = await aBurst(world, 3);

    const outcome = await world.trigger.trigger(first!, options);

    expect(outcome).toMatchObject({ outcome: 'superseded', supersededBy: buildIdOf(third!) });
    expect(world.started()).toEqual([third!.sk]);
    expect(await world.buildRepository.get(second!)).toMatchObject({ status: 'FAILED', supersededBy: buildIdOf(third!) });
  });

  it('never stops a running deployment', async () => {
    const world = aWorld('supersede');
    const burst = aBurstOf(2);
    const [first] = await recorded(world, burst.slice(0, 1));
    await world.trigger.trigger(first!, options);
    const [second] = await recorded(world, burst.slice(1));
    await world.trigger.trigger(second!, options);

    expect(world.executionStarter.executions.map((execution) => execution.status)).toEqual(['RUNNING']);
    expect(await world.status(first!)).toBe('IN_PROGRESS');
    expect(await world.status(second!)).toBe('PENDING');
  });
});

describe('parallel', () => {
  it('starts every build at once, as Go does, and takes no lock', async () => {
    const world = aWorld('parallel');
    const builds = await aBurst(world, 3);

    for (const build of builds) await world.trigger.trigger(build, options);

    expect(world.started()).toEqual(builds.map((build) => build.sk));
    expect(await world.buildRepository.getEnvironmentLock(builds[0]!.repo, builds[0]!.env)).toBeUndefined();
  });
});

describe('Orchestrator.startExecution under a locking policy', () => {
  it('throws EnvironmentBusyError naming the holder, starts nothing, and leaves the build PENDING and waiting', async () => {
    const world = aWorld('queue');
    const [first, second] = await aBurst(world, 2);
    const orchestrator = world.container.get(Orchestrator);
    await orchestrator.startExecution(executionInputFor(first!, options.s3Bucket));

    const error = await orchestrator.startExecution(executionInputFor(second!, options.s3Bucket)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EnvironmentBusyError);
    expect((error as EnvironmentBusyError).message).toContain(buildIdOf(first!));
    expect((error as EnvironmentBusyError).code).toBe('ENVIRONMENT_BUSY');
    expect(world.started()).toEqual([first!.sk]);
    expect(await world.buildRepository.get(second!)).toMatchObject({ status: 'PENDING', waitingFor: buildIdOf(first!) });
  });

  it('refuses a build missing from the table before anything starts', async () => {
    const world = aWorld('queue');
    const missing = aNewBuild();

    const error = await world.container.get(Orchestrator).startExecution(executionInputFor(missing, options.s3Bucket)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BuildNotFoundError);
    expect(world.started()).toEqual([]);
  });
});

describe('the sweeper and the lock', () => {
  it('releases a lock whose holder ended without releasing it (Go recorded the end), and the waiting build starts in the same sweep', async () => {
    const world = aWorld('queue');
    const [first, second] = await aBurst(world, 2);
    await world.trigger.trigger(first!, options);
    await world.trigger.trigger(second!, options);
    // A writer that does not release (Go's update-build-status, 0.2.0): the end without the release.
    await world.buildRepository.recordCompletion(first!, { status: 'SUCCESS' }, world.clock.now());

    const summary = await world.container.get(SweepOpenBuildsService).sweep({ ...options, graceMs: 0 });

    // The waiting build was held back by a lock nobody would release: stuck, until this sweep.
    expect(summary).toMatchObject({ locksReleased: 1, started: 1, stuck: 1 });
    expect(await world.status(second!)).toBe('IN_PROGRESS');
  });

  it('does not count a build waiting behind a running deployment as stuck', async () => {
    const world = aWorld('queue');
    const [first, second] = await aBurst(world, 2);
    await world.trigger.trigger(first!, options);

    const summary = await world.container.get(SweepOpenBuildsService).sweep({ ...options, graceMs: 0 });

    expect(summary).toMatchObject({ stuck: 0, started: 0, locksReleased: 0 });
    expect(await world.buildRepository.get(second!)).toMatchObject({ status: 'PENDING', waitingFor: buildIdOf(first!) });
  });
});
