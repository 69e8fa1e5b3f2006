// The sweep of open builds on the in-memory adapters: what it counts as it
// goes, which builds it finds stuck, how it decides a build from the
// execution the build records, and how it reconciles a redriven success
// whose event was lost. (test/app/sweep-open-builds.service.int.test.ts runs
// the sweep on DynamoDB Local and the local Step Functions endpoint.)
import { describe, expect, it } from 'vitest';
import {
  Orchestrator,
  RecordCompletionService,
  SweepOpenBuildsService,
  executionName,
  type Build,
  type BuildPage,
  type BuildStatus,
  type ListBuildsByStatusOptions,
  type OpenBuildsSweepCount,
  type OpenBuildsSweepProgress,
  type UnreadableBuild,
} from '../../src/index.js';
import { InMemoryBuildRepository } from '../../src/testing.js';
import { anInMemoryContainer } from '../support/in-memory-container.js';
import { aBuildKey, aNewBuild, anInputFor } from '../support/mothers/build.mother.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const S3_BUCKET = 'my-artifacts-bucket';

/** A repository whose listing by status fails from its `failOnCall`-th call on, as a throttled or broken index does. */
class RepositoryFailingLater extends InMemoryBuildRepository {
  private calls = 0;

  constructor(private readonly failOnCall: number) {
    super();
  }

  override async listBuildsByStatus(status: BuildStatus, options?: ListBuildsByStatusOptions): Promise<BuildPage> {
    this.calls += 1;
    if (this.calls >= this.failOnCall) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    return super.listBuildsByStatus(status, options);
  }
}

/** A repository whose status index also holds items that do not read as builds (damaged by hand). */
class RepositoryWithUnreadableItems extends InMemoryBuildRepository {
  constructor(private readonly unreadable: Partial<Record<BuildStatus, UnreadableBuild[]>>) {
    super();
  }

  override async listBuildsByStatus(status: BuildStatus, options?: ListBuildsByStatusOptions): Promise<BuildPage> {
    const page = await super.listBuildsByStatus(status, options);
    const unreadable = this.unreadable[status] ?? [];
    return unreadable.length > 0 ? { ...page, unreadable } : page;
  }
}

/** What a sweep told its progress, in order. */
function aProgressRecorder() {
  const told: (string | [OpenBuildsSweepCount, number])[] = [];
  const progress: OpenBuildsSweepProgress = {
    mode: (mode) => told.push(mode),
    count: (count, by) => told.push([count, by]),
  };
  const total = (count: OpenBuildsSweepCount) =>
    told.reduce((sum, entry) => (Array.isArray(entry) && entry[0] === count ? sum + entry[1] : sum), 0);
  return { progress, told, total };
}

function aWorld(buildRepository = new InMemoryBuildRepository()) {
  const world = anInMemoryContainer({ buildRepository });
  // The in-memory executions start on the wall clock.
  world.clock.set(new Date());
  const sweeper = world.container.get(SweepOpenBuildsService);
  const aRunningBuild = async () => {
    const build = aNewBuild();
    await buildRepository.create(build, world.clock.now());
    const executionArn = await world.container.get(Orchestrator).startExecution(anInputFor(build));
    return { build, executionArn };
  };
  const aPendingBuild = async () => {
    const build = aNewBuild();
    await buildRepository.create(build, world.clock.now());
    return build;
  };
  /** A build as another writer left it: IN_PROGRESS, recording `executionArn` (or none). */
  const anInProgressBuild = (executionArn: string | undefined): Build => {
    const at = world.clock.now();
    const build: Build = {
      ...aBuildKey(),
      branch: 'main',
      version: '1.2.3',
      commitHash: 'abc123',
      status: 'IN_PROGRESS',
      createdAt: at,
      updatedAt: at,
      ...(executionArn ? { executionArn } : {}),
    };
    buildRepository.seed(build);
    return build;
  };
  const stuckLines = () => world.logger.entries.filter((entry) => entry.message === 'Stuck build found by the sweeper').map((entry) => entry.attributes);
  return { ...world, buildRepository, sweeper, aRunningBuild, aPendingBuild, anInProgressBuild, stuckLines };
}

describe('SweepOpenBuildsService', () => {
  describe('tells its progress as it goes', () => {
    it('reports every count as it grows, so a sweep that fails on a later page has told what it did', async () => {
      const world = aWorld(new RepositoryFailingLater(3));
      await world.aPendingBuild();
      await world.aPendingBuild();
      world.clock.advance(6 * MINUTE);
      const { progress, told, total } = aProgressRecorder();

      // IN_PROGRESS (empty), then PENDING one build a page: the second PENDING page fails.
      await expect(world.sweeper.sweep({ s3Bucket: S3_BUCKET, pageSize: 1, progress })).rejects.toThrow(/Rate exceeded/);

      expect(told[0]).toBe('status-index');
      expect([total('examined'), total('started'), total('stuck')]).toEqual([1, 1, 1]);
    });

    it('sums to the summary it returns, and tells the fallback mode without the status index', async () => {
      const world = aWorld();
      const ended = await world.aRunningBuild();
      world.executionStarter.complete(ended.executionArn, 'TIMED_OUT');
      await world.aPendingBuild();
      world.clock.advance(6 * MINUTE);
      const { progress, total } = aProgressRecorder();

      const summary = await world.sweeper.sweep({ s3Bucket: S3_BUCKET, progress });

      const counts = ['examined', 'started', 'completed', 'failed', 'pendingNotStarted', 'stuck', 'unreadable', 'redrivePending'] as const;
      expect(Object.fromEntries(counts.map((count) => [count, total(count)]))).toEqual(Object.fromEntries(counts.map((count) => [count, summary[count]])));
    });
  });

  describe('finds stuck builds, never a deployment at work', () => {
    it('counts neither running deployments, however long, nor builds inside their grace period', async () => {
      const world = aWorld();
      for (let index = 0; index < 11; index += 1) await world.aRunningBuild();
      world.clock.advance(60 * MINUTE);
      await world.aPendingBuild();

      const summary = await world.sweeper.sweep({ s3Bucket: S3_BUCKET });

      expect(summary).toMatchObject({ examined: 11, stuck: 0, completed: 0, started: 0 });
      expect(world.stuckLines()).toEqual([]);
    });

    it('counts a PENDING build nothing started, and an IN_PROGRESS build whose execution ended or does not exist, each logged with why', async () => {
      const world = aWorld();
      const pending = await world.aPendingBuild();
      const ended = await world.aRunningBuild();
      world.executionStarter.complete(ended.executionArn, 'ABORTED');
      const ghost = world.anInProgressBuild(world.executionStarter.executionArnOf('never-started'));
      world.clock.advance(6 * MINUTE);

      const summary = await world.sweeper.sweep({ s3Bucket: S3_BUCKET });

      expect(summary).toMatchObject({ examined: 3, stuck: 3, started: 1, completed: 2 });
      expect(world.stuckLines()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ buildId: `${pending.repo}/${pending.env}:${pending.sk}`, status: 'PENDING', stuck: 'not-started' }),
          expect.objectContaining({ buildId: `${ended.build.repo}/${ended.build.env}:${ended.build.sk}`, stuck: 'execution-ended' }),
          expect.objectContaining({ buildId: `${ghost.repo}/${ghost.env}:${ghost.sk}`, stuck: 'execution-missing' }),
        ]),
      );
    });

    it('counts a PENDING build it has no artifacts bucket to start', async () => {
      const world = aWorld();
      await world.aPendingBuild();
      world.clock.advance(6 * MINUTE);

      expect(await world.sweeper.sweep()).toMatchObject({ pendingNotStarted: 1, stuck: 1 });
    });

    it('does not count a build that had moved on since the status index was read', async () => {
      const world = aWorld();
      const build = await world.aPendingBuild();
      world.clock.advance(6 * MINUTE);
      // The index lags the table: the sweep lists the build PENDING, but trigger-build has started it meanwhile.
      const listed = await world.buildRepository.listBuildsByStatus('PENDING');
      await world.container.get(Orchestrator).startExecution(anInputFor(build));
      world.buildRepository.listBuildsByStatus = async (status: BuildStatus) => (status === 'PENDING' ? listed : { builds: [] });

      const summary = await world.sweeper.sweep({ s3Bucket: S3_BUCKET });

      expect(summary).toMatchObject({ examined: 1, stuck: 0, started: 0 });
    });
  });

  describe('counts and logs an open item that does not read as a build', () => {
    it('an IN_PROGRESS one stays open: stuck, unreadable and failed, logged with its id and the reason on every sweep', async () => {
      const item = { id: 'myapp/prd:2HFj3kLmNoPqRsTuVwXyZ0123ab', reason: 'Invalid created_at: must be a number of epoch seconds' };
      const world = aWorld(new RepositoryWithUnreadableItems({ IN_PROGRESS: [item] }));

      expect(await world.sweeper.sweep({ s3Bucket: S3_BUCKET })).toMatchObject({ examined: 1, stuck: 1, unreadable: 1, failed: 1 });
      expect(await world.sweeper.sweep({ s3Bucket: S3_BUCKET })).toMatchObject({ stuck: 1, unreadable: 1 });

      const errors = world.logger.entries.filter((entry) => entry.level === 'error');
      expect(errors.map((entry) => entry.attributes)).toEqual([
        expect.objectContaining({ buildId: item.id, reason: item.reason, status: 'IN_PROGRESS' }),
        expect.objectContaining({ buildId: item.id, reason: item.reason, status: 'IN_PROGRESS' }),
      ]);
      expect(world.stuckLines()).toEqual([
        expect.objectContaining({ buildId: item.id, stuck: 'unreadable', reason: item.reason }),
        expect.objectContaining({ buildId: item.id, stuck: 'unreadable', reason: item.reason }),
      ]);
    });
  });

  describe('decides an IN_PROGRESS build from the execution it records', () => {
    it('ends a build by the execution whose ARN it records, whatever that execution\'s input says', async () => {
      const world = aWorld();
      const { executionArn } = await world.executionStarter.startByHand({ name: 'started-by-hand', input: '{}' });
      world.executionStarter.complete(executionArn, { status: 'FAILED', error: 'States.TaskFailed', cause: 'stack rolled back' });
      const build = world.anInProgressBuild(executionArn);
      world.clock.advance(6 * MINUTE);

      const summary = await world.sweeper.sweep({ s3Bucket: S3_BUCKET });

      expect(summary).toMatchObject({ completed: 1, stuck: 1, failed: 0 });
      expect(await world.buildRepository.get(build)).toMatchObject({
        status: 'FAILED',
        executionArn,
        errorMsg: 'execution FAILED: States.TaskFailed: stack rolled back',
      });
    });

    it('leaves open, counts and logs a build it cannot decide: no recorded ARN, and an execution under its name without its input', async () => {
      const world = aWorld();
      const build = world.anInProgressBuild(undefined);
      const { executionArn } = await world.executionStarter.startByHand({ name: executionName(build), input: '{}' });
      world.executionStarter.complete(executionArn, 'SUCCEEDED');
      world.clock.advance(6 * MINUTE);

      const summary = await world.sweeper.sweep({ s3Bucket: S3_BUCKET });

      expect(summary).toMatchObject({ completed: 0, stuck: 1, failed: 1 });
      expect((await world.buildRepository.get(build))?.status).toBe('IN_PROGRESS');
      expect(world.logger.entries).toContainEqual(
        expect.objectContaining({
          level: 'error',
          message: 'IN_PROGRESS build not swept: its execution cannot be matched to it',
          attributes: expect.objectContaining({ buildId: `${build.repo}/${build.env}:${build.sk}`, executionArn, reason: expect.stringContaining('no build input') }),
        }),
      );
    });

    it('never ends a build by an execution that merely shares its derived name', async () => {
      const world = aWorld();
      const { executionArn: own } = await world.executionStarter.startByHand({ name: 'the-builds-own', input: '{}' });
      const build = world.anInProgressBuild(own);
      const { executionArn: namesake } = await world.executionStarter.startByHand({
        name: executionName(build),
        input: JSON.stringify({ repo: build.repo, env: build.env, sk: build.sk }),
      });
      world.executionStarter.complete(namesake, 'SUCCEEDED');
      world.clock.advance(6 * MINUTE);

      expect(await world.sweeper.sweep({ s3Bucket: S3_BUCKET })).toMatchObject({ completed: 0, stuck: 0 });
      expect(await world.buildRepository.get(build)).toMatchObject({ status: 'IN_PROGRESS', executionArn: own });
    });
  });

  describe('a redriven success whose event was lost', () => {
    async function aFailedBuildReportedSuccess(world: ReturnType<typeof aWorld>, failedDaysAgo = 0) {
      const { build, executionArn } = await world.aRunningBuild();
      world.executionStarter.complete(executionArn, { status: 'FAILED', error: 'States.TaskFailed', cause: 'throttled by CloudFormation' });
      world.clock.set(new Date(Date.now() - failedDaysAgo * DAY));
      await world.buildRepository.recordCompletion(build, { status: 'FAILED', errorMsg: 'execution FAILED' }, world.clock.now());
      world.clock.set(new Date());
      world.executionStarter.redrive(executionArn);
      return { build, executionArn };
    }

    it('is recorded SUCCESS by the next sweep: the refused SUCCESS callback marked the build', async () => {
      const world = aWorld();
      const { build, executionArn } = await aFailedBuildReportedSuccess(world);
      world.executionStarter.complete(executionArn, 'SUCCEEDED');

      const callback = await world.container.get(RecordCompletionService).record(build, { status: 'SUCCESS' }, executionArn);
      const summary = await world.sweeper.sweep({ s3Bucket: S3_BUCKET });

      expect(callback).toMatchObject({ outcome: 'refused', status: 'FAILED' });
      expect(summary).toMatchObject({ redrivePending: 1, completed: 1, stuck: 0 });
      expect(await world.buildRepository.get(build)).toMatchObject({ status: 'SUCCESS', executionArn });
      expect((await world.buildRepository.get(build))?.errorMsg).toBeUndefined();
      expect(await world.sweeper.sweep({ s3Bucket: S3_BUCKET })).toMatchObject({ redrivePending: 0 });
    });

    it('is found although the build was recorded FAILED more than 14 days ago: the mark moves its update time', async () => {
      const world = aWorld();
      const { build, executionArn } = await aFailedBuildReportedSuccess(world, 15);
      world.executionStarter.complete(executionArn, 'SUCCEEDED');

      await world.container.get(RecordCompletionService).record(build, { status: 'SUCCESS' }, executionArn);
      await world.sweeper.sweep({ s3Bucket: S3_BUCKET });

      expect((await world.buildRepository.get(build))?.status).toBe('SUCCESS');
    });

    it('keeps the mark while the execution runs, and clears it once it ended without a redriven success', async () => {
      const world = aWorld();
      const { build, executionArn } = await aFailedBuildReportedSuccess(world);
      // A state after the report: the execution still runs when the SUCCESS callback comes.
      await world.container.get(RecordCompletionService).record(build, { status: 'SUCCESS' }, executionArn);

      expect(await world.sweeper.sweep({ s3Bucket: S3_BUCKET })).toMatchObject({ redrivePending: 1, completed: 0 });
      world.executionStarter.complete(executionArn, 'FAILED');
      expect(await world.sweeper.sweep({ s3Bucket: S3_BUCKET })).toMatchObject({ redrivePending: 1, completed: 0 });
      expect(await world.sweeper.sweep({ s3Bucket: S3_BUCKET })).toMatchObject({ redrivePending: 0 });
      expect((await world.buildRepository.get(build))?.status).toBe('FAILED');
    });

    it('is never recorded from a SUCCESS callback alone: a build whose execution was not redriven stays FAILED', async () => {
      const world = aWorld();
      const { build, executionArn } = await world.aRunningBuild();
      world.executionStarter.complete(executionArn, 'FAILED');
      await world.buildRepository.recordCompletion(build, { status: 'FAILED', errorMsg: 'execution FAILED' }, world.clock.now());

      await world.container.get(RecordCompletionService).record(build, { status: 'SUCCESS' }, executionArn);
      expect(await world.sweeper.sweep({ s3Bucket: S3_BUCKET })).toMatchObject({ redrivePending: 1, completed: 0 });

      expect((await world.buildRepository.get(build))?.status).toBe('FAILED');
      expect(await world.sweeper.sweep({ s3Bucket: S3_BUCKET })).toMatchObject({ redrivePending: 0 });
    });
  });
});
