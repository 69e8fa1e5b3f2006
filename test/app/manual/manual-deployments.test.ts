// The manual deployment use cases on the in-memory adapters, through the
// container's services as an embedding caller gets them: what each creates or
// ends, what it refuses (as values), and idempotency keys. The same requests
// run against DynamoDB Local and the local Step Functions endpoint through the
// HTTP API in test/reliability/manual-deployments.int.test.ts.
import { describe, expect, it } from 'vitest';
import {
  CancelBuildService,
  ReconcileExecutionService,
  RecordCompletionService,
  RedeployBuildService,
  RedriveBuildService,
  RollBackEnvironmentService,
  SweepOpenBuildsService,
  TriggerBuildService,
  buildIdOf,
  type Build,
  type ConcurrencyPolicy,
  type ManualDeploymentResult,
  type NewBuild,
} from '../../../src/index.js';
import { InMemoryIdempotencyStore, ManualClock } from '../../../src/testing.js';
import { aNewBuild, aSortKey, aUniqueScope } from '../../support/mothers/build.mother.js';
import { anInMemoryContainer } from '../../support/in-memory-container.js';

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/deployer/bob';
const options = { s3Bucket: 'my-artifacts-bucket' };

/** An idempotency store whose first `complete` never happens: the process died after the request's writes. */
class CrashingIdempotencyStore extends InMemoryIdempotencyStore {
  private crashed = false;

  override async complete(...args: Parameters<InMemoryIdempotencyStore['complete']>): Promise<boolean> {
    if (this.crashed) return super.complete(...args);
    this.crashed = true;
    throw new Error('crashed');
  }
}

function aWorld(concurrency: ConcurrencyPolicy = 'queue', idempotencyStore?: InMemoryIdempotencyStore) {
  // Real time: the builds the mothers make have KSUIDs of now, and a request's new build must sort after them.
  const clock = new ManualClock(new Date());
  const world = anInMemoryContainer({ clock, concurrency, ...(idempotencyStore ? { idempotencyStore } : {}) });
  const { container } = world;
  return {
    ...world,
    clock,
    trigger: container.get(TriggerBuildService),
    completions: container.get(RecordCompletionService),
    redeploy: container.get(RedeployBuildService),
    rollback: container.get(RollBackEnvironmentService),
    redrive: container.get(RedriveBuildService),
    cancel: container.get(CancelBuildService),
    sweeper: container.get(SweepOpenBuildsService),
  };
}
type World = ReturnType<typeof aWorld>;

/** Records a build and deploys it to its end, as the upload, trigger-build and the workflow's callback would. */
async function deployed(world: World, build: NewBuild, status: 'SUCCESS' | 'FAILED' = 'SUCCESS'): Promise<Build> {
  await world.buildRepository.create(build, world.clock.now());
  const started = await world.trigger.trigger(build, options);
  if (started.outcome !== 'started') throw new Error(`not started: ${started.outcome}`);
  world.executionStarter.complete(started.executionArn, status === 'SUCCESS' ? 'SUCCEEDED' : 'FAILED');
  await world.completions.record(build, status === 'SUCCESS' ? { status } : { status, errorMsg: 'Stack failed' }, started.executionArn);
  return (await world.buildRepository.get(build))!;
}

/** A later second: the builds a request creates sort after every build made before it. */
function later(world: World): void {
  world.clock.advance(2_000);
}

function created(result: ManualDeploymentResult): Build {
  if (!result.ok) throw new Error(`refused: ${result.error.message}`);
  return result.build;
}

describe('redeploy', () => {
  it('records a new PENDING build of the source version, naming it and who asked, which trigger-build starts as any build', async () => {
    const world = aWorld();
    const source = await deployed(world, aNewBuild({ ...aUniqueScope(), sk: aSortKey(), version: '1.4.0', buildNumber: '1', stackName: 'custom' }));
    later(world);

    const result = await world.redeploy.redeploy({ build: source, requestedBy: ALICE });

    const build = created(result);
    expect(result).toMatchObject({ ok: true, created: true, replayed: false });
    expect(build).toMatchObject({
      repo: source.repo,
      env: source.env,
      branch: source.branch,
      version: '1.4.0',
      commitHash: source.commitHash,
      buildNumber: '1',
      stackName: 'custom',
      status: 'PENDING',
      kind: 'redeploy',
      redeployOf: buildIdOf(source),
      requestedBy: ALICE,
    });
    expect(build.sk > source.sk).toBe(true);
    expect(world.executionStarter.executions).toHaveLength(1);
    expect(await world.trigger.trigger(build, options)).toMatchObject({ outcome: 'started' });
  });

  it('leaves requestedBy out when nobody is named', async () => {
    const world = aWorld();
    const source = await deployed(world, aNewBuild());
    later(world);
    expect(created(await world.redeploy.redeploy({ build: source }))).not.toHaveProperty('requestedBy');
  });

  it('refuses an unknown build, an unreadable key and a bad caller, each naming what is wrong, and records nothing', async () => {
    const world = aWorld();
    const missing = aNewBuild();
    expect(await world.redeploy.redeploy({ build: missing })).toMatchObject({ ok: false, error: { code: 'BUILD_NOT_FOUND' } });
    expect(await world.redeploy.redeploy({ build: { ...missing, repo: '' } })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', field: 'repo' } });
    expect(await world.redeploy.redeploy({ build: missing, requestedBy: 'a\nb' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', field: 'requestedBy' } });
    expect((await world.buildRepository.listBuilds(missing.repo, missing.env)).builds).toEqual([]);
  });
});

describe('rollback', () => {
  it('redeploys the newest earlier SUCCESS of another version (a redeploy counts as the version it deployed)', async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    const v1 = await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '1.0.0' }));
    await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '2.0.0' }), 'FAILED');
    await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '2.0.0' }));
    later(world);
    const redeployOf2 = created(await world.redeploy.redeploy({ build: { ...scope, sk: (await world.buildRepository.listBuilds(scope.repo, scope.env, { status: 'SUCCESS' })).builds[0]!.sk } }));
    await world.trigger.trigger(redeployOf2, options);
    const [run] = world.executionStarter.executions.filter((execution) => execution.input.includes(redeployOf2.sk));
    world.executionStarter.complete(run!.executionArn, 'SUCCEEDED');
    await world.completions.record(redeployOf2, { status: 'SUCCESS' }, run!.executionArn);
    later(world);

    const result = await world.rollback.rollBack({ ...scope, requestedBy: BOB });

    expect(created(result)).toMatchObject({ kind: 'rollback', version: '1.0.0', redeployOf: buildIdOf(v1), requestedBy: BOB, status: 'PENDING' });
  });

  it('records a rollback newer than a redeploy made in the same second, so it deploys (npm start found it)', async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '1.0.0' }));
    const v2 = await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '2.0.0' }));
    for (let round = 0; round < 20; round += 1) {
      const redeploy = created(await world.redeploy.redeploy({ build: v2 }));
      const rollback = created(await world.rollback.rollBack(scope));
      expect(redeploy.sk > v2.sk && rollback.sk > redeploy.sk).toBe(true);
    }
  });

  it('refuses, saying why, when nothing deployed before, or every earlier deployment has the version deployed now', async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    expect(await world.rollback.rollBack(scope)).toMatchObject({ ok: false, error: { code: 'NOTHING_TO_ROLL_BACK_TO', message: expect.stringContaining('none ended SUCCESS') } });
    await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '3.0.0' }));
    await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '3.0.0' }));
    expect(await world.rollback.rollBack(scope)).toMatchObject({ ok: false, error: { code: 'NOTHING_TO_ROLL_BACK_TO', message: expect.stringContaining('has its version 3.0.0') } });
  });

  it('rolls back to the build named, which must have deployed another version', async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    const v1 = await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '1.0.0' }));
    const failed = await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '1.5.0' }), 'FAILED');
    const v2 = await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '2.0.0' }));
    later(world);

    expect(await world.rollback.rollBack({ ...scope, to: failed.sk })).toMatchObject({ ok: false, error: { code: 'NOTHING_TO_ROLL_BACK_TO', message: expect.stringContaining('never deployed (it is FAILED)') } });
    expect(await world.rollback.rollBack({ ...scope, to: v2.sk })).toMatchObject({ ok: false, error: { code: 'NOTHING_TO_ROLL_BACK_TO', message: expect.stringContaining('the version deployed now') } });
    expect(await world.rollback.rollBack({ ...scope, to: aSortKey() })).toMatchObject({ ok: false, error: { code: 'BUILD_NOT_FOUND' } });
    expect(await world.rollback.rollBack({ ...scope, to: '' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', field: 'to' } });
    expect(created(await world.rollback.rollBack({ ...scope, to: v1.sk }))).toMatchObject({ version: '1.0.0', redeployOf: buildIdOf(v1) });
  });

  it.each(['queue', 'supersede'] as const)('%s: supersedes the waiting builds older than it, and deploys next', async (policy) => {
    const world = aWorld(policy);
    const scope = aUniqueScope();
    await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '1.0.0' }));
    await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '2.0.0' }));
    const running = aNewBuild({ ...scope, sk: aSortKey(), version: '3.0.0' });
    await world.buildRepository.create(running, world.clock.now());
    const started = await world.trigger.trigger(running, options);
    const waiting = aNewBuild({ ...scope, sk: aSortKey(), version: '4.0.0' });
    await world.buildRepository.create(waiting, world.clock.now());
    expect(await world.trigger.trigger(waiting, options)).toMatchObject({ outcome: 'waiting' });
    later(world);

    const rollback = created(await world.rollback.rollBack({ ...scope, requestedBy: ALICE }));
    expect(await world.trigger.trigger(rollback, options)).toMatchObject({ outcome: 'waiting' });

    expect(await world.buildRepository.get(waiting)).toMatchObject({ status: 'FAILED', supersededBy: buildIdOf(rollback), errorMsg: expect.stringContaining(`the rollback ${buildIdOf(rollback)} asked by ${ALICE}`) });
    if (started.outcome !== 'started') throw new Error('not started');
    world.executionStarter.complete(started.executionArn, 'SUCCEEDED');
    await world.completions.record(running, { status: 'SUCCESS' }, started.executionArn);
    expect(await world.trigger.triggerNext(scope, options)).toMatchObject({ build: { sk: rollback.sk }, outcome: { outcome: 'started' } });
  });
});

describe('cancel', () => {
  it('ends a waiting build FAILED "cancelled by" its caller, and it never starts', async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    const running = aNewBuild({ ...scope, sk: aSortKey() });
    await world.buildRepository.create(running, world.clock.now());
    await world.trigger.trigger(running, options);
    const waiting = aNewBuild({ ...scope, sk: aSortKey() });
    await world.buildRepository.create(waiting, world.clock.now());
    await world.trigger.trigger(waiting, options);

    const result = await world.cancel.cancel({ build: waiting, requestedBy: ALICE });

    expect(result).toMatchObject({ ok: true, created: false, build: { status: 'FAILED', errorMsg: `cancelled by ${ALICE}`, cancelledBy: ALICE } });
    expect(await world.trigger.trigger(waiting, options)).toMatchObject({ outcome: 'skipped', status: 'FAILED' });
    expect(world.executionStarter.executions).toHaveLength(1);
  });

  it('refuses a PENDING build whose execution ran before its item was put back (the model suite found it on DynamoDB Local)', async () => {
    const world = aWorld();
    const build = aNewBuild();
    const created = await world.buildRepository.create(build, world.clock.now());
    await world.trigger.trigger(build, options);
    // An operator deletes the item and puts it back as it was created: PENDING, no claim, no execution ARN.
    world.buildRepository.seed(created);

    const result = await world.cancel.cancel({ build, requestedBy: ALICE });

    expect(result).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION', message: expect.stringContaining('already ran or runs') } });
    expect(await world.buildRepository.get(build)).toMatchObject({ status: 'PENDING' });
    expect(await world.trigger.trigger(build, options)).toMatchObject({ outcome: 'started' });
  });

  it('refuses a deploying build without force, with its status, and changes nothing', async () => {
    const world = aWorld();
    const build = aNewBuild();
    await world.buildRepository.create(build, world.clock.now());
    await world.trigger.trigger(build, options);

    const result = await world.cancel.cancel({ build, requestedBy: ALICE });

    expect(result).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION', existing: { status: 'IN_PROGRESS' }, message: expect.stringContaining('cancel with force') } });
    expect(world.executionStarter.executions[0]?.status).toBe('RUNNING');
  });

  it('with force, stops the execution with the cause, records FAILED, and keeps the environment locked until a person unlocks it', async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    const build = aNewBuild({ ...scope, sk: aSortKey() });
    await world.buildRepository.create(build, world.clock.now());
    await world.trigger.trigger(build, options);

    const result = await world.cancel.cancel({ build, requestedBy: ALICE, force: true });

    expect(result).toMatchObject({ ok: true, build: { status: 'FAILED', errorMsg: `cancelled by ${ALICE}`, cancelledBy: ALICE } });
    expect(world.executionStarter.executions[0]).toMatchObject({ status: 'ABORTED', cause: `cancelled by ${ALICE}` });
    expect(await world.buildRepository.getEnvironmentLock(scope.repo, scope.env)).toMatchObject({ holder: build.sk, keptBy: ALICE });
    const next = aNewBuild({ ...scope, sk: aSortKey() });
    await world.buildRepository.create(next, world.clock.now());
    expect(await world.trigger.trigger(next, options)).toMatchObject({ outcome: 'waiting', holder: buildIdOf(build) });
    await world.buildRepository.releaseEnvironmentLock(scope.repo, scope.env, build.sk, { releasedBy: BOB, at: world.clock.now() });
    expect(await world.trigger.triggerNext(scope, options)).toMatchObject({ build: { sk: next.sk }, outcome: { outcome: 'started' } });
  });

  it('with force, leaves a build whose execution closed on its own to reconciliation, and keeps no lock (the model suite found it)', async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    const build = aNewBuild({ ...scope, sk: aSortKey() });
    await world.buildRepository.create(build, world.clock.now());
    const started = await world.trigger.trigger(build, options);
    if (started.outcome !== 'started') throw new Error('not started');
    // The stack deployed; its report was lost, so the build is IN_PROGRESS still.
    world.executionStarter.complete(started.executionArn, 'SUCCEEDED');

    const result = await world.cancel.cancel({ build, requestedBy: ALICE, force: true });

    expect(result).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION', message: expect.stringContaining('before it could be cancelled') } });
    expect(await world.buildRepository.get(build)).toMatchObject({ status: 'IN_PROGRESS' });
    expect((await world.buildRepository.getEnvironmentLock(scope.repo, scope.env))?.keptBy).toBeUndefined();
  });

  it('refuses a build that has ended, with its status', async () => {
    const world = aWorld();
    const build = await deployed(world, aNewBuild());
    expect(await world.cancel.cancel({ build, force: true })).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION', existing: { status: 'SUCCESS' } } });
  });
});

/** A build whose execution timed out (redrivable: it resumes where it was). */
async function aFailedRun(world: World, scope = aUniqueScope()): Promise<Build> {
  const build = aNewBuild({ ...scope, sk: aSortKey() });
  await world.buildRepository.create(build, world.clock.now());
  const started = await world.trigger.trigger(build, options);
  if (started.outcome !== 'started') throw new Error(`not started: ${started.outcome}`);
  world.executionStarter.complete(started.executionArn, { status: 'TIMED_OUT', error: 'States.Timeout' });
  await world.container.get(ReconcileExecutionService).reconcile(started.executionArn);
  return (await world.buildRepository.get(build))!;
}

describe('redrive', () => {
  it("refuses an execution that FAILED: the shipped workflow's failure path would fail again at once", async () => {
    const world = aWorld();
    const build = await deployed(world, aNewBuild(), 'FAILED');
    expect(await world.redrive.redrive({ build })).toMatchObject({ ok: false, error: { code: 'NOT_REDRIVABLE', message: expect.stringContaining('redeploy the build instead') } });
  });

  it("refuses while a forced cancel's lock waits for a person", async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    const build = aNewBuild({ ...scope, sk: aSortKey() });
    await world.buildRepository.create(build, world.clock.now());
    await world.trigger.trigger(build, options);
    await world.cancel.cancel({ build, requestedBy: ALICE, force: true });

    expect(await world.redrive.redrive({ build })).toMatchObject({ ok: false, error: { code: 'ENVIRONMENT_BUSY' } });
  });

  it('redrives the failed execution, marks the build and holds its environment while it runs again', async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    const build = await aFailedRun(world, scope);

    const result = await world.redrive.redrive({ build, requestedBy: ALICE });

    expect(result).toMatchObject({ ok: true, build: { status: 'FAILED', redrivenBy: ALICE } });
    expect(world.executionStarter.executions[0]).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
    expect(await world.buildRepository.getEnvironmentLock(scope.repo, scope.env)).toMatchObject({ holder: build.sk, redrive: true });
    const next = aNewBuild({ ...scope, sk: aSortKey() });
    await world.buildRepository.create(next, world.clock.now());
    expect(await world.trigger.trigger(next, options)).toMatchObject({ outcome: 'waiting' });
  });

  it('refuses what Step Functions cannot redrive, quoting it, and a build that never ran or did not fail', async () => {
    const world = aWorld();
    const succeeded = await deployed(world, aNewBuild());
    expect(await world.redrive.redrive({ build: succeeded })).toMatchObject({ ok: false, error: { code: 'NOT_REDRIVABLE', message: expect.stringContaining('it is SUCCESS') } });
    const pending = aNewBuild();
    await world.buildRepository.create(pending, world.clock.now());
    await world.buildRepository.recordCompletion(pending, { status: 'FAILED', errorMsg: 'never started' }, world.clock.now());
    expect(await world.redrive.redrive({ build: pending })).toMatchObject({ ok: false, error: { code: 'NOT_REDRIVABLE', message: expect.stringContaining('never ran') } });
  });

  it('refuses when a newer build of the environment has started since, and leaves no mark or lock', async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    const build = await aFailedRun(world, scope);
    await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '9.9.9' }));

    const result = await world.redrive.redrive({ build, requestedBy: ALICE });

    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_REDRIVABLE', message: expect.stringContaining('has started since') } });
    expect(await world.buildRepository.get(build)).not.toHaveProperty('redrivenBy');
    expect(await world.buildRepository.getEnvironmentLock(scope.repo, scope.env)).toBeUndefined();
    expect(world.executionStarter.executions[0]).toMatchObject({ status: 'TIMED_OUT' });
  });

  it('refuses while another build holds the environment', async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    const build = await aFailedRun(world, scope);
    const holder = aNewBuild({ ...scope, sk: aSortKey() });
    await world.buildRepository.create(holder, world.clock.now());
    await world.buildRepository.claimStart(holder, 'attempt', { environmentLock: { policy: 'queue', at: world.clock.now() } });

    expect(await world.redrive.redrive({ build })).toMatchObject({ ok: false, error: { code: 'ENVIRONMENT_BUSY' } });
  });
});

describe('the sweeper and the locks manual deployments hold', () => {
  it('leaves a lock kept after a forced cancel to a person', async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    const build = aNewBuild({ ...scope, sk: aSortKey() });
    await world.buildRepository.create(build, world.clock.now());
    await world.trigger.trigger(build, options);
    await world.cancel.cancel({ build, requestedBy: ALICE, force: true });

    const summary = await world.sweeper.sweep({ graceMs: 0 });

    expect(summary.locksReleased).toBe(0);
    expect(await world.buildRepository.getEnvironmentLock(scope.repo, scope.env)).toMatchObject({ holder: build.sk, keptBy: ALICE });
  });

  it("keeps a redrive's lock while its execution runs, and releases it once the redrive failed again", async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    const build = await aFailedRun(world, scope);
    await world.redrive.redrive({ build, requestedBy: ALICE });

    await world.sweeper.sweep({ graceMs: 0 });
    expect(await world.buildRepository.getEnvironmentLock(scope.repo, scope.env)).toMatchObject({ holder: build.sk, redrive: true });

    world.executionStarter.complete(build.executionArn!, { status: 'FAILED', error: 'States.TaskFailed' });
    await world.sweeper.sweep({ graceMs: 0 });
    expect(await world.buildRepository.getEnvironmentLock(scope.repo, scope.env)).toBeUndefined();
    expect(await world.buildRepository.get(build)).toMatchObject({ status: 'FAILED', redrivenBy: ALICE });
  });

  it('records a redriven success and releases the lock with it', async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    const build = await aFailedRun(world, scope);
    await world.redrive.redrive({ build, requestedBy: ALICE });
    world.executionStarter.complete(build.executionArn!, 'SUCCEEDED');
    // The workflow's report is refused (the build is FAILED): the redrive rule records it.
    await world.completions.record(build, { status: 'SUCCESS' }, build.executionArn);

    await world.sweeper.sweep({ graceMs: 0 });

    expect(await world.buildRepository.get(build)).toMatchObject({ status: 'SUCCESS' });
    expect(await world.buildRepository.getEnvironmentLock(scope.repo, scope.env)).toBeUndefined();
  });
});

describe('idempotency keys', () => {
  it('returns the first result to a retry with the same key and creates nothing new', async () => {
    const world = aWorld();
    const source = await deployed(world, aNewBuild());
    later(world);

    const first = await world.redeploy.redeploy({ build: source, requestedBy: ALICE, idempotencyKey: 'key-1' });
    const again = await world.redeploy.redeploy({ build: source, requestedBy: ALICE, idempotencyKey: 'key-1' });

    expect(again).toEqual({ ...first, replayed: true });
    expect((await world.buildRepository.listBuilds(source.repo, source.env)).builds).toHaveLength(2);
  });

  it('scopes a key to its caller and operation, and refuses it for another request', async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    const one = await deployed(world, aNewBuild({ ...scope, sk: aSortKey() }));
    const two = await deployed(world, aNewBuild({ ...scope, sk: aSortKey() }));
    later(world);

    expect(await world.redeploy.redeploy({ build: one, requestedBy: ALICE, idempotencyKey: 'k' })).toMatchObject({ ok: true });
    expect(await world.redeploy.redeploy({ build: one, requestedBy: BOB, idempotencyKey: 'k' })).toMatchObject({ ok: true, replayed: false });
    expect(await world.redeploy.redeploy({ build: two, requestedBy: ALICE, idempotencyKey: 'k' })).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(await world.cancel.cancel({ build: two, requestedBy: ALICE, idempotencyKey: 'k' })).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION' } });
  });

  it('tells a retry that the first request is still running, and lets one take over after a crash, carrying out the same plan', async () => {
    const store = new CrashingIdempotencyStore();
    const world = aWorld('queue', store);
    const source = await deployed(world, aNewBuild());
    later(world);
    const request = { build: source, requestedBy: ALICE, idempotencyKey: 'crash' };

    // The first request records its build, then its process dies before it records its result.
    await expect(world.redeploy.redeploy(request)).rejects.toThrow('crashed');
    expect(await world.redeploy.redeploy(request)).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_REQUEST_IN_PROGRESS' } });
    world.clock.advance(61_000);
    const retried = await world.redeploy.redeploy(request);

    const builds = (await world.buildRepository.listBuilds(source.repo, source.env)).builds;
    expect(builds).toHaveLength(2);
    expect(retried).toMatchObject({ ok: true, replayed: false, build: { sk: builds[0]!.sk, kind: 'redeploy' } });
    expect(await world.redeploy.redeploy(request)).toEqual({ ...retried, replayed: true });
    expect(await world.redeploy.redeploy({ ...request, idempotencyKey: 'bad key' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', field: 'idempotencyKey' } });
  });

  it('creates one build when 50 requests with one key arrive at once', async () => {
    const world = aWorld();
    const source = await deployed(world, aNewBuild());
    later(world);

    const results = await Promise.all(Array.from({ length: 50 }, () => world.redeploy.redeploy({ build: source, requestedBy: ALICE, idempotencyKey: 'burst' })));

    const builds = new Set(results.filter((result) => result.ok).map((result) => result.ok && result.build.sk));
    expect(builds.size).toBe(1);
    expect(results.every((result) => result.ok || result.error.code === 'IDEMPOTENCY_REQUEST_IN_PROGRESS')).toBe(true);
    expect((await world.buildRepository.listBuilds(source.repo, source.env)).builds).toHaveLength(2);
  });

  it('runs again after a refusal (nothing was done), and never replays one', async () => {
    const world = aWorld();
    const scope = aUniqueScope();
    expect(await world.rollback.rollBack({ ...scope, idempotencyKey: 'r' })).toMatchObject({ ok: false, error: { code: 'NOTHING_TO_ROLL_BACK_TO' } });
    await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '1.0.0' }));
    await deployed(world, aNewBuild({ ...scope, sk: aSortKey(), version: '2.0.0' }));
    later(world);
    expect(await world.rollback.rollBack({ ...scope, idempotencyKey: 'r' })).toMatchObject({ ok: true, build: { version: '1.0.0' } });
  });
});
