import { describe, expect, it } from 'vitest';
import type { Build, BuildKey, BuildRepository, NewBuild } from '../../src/index.js';
import { aNewBuild, aSortKey, aUniqueScope } from '../support/mothers/build.mother.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const T1 = new Date('2026-03-01T10:00:05.750Z');
const T2 = new Date('2026-03-01T10:07:30.250Z');
const ARN = 'arn:aws:states:us-east-1:123456789012:execution:deployment:one';
const ALICE = 'arn:aws:iam::123456789012:user/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/deployer/bob';

type Environment = { readonly repo: string; readonly env: string };
const idOf = (key: BuildKey): string => `${key.repo}/${key.env}:${key.sk}`;
const whole = (at: Date): Date => new Date(Math.floor(at.getTime() / 1000) * 1000);

/**
 * What manual deployments need of every {@link BuildRepository}: the new
 * build attributes, listing one status, ending a build that never started
 * (cancel, a rollback's superseding), keeping a lock for a person after a
 * forced cancel, and a person's redrive. Run against each implementation, so
 * the in-memory one can never drift from DynamoDB.
 */
export function describeManualDeploymentContract(name: string, makeRepository: () => BuildRepository): void {
  describe(`BuildRepository manual deployment contract: ${name}`, () => {
    const aBuildOf = (environment: Environment, overrides: Partial<NewBuild> = {}): NewBuild => aNewBuild({ ...environment, sk: aSortKey(), ...overrides });
    const aStartedBuild = async (repo: BuildRepository, environment: Environment = aUniqueScope()): Promise<NewBuild> => {
      const build = aBuildOf(environment);
      await repo.create(build, T0);
      await repo.recordStart(build, ARN, T1);
      return build;
    };
    const aFailedBuild = async (repo: BuildRepository, environment: Environment = aUniqueScope()): Promise<NewBuild> => {
      const build = await aStartedBuild(repo, environment);
      await repo.recordExecutionEnd(build, ARN, { status: 'FAILED', errorMsg: 'States.Timeout' }, T1);
      return build;
    };

    describe('the new build attributes', () => {
      it('keeps kind, redeployOf and requestedBy, and reads them back', async () => {
        const repo = makeRepository();
        const source = aBuildOf(aUniqueScope());
        const redeploy = aBuildOf(source, { kind: 'rollback', redeployOf: idOf(source), requestedBy: ALICE });

        const created = await repo.create(redeploy, T0);

        expect(created).toMatchObject({ kind: 'rollback', redeployOf: idOf(source), requestedBy: ALICE });
        expect(await repo.get(redeploy)).toEqual(created);
      });

      it('refuses a kind it does not know, naming it', async () => {
        const repo = makeRepository();
        await expect(repo.create({ ...aBuildOf(aUniqueScope()), kind: 'hotfix' as never }, T0)).rejects.toMatchObject({ name: 'ValidationError', field: 'kind' });
      });
    });

    describe('listBuilds with a status', () => {
      it('pages through one status only, newest first, a full page whenever that many remain', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const failed: Build[] = [];
        for (let index = 0; index < 7; index += 1) {
          const build = aBuildOf(environment);
          await repo.create(build, T0);
          if (index % 2 === 0) {
            await repo.recordCompletion(build, { status: 'FAILED', errorMsg: 'boom' }, T1);
            failed.unshift((await repo.get(build))!);
          }
        }

        const first = await repo.listBuilds(environment.repo, environment.env, { status: 'FAILED', limit: 3 });
        const second = await repo.listBuilds(environment.repo, environment.env, { status: 'FAILED', limit: 3, cursor: first.nextCursor });

        expect(first.builds).toEqual(failed.slice(0, 3));
        expect(first.nextCursor).toBeDefined();
        expect(second.builds).toEqual(failed.slice(3));
        expect(second.nextCursor).toBeUndefined();
        expect((await repo.listBuilds(environment.repo, environment.env, { status: 'SUCCESS' })).builds).toEqual([]);
      });
    });

    describe('cancelPending', () => {
      it('ends a PENDING build no start holds: FAILED with the reason and who cancelled it, waiting for nothing', async () => {
        const repo = makeRepository();
        const build = aBuildOf(aUniqueScope());
        await repo.create(build, T0);
        await repo.recordWaiting(build, 'someone/else:holder');

        const cancelled = await repo.cancelPending(build, { reason: `cancelled by ${ALICE}`, cancelledBy: ALICE, at: T1 });

        expect(cancelled.outcome).toBe('cancelled');
        const recorded = await repo.get(build);
        expect(recorded).toMatchObject({ status: 'FAILED', errorMsg: `cancelled by ${ALICE}`, cancelledBy: ALICE, finishedAt: whole(T1), updatedAt: whole(T1) });
        expect(recorded?.waitingFor).toBeUndefined();
        expect(cancelled.outcome === 'cancelled' && cancelled.build).toEqual(recorded);
        expect((await repo.latestBuilds(build.env)).find((latest) => latest.repo === build.repo)).toEqual(recorded);
      });

      it('records the build deploying in its place (a rollback)', async () => {
        const repo = makeRepository();
        const build = aBuildOf(aUniqueScope());
        await repo.create(build, T0);

        await repo.cancelPending(build, { reason: 'rolled back over', supersededBy: 'myapp/prd:later', at: T1 });

        expect(await repo.get(build)).toMatchObject({ status: 'FAILED', supersededBy: 'myapp/prd:later' });
      });

      it('leaves a build a start attempt holds: its execution may be starting', async () => {
        const repo = makeRepository();
        const build = aBuildOf(aUniqueScope());
        const created = await repo.create(build, T0);
        await repo.claimStart(build, 'attempt-1');

        const cancelled = await repo.cancelPending(build, { reason: 'cancelled', at: T1 });

        expect(cancelled).toMatchObject({ outcome: 'starting', build: { status: 'PENDING' } });
        expect((await repo.get(build))?.status).toBe('PENDING');
        expect(await repo.recordStart(build, ARN, T2)).toMatchObject({ outcome: 'started' });
        expect(created.status).toBe('PENDING');
      });

      it('refuses a build that is not PENDING, with the record found, and writes nothing', async () => {
        const repo = makeRepository();
        const build = await aStartedBuild(repo);
        const before = await repo.get(build);

        const cancelled = await repo.cancelPending(build, { reason: 'cancelled', at: T2 });

        expect(cancelled).toEqual({ outcome: 'refused', status: 'IN_PROGRESS', build: before, reason: 'it is IN_PROGRESS' });
        expect(await repo.get(build)).toEqual(before);
      });

      it('throws BuildNotFoundError for a build that does not exist', async () => {
        const repo = makeRepository();
        await expect(repo.cancelPending(aBuildOf(aUniqueScope()), { reason: 'cancelled', at: T1 })).rejects.toMatchObject({ name: 'BuildNotFoundError' });
      });

      it('lets exactly one of a cancel and a claim win when they race', async () => {
        for (let round = 0; round < 5; round += 1) {
          const repo = makeRepository();
          const build = aBuildOf(aUniqueScope());
          await repo.create(build, T0);

          const [cancelled, claim] = await Promise.all([repo.cancelPending(build, { reason: 'cancelled', at: T1 }), repo.claimStart(build, 'attempt-1')]);

          expect([cancelled.outcome === 'cancelled', claim.claimed].filter(Boolean)).toHaveLength(1);
        }
      });
    });

    describe('keepEnvironmentLock', () => {
      it('keeps the running holder\'s lock: an end does not release it, an automatic release does not either, a person does', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const build = aBuildOf(environment);
        await repo.create(build, T0);
        await repo.claimStart(build, 'attempt-1', { environmentLock: { policy: 'queue', at: T0 } });
        await repo.recordStart(build, ARN, T1);

        const kept = await repo.keepEnvironmentLock(build, ARN, { keptBy: ALICE, policy: 'queue', at: T1 });

        expect(kept).toEqual({ outcome: 'kept', lock: { repo: environment.repo, env: environment.env, holder: build.sk, policy: 'queue', takenAt: T0, keptBy: ALICE } });
        await repo.recordExecutionEnd(build, ARN, { status: 'FAILED', errorMsg: 'cancelled' }, T2, { releaseEnvironmentLock: true, cancelledBy: ALICE });
        expect(await repo.get(build)).toMatchObject({ status: 'FAILED', cancelledBy: ALICE });
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toMatchObject({ holder: build.sk, keptBy: ALICE });
        expect(await repo.releaseEnvironmentLock(environment.repo, environment.env, build.sk, { at: T2 })).toMatchObject({ outcome: 'kept', lock: { keptBy: ALICE } });
        expect(await repo.releaseEnvironmentLock(environment.repo, environment.env, build.sk, { at: T2, releasedBy: BOB })).toEqual({ outcome: 'released' });
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toBeUndefined();
        expect(await repo.get(build)).toMatchObject({ unlockedBy: BOB });
      });

      it('takes a free lock for a build deploying outside it, under the policy given', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const build = await aStartedBuild(repo, environment);

        const kept = await repo.keepEnvironmentLock(build, ARN, { keptBy: ALICE, policy: 'supersede', at: T2 });

        expect(kept).toEqual({ outcome: 'kept', lock: { repo: environment.repo, env: environment.env, holder: build.sk, policy: 'supersede', takenAt: whole(T2), keptBy: ALICE } });
      });

      it('refuses a build that is not IN_PROGRESS with this execution, and one whose lock another build holds', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const ended = await aFailedBuild(repo, environment);
        expect(await repo.keepEnvironmentLock(ended, ARN, { keptBy: ALICE, policy: 'queue', at: T2 })).toEqual({ outcome: 'not-running' });
        const other = await aStartedBuild(repo, aUniqueScope());
        expect(await repo.keepEnvironmentLock(other, `${ARN}-other`, { keptBy: ALICE, policy: 'queue', at: T2 })).toEqual({ outcome: 'not-running' });

        const holder = aBuildOf(environment);
        await repo.create(holder, T0);
        await repo.claimStart(holder, 'attempt-1', { environmentLock: { policy: 'queue', at: T0 } });
        const running = await aStartedBuild(repo, environment);
        expect(await repo.keepEnvironmentLock(running, ARN, { keptBy: ALICE, policy: 'queue', at: T2 })).toMatchObject({ outcome: 'busy', lock: { holder: holder.sk } });
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).not.toHaveProperty('keptBy');
      });
    });

    describe('beginRedrive', () => {
      it('marks the FAILED build redriven by whom and when, with the sweeper\'s mark, and takes the lock for it', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const build = await aFailedBuild(repo, environment);

        const begun = await repo.beginRedrive(build, ARN, { at: T2, redrivenBy: ALICE, environmentLock: { policy: 'queue' } });

        expect(begun).toMatchObject({ outcome: 'begun', since: whole(T2), build: { status: 'FAILED', redrivenBy: ALICE, redrivenAt: whole(T2), updatedAt: whole(T2) } });
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toEqual({
          repo: environment.repo,
          env: environment.env,
          holder: build.sk,
          policy: 'queue',
          takenAt: whole(T2),
          redrive: true,
        });
        const marked = await repo.listRedrivePending({ updatedSince: T1 });
        expect(marked.builds.map((entry) => [entry.build.sk, entry.since])).toContainEqual([build.sk, whole(T2)]);
      });

      it('ends with the redriven success, which releases the lock', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const build = await aFailedBuild(repo, environment);
        await repo.beginRedrive(build, ARN, { at: T2, redrivenBy: ALICE, environmentLock: { policy: 'queue' } });

        await repo.recordExecutionEnd(build, ARN, { status: 'SUCCESS', redriven: true }, T2, { releaseEnvironmentLock: true });

        expect(await repo.get(build)).toMatchObject({ status: 'SUCCESS', redrivenBy: ALICE });
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toBeUndefined();
      });

      it('is undone by clearing its mark with forgetRedrive: the marks go and the lock is released', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const build = await aFailedBuild(repo, environment);
        const begun = await repo.beginRedrive(build, ARN, { at: T2, redrivenBy: ALICE, environmentLock: { policy: 'queue' } });
        if (begun.outcome !== 'begun') throw new Error('not begun');

        expect(await repo.clearRedrivePending(build, begun.since, { forgetRedrive: true, releaseEnvironmentLock: true })).toEqual({ outcome: 'cleared' });

        const recorded = await repo.get(build);
        expect(recorded).toMatchObject({ status: 'FAILED' });
        expect(recorded?.redrivenBy).toBeUndefined();
        expect(recorded?.redrivenAt).toBeUndefined();
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toBeUndefined();
        expect((await repo.listRedrivePending({ updatedSince: T0 })).builds.map((entry) => entry.build.sk)).not.toContain(build.sk);
      });

      it('answers busy with the lock another build holds, and writes nothing', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const build = await aFailedBuild(repo, environment);
        const before = await repo.get(build);
        const holder = aBuildOf(environment);
        await repo.create(holder, T0);
        await repo.claimStart(holder, 'attempt-1', { environmentLock: { policy: 'queue', at: T0 } });

        const begun = await repo.beginRedrive(build, ARN, { at: T2, redrivenBy: ALICE, environmentLock: { policy: 'queue' } });

        expect(begun).toMatchObject({ outcome: 'busy', lock: { holder: holder.sk } });
        expect(await repo.get(build)).toEqual(before);
      });

      it('refuses a build that is not FAILED with this execution, and takes no lock', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const running = await aStartedBuild(repo, environment);

        expect(await repo.beginRedrive(running, ARN, { at: T2, environmentLock: { policy: 'queue' } })).toMatchObject({ outcome: 'refused', status: 'IN_PROGRESS', reason: 'it is IN_PROGRESS' });
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toBeUndefined();
        const failed = await aFailedBuild(repo, aUniqueScope());
        expect(await repo.beginRedrive(failed, `${ARN}-other`, { at: T2 })).toMatchObject({ outcome: 'refused', reason: `it records execution ${ARN}` });
      });

      it('takes no lock without environmentLock (parallel)', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const build = await aFailedBuild(repo, environment);

        expect(await repo.beginRedrive(build, ARN, { at: T2 })).toMatchObject({ outcome: 'begun' });
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toBeUndefined();
      });
    });
  });
}
