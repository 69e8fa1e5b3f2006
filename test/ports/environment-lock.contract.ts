import { describe, expect, it } from 'vitest';
import type { Build, BuildKey, BuildRepository, EnvironmentLock, NewBuild } from '../../src/index.js';
import { aBuildKey, aNewBuild, aSortKey, aUniqueScope } from '../support/mothers/build.mother.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const T1 = new Date('2026-03-01T10:00:05.750Z');
const T2 = new Date('2026-03-01T10:07:30.250Z');
const ARN = 'arn:aws:states:us-east-1:123456789012:execution:deployment:one';
const OPERATOR = 'arn:aws:iam::123456789012:user/alice';

type Environment = { readonly repo: string; readonly env: string };
type EndKind = 'recordCompletion' | 'recordExecutionEnd' | 'recordStartFailure' | 'recordUnstartable';

const idOf = (key: BuildKey): string => `${key.repo}/${key.env}:${key.sk}`;

/**
 * The environment lock every {@link BuildRepository} must implement: the
 * claim that takes it, the line read with it, the ends that release it, the
 * waiting mark, adoption, release by its holder and the listing. Run against
 * each implementation, so the in-memory one can never drift from DynamoDB.
 */
export function describeEnvironmentLockContract(name: string, makeRepository: () => BuildRepository): void {
  describe(`BuildRepository environment lock contract: ${name}`, () => {
    /** A build of `environment`, newer than every build made before it. */
    const aBuildOf = (environment: Environment): NewBuild => aNewBuild({ ...environment, sk: aSortKey() });
    const lockOf = (build: BuildKey, overrides: Partial<EnvironmentLock> = {}): EnvironmentLock => ({
      repo: build.repo,
      env: build.env,
      holder: build.sk,
      policy: 'queue',
      takenAt: new Date('2026-03-01T10:00:00.000Z'),
      ...overrides,
    });
    const queue = { policy: 'queue', at: T0 } as const;
    /** A PENDING build that holds its environment's lock (claimed with it under `attempt`). */
    const aHolder = async (repo: BuildRepository, environment: Environment = aUniqueScope(), attempt = 'holder-attempt'): Promise<NewBuild> => {
      const build = aBuildOf(environment);
      await repo.create(build, T0);
      const claim = await repo.claimStart(build, attempt, { environmentLock: queue });
      expect(claim.claimed).toBe(true);
      return build;
    };
    const aStartedBuild = async (repo: BuildRepository, environment: Environment = aUniqueScope(), arn = ARN): Promise<NewBuild> => {
      const build = aBuildOf(environment);
      await repo.create(build, T0);
      await repo.recordStart(build, arn, T1);
      return build;
    };
    const aSucceededBuild = async (repo: BuildRepository, environment: Environment): Promise<NewBuild> => {
      const build = aBuildOf(environment);
      await repo.create(build, T0);
      await repo.recordCompletion(build, { status: 'SUCCESS' }, T1);
      return build;
    };

    describe('claimStart with environmentLock', () => {
      it('takes the free lock with the claim, under the policy given, and returns the line read after it', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const running = await aStartedBuild(repo, environment);
        const build = aBuildOf(environment);
        const created = await repo.create(build, T0);

        const claim = await repo.claimStart(build, 'attempt-1', { environmentLock: { policy: 'supersede', at: T1 } });

        expect(claim).toEqual({
          claimed: true,
          build: created,
          line: { build: created, waiting: [created], running: [await repo.get(running)] },
        });
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toEqual(
          lockOf(build, { policy: 'supersede', takenAt: new Date('2026-03-01T10:00:05.000Z') }),
        );
        expect(await repo.get(build)).toEqual(created);
      });

      it('lets the holder claim again (a retried claim), and the latest claim is the one that may fail the start', async () => {
        const repo = makeRepository();
        const build = await aHolder(repo, aUniqueScope(), 'attempt-1');

        expect(await repo.claimStart(build, 'attempt-2', { environmentLock: { ...queue, at: T2 } })).toMatchObject({ claimed: true });

        expect(await repo.getEnvironmentLock(build.repo, build.env)).toEqual(lockOf(build, { takenAt: new Date('2026-03-01T10:07:30.000Z') }));
        expect(await repo.recordStartFailure(build, 'attempt-1', 'boom', T2)).toEqual({ outcome: 'superseded' });
        expect(await repo.recordStartFailure(build, 'attempt-2', 'boom', T2)).toEqual({ outcome: 'failed' });
      });

      it('is busy while another build holds the lock: the lock as found, and nothing written', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const holder = await aHolder(repo, environment);
        const build = aBuildOf(environment);
        const created = await repo.create(build, T0);

        expect(await repo.claimStart(build, 'attempt-b', { environmentLock: { policy: 'supersede', at: T2 } })).toEqual({
          claimed: false,
          build: undefined,
          busy: lockOf(holder),
        });

        expect(await repo.get(build)).toEqual(created);
        // The claim did not land: the attempt holds nothing, so it cannot fail the build.
        expect(await repo.recordStartFailure(build, 'attempt-b', 'boom', T2)).toEqual({ outcome: 'superseded' });
        expect((await repo.get(build))?.status).toBe('PENDING');
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toEqual(lockOf(holder));
      });

      it('answers a build that is not PENDING, or is missing, before the lock: no busy', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        await aHolder(repo, environment);
        const started = await aStartedBuild(repo, environment);

        const claim = await repo.claimStart(started, 'attempt-1', { environmentLock: queue });
        expect(claim).toEqual({ claimed: false, build: expect.objectContaining({ status: 'IN_PROGRESS', executionArn: ARN }) });
        expect(claim).not.toHaveProperty('busy');

        const missing = await repo.claimStart({ ...environment, sk: aSortKey() }, 'attempt-2', { environmentLock: queue });
        expect(missing).toEqual({ claimed: false, build: undefined });
        expect(missing).not.toHaveProperty('busy');
      });

      it('gives the lock to exactly one of many builds claiming it at once; the others find it busy with that one', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const builds = Array.from({ length: 8 }, () => aBuildOf(environment));
        for (const build of builds) await repo.create(build, T0);

        const claims = await Promise.all(builds.map((build, index) => repo.claimStart(build, `attempt-${index}`, { environmentLock: queue })));

        const winners = claims.flatMap((claim, index) => (claim.claimed ? [builds[index]!] : []));
        expect(winners).toHaveLength(1);
        const lock = lockOf(winners[0]!);
        expect(claims.filter((claim) => !claim.claimed)).toEqual(Array.from({ length: 7 }, () => ({ claimed: false, build: undefined, busy: lock })));
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toEqual(lock);
      });

      it('takes the lock over from the build that hands it over, and only from that one', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const first = await aHolder(repo, environment);
        const [second, third] = [aBuildOf(environment), aBuildOf(environment)];
        await repo.create(second, T0);
        await repo.create(third, T0);

        expect(await repo.claimStart(second, 'attempt-2', { environmentLock: { ...queue, at: T1, handOverFrom: first.sk } })).toMatchObject({
          claimed: true,
        });
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toEqual(lockOf(second, { takenAt: new Date('2026-03-01T10:00:05.000Z') }));

        // The first build no longer holds it: its hand-over is stale.
        expect(await repo.claimStart(third, 'attempt-3', { environmentLock: { ...queue, handOverFrom: first.sk } })).toEqual({
          claimed: false,
          build: undefined,
          busy: lockOf(second, { takenAt: new Date('2026-03-01T10:00:05.000Z') }),
        });
      });

      it('without environmentLock reads and takes no lock, and returns no line', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        await aHolder(repo, environment);
        const build = aBuildOf(environment);
        const created = await repo.create(build, T0);

        expect(await repo.claimStart(build, 'attempt-1')).toEqual({ claimed: true, build: created });
      });

      it('names a policy that does not lock', async () => {
        const repo = makeRepository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await expect(repo.claimStart(build, 'a', { environmentLock: { policy: 'parallel' as never, at: T0 } })).rejects.toMatchObject({
          field: 'environmentLock.policy',
        });
        expect(await repo.getEnvironmentLock(build.repo, build.env)).toBeUndefined();
      });
    });

    describe('readEnvironmentLine', () => {
      it('lists the waiting and running builds newer than the newest SUCCESS, oldest first, and stops there', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        await aSucceededBuild(repo, environment);
        const olderPending = aBuildOf(environment);
        await repo.create(olderPending, T0);
        const newestSuccess = await aSucceededBuild(repo, environment);
        const waiting1 = aBuildOf(environment);
        await repo.create(waiting1, T0);
        const running1 = await aStartedBuild(repo, environment);
        const failed = aBuildOf(environment);
        await repo.create(failed, T0);
        await repo.recordCompletion(failed, { status: 'FAILED', errorMsg: 'stack rolled back' }, T1);
        const waiting2 = aBuildOf(environment);
        await repo.create(waiting2, T0);
        const running2 = await aStartedBuild(repo, environment, `${ARN}-2`);
        await repo.create(aBuildOf(aUniqueScope()), T0);
        await repo.create(aNewBuild({ repo: environment.repo }), T0);
        const read = async (build: BuildKey) => (await repo.get(build))!;

        expect(await repo.readEnvironmentLine(environment.repo, environment.env)).toEqual({
          newestSuccess: await read(newestSuccess),
          waiting: [await read(waiting1), await read(waiting2)],
          running: [await read(running1), await read(running2)],
        });
      });

      it('reads on down to `from` when it is older than the newest SUCCESS, and gives the build at `from`', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const stale = aBuildOf(environment);
        const staleBuild = await repo.create(stale, T0);
        const newestSuccess = await aSucceededBuild(repo, environment);
        const waiting = aBuildOf(environment);
        const waitingBuild = await repo.create(waiting, T0);

        const line = await repo.readEnvironmentLine(environment.repo, environment.env, stale.sk);

        expect(line).toEqual({ build: staleBuild, newestSuccess: await repo.get(newestSuccess), waiting: [waitingBuild], running: [] });
        expect((await repo.readEnvironmentLine(environment.repo, environment.env, waiting.sk)).build).toEqual(waitingBuild);
        expect((await repo.readEnvironmentLine(environment.repo, environment.env, aSortKey())).build).toBeUndefined();
      });

      it('lists every waiting and running build of an environment without a SUCCESS', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const running = await aStartedBuild(repo, environment);
        const waiting = aBuildOf(environment);
        const waitingBuild = await repo.create(waiting, T0);

        expect(await repo.readEnvironmentLine(environment.repo, environment.env)).toEqual({
          waiting: [waitingBuild],
          running: [await repo.get(running)],
        });
        const { repo: emptyRepo, env: emptyEnv } = aUniqueScope();
        expect(await repo.readEnvironmentLine(emptyRepo, emptyEnv)).toEqual({ waiting: [], running: [] });
      });

      it('names a repo or env that names no environment', async () => {
        const repo = makeRepository();
        await expect(repo.readEnvironmentLine('my/app', 'prd')).rejects.toMatchObject({ field: 'repo' });
        await expect(repo.readEnvironmentLine('myapp', '')).rejects.toMatchObject({ field: 'env' });
      });
    });

    describe('ends that release the lock', () => {
      /** Ends `build`, which holds its claim (attempt `holder-attempt`) and, for the execution ends, records ARN. */
      const end = (repo: BuildRepository, kind: EndKind, build: BuildKey, release?: boolean) => {
        const options = release === undefined ? undefined : { releaseEnvironmentLock: release };
        switch (kind) {
          case 'recordCompletion':
            return repo.recordCompletion(build, { status: 'SUCCESS' }, T2, options);
          case 'recordExecutionEnd':
            return repo.recordExecutionEnd(build, ARN, { status: 'FAILED', errorMsg: 'stack rolled back' }, T2, options);
          case 'recordStartFailure':
            return repo.recordStartFailure(build, 'holder-attempt', 'StateMachineDoesNotExist', T2, options);
          case 'recordUnstartable':
            return repo.recordUnstartable(build, 'the build record is invalid', T2, options);
        }
      };
      const ended = { recordCompletion: 'SUCCESS', recordExecutionEnd: 'FAILED', recordStartFailure: 'FAILED', recordUnstartable: 'FAILED' } as const;
      /** A build that holds its environment's lock, in the state `kind` ends it from. */
      const aHolderToEnd = async (repo: BuildRepository, kind: EndKind, environment: Environment = aUniqueScope()) => {
        const build = await aHolder(repo, environment);
        if (kind === 'recordCompletion' || kind === 'recordExecutionEnd') await repo.recordStart(build, ARN, T1);
        return build;
      };
      const kinds: EndKind[] = ['recordCompletion', 'recordExecutionEnd', 'recordStartFailure', 'recordUnstartable'];

      it.each(kinds)('%s releases the lock its build holds, in the same write as the end', async (kind) => {
        const repo = makeRepository();
        const build = await aHolderToEnd(repo, kind);

        expect(await end(repo, kind, build, true)).toMatchObject({ outcome: kind === 'recordCompletion' || kind === 'recordExecutionEnd' ? 'completed' : 'failed' });

        expect(await repo.getEnvironmentLock(build.repo, build.env)).toBeUndefined();
        expect(await repo.get(build)).toMatchObject({ status: ended[kind], finishedAt: new Date('2026-03-01T10:07:30.000Z') });
        expect((await repo.latestBuilds(build.env)).map((latest) => [latest.sk, latest.status])).toEqual([[build.sk, ended[kind]]]);
      });

      it.each(kinds)('%s leaves a lock another build holds, and the end still lands', async (kind) => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const build = aBuildOf(environment);
        await repo.create(build, T0);
        if (kind === 'recordStartFailure') await repo.claimStart(build, 'holder-attempt');
        if (kind === 'recordCompletion' || kind === 'recordExecutionEnd') await repo.recordStart(build, ARN, T1);
        const other = await aHolder(repo, environment, 'other-attempt');

        expect(await end(repo, kind, build, true)).toMatchObject({ outcome: kind === 'recordCompletion' || kind === 'recordExecutionEnd' ? 'completed' : 'failed' });

        expect(await repo.get(build)).toMatchObject({ status: ended[kind] });
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toEqual(lockOf(other));
      });

      it.each(kinds)('%s without the option leaves the lock as it is', async (kind) => {
        const repo = makeRepository();
        const build = await aHolderToEnd(repo, kind);

        await end(repo, kind, build);

        expect(await repo.get(build)).toMatchObject({ status: ended[kind] });
        expect(await repo.getEnvironmentLock(build.repo, build.env)).toEqual(lockOf(build));
      });

      it('releases the lock even when a newer build holds the latest pointer', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const build = await aHolderToEnd(repo, 'recordCompletion', environment);
        const newer = aBuildOf(environment);
        await repo.create(newer, T0);

        expect(await end(repo, 'recordCompletion', build, true)).toEqual({ outcome: 'completed', status: 'SUCCESS' });

        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toBeUndefined();
        expect((await repo.latestBuilds(environment.env)).map((latest) => latest.sk)).toEqual([newer.sk]);
      });

      it('lands the end when a newer build holds the pointer and another build the lock, leaving both', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const build = aBuildOf(environment);
        await repo.create(build, T0);
        await repo.recordStart(build, ARN, T1);
        const other = await aHolder(repo, environment);

        expect(await end(repo, 'recordExecutionEnd', build, true)).toEqual({ outcome: 'completed', status: 'FAILED' });

        expect(await repo.get(build)).toMatchObject({ status: 'FAILED' });
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toEqual(lockOf(other));
        expect((await repo.latestBuilds(environment.env)).map((latest) => latest.sk)).toEqual([other.sk]);
      });

      it('lands an end with the option when the environment has no lock', async () => {
        const repo = makeRepository();
        const build = aNewBuild();
        await repo.create(build, T0);

        expect(await repo.recordCompletion(build, { status: 'FAILED', errorMsg: 'x' }, T2, { releaseEnvironmentLock: true })).toEqual({
          outcome: 'completed',
          status: 'FAILED',
        });
        expect(await repo.getEnvironmentLock(build.repo, build.env)).toBeUndefined();
      });
    });

    describe('recordWaiting', () => {
      it('records what a PENDING build waits behind, leaving its status and update time', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const holder = await aHolder(repo, environment);
        const build = aBuildOf(environment);
        const created = await repo.create(build, T0);

        expect(await repo.recordWaiting(build, idOf(holder))).toEqual({ outcome: 'recorded' });

        const waiting = { ...created, waitingFor: idOf(holder) };
        expect(await repo.get(build)).toEqual(waiting);
        expect((await repo.readEnvironmentLine(environment.repo, environment.env)).waiting).toContainEqual(waiting);
      });

      it('records nothing on a build that is not PENDING, or is missing', async () => {
        const repo = makeRepository();
        const started = await aStartedBuild(repo);
        const before = await repo.get(started);

        expect(await repo.recordWaiting(started, 'myapp/prd:2HFj3kLmNoPqRsTuVwXy')).toEqual({ outcome: 'not-pending' });
        expect(await repo.get(started)).toEqual(before);
        const missing = aBuildKey();
        expect(await repo.recordWaiting(missing, 'myapp/prd:2HFj3kLmNoPqRsTuVwXy')).toEqual({ outcome: 'not-pending' });
        expect(await repo.get(missing)).toBeUndefined();
      });

      it('is removed when the build starts', async () => {
        const repo = makeRepository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordWaiting(build, 'myapp/prd:2HFj3kLmNoPqRsTuVwXy');

        await repo.recordStart(build, ARN, T1);

        expect(await repo.get(build)).not.toHaveProperty('waitingFor');
      });

      it.each([
        ['recordCompletion', (repo: BuildRepository, build: BuildKey) => repo.recordCompletion(build, { status: 'FAILED', errorMsg: 'x' }, T1)],
        ['recordStartFailure', (repo: BuildRepository, build: BuildKey) => repo.recordStartFailure(build, 'attempt-1', 'x', T1)],
        ['recordUnstartable', (repo: BuildRepository, build: BuildKey) => repo.recordUnstartable(build, 'x', T1)],
      ] as const)('is removed when the build ends (%s)', async (_name, endBuild) => {
        const repo = makeRepository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.claimStart(build, 'attempt-1');
        await repo.recordWaiting(build, 'myapp/prd:2HFj3kLmNoPqRsTuVwXy');

        await endBuild(repo, build);

        const stored = await repo.get(build);
        expect(stored?.status).toBe('FAILED');
        expect(stored).not.toHaveProperty('waitingFor');
      });
    });

    describe('adoptEnvironmentLock', () => {
      it('takes the free lock for a running build, marked adopted, and a repeat adopts it again', async () => {
        const repo = makeRepository();
        const build = await aStartedBuild(repo);
        const adopted = lockOf(build, { policy: 'supersede', takenAt: new Date('2026-03-01T10:07:30.000Z'), adopted: true });

        expect(await repo.adoptEnvironmentLock(build, 'supersede', T2)).toEqual({ outcome: 'adopted', lock: adopted });
        expect(await repo.getEnvironmentLock(build.repo, build.env)).toEqual(adopted);

        expect(await repo.adoptEnvironmentLock(build, 'supersede', T2)).toEqual({ outcome: 'adopted', lock: adopted });
        expect(await repo.getEnvironmentLock(build.repo, build.env)).toEqual(adopted);
      });

      it('is busy while another build holds the lock, writing nothing', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const holder = await aHolder(repo, environment);
        const running = await aStartedBuild(repo, environment);

        expect(await repo.adoptEnvironmentLock(running, 'queue', T2)).toEqual({ outcome: 'busy', lock: lockOf(holder) });
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toEqual(lockOf(holder));
      });

      it('adopts nothing for a build that is not running (PENDING, ended, missing), before the lock', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const holder = await aHolder(repo, environment);
        const pending = aBuildOf(environment);
        await repo.create(pending, T0);
        const ended = await aSucceededBuild(repo, aUniqueScope());

        expect(await repo.adoptEnvironmentLock(pending, 'queue', T2)).toEqual({ outcome: 'not-running' });
        expect(await repo.adoptEnvironmentLock(ended, 'queue', T2)).toEqual({ outcome: 'not-running' });
        expect(await repo.adoptEnvironmentLock(aBuildKey(), 'queue', T2)).toEqual({ outcome: 'not-running' });
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toEqual(lockOf(holder));
        expect(await repo.getEnvironmentLock(ended.repo, ended.env)).toBeUndefined();
      });
    });

    describe('releaseEnvironmentLock', () => {
      it('releases the lock its holder holds, leaving the holder build as it is', async () => {
        const repo = makeRepository();
        const holder = await aHolder(repo);
        const before = await repo.get(holder);

        expect(await repo.releaseEnvironmentLock(holder.repo, holder.env, holder.sk, { at: T2 })).toEqual({ outcome: 'released' });

        expect(await repo.getEnvironmentLock(holder.repo, holder.env)).toBeUndefined();
        expect(await repo.get(holder)).toEqual(before);
        expect(await repo.releaseEnvironmentLock(holder.repo, holder.env, holder.sk, { at: T2 })).toEqual({ outcome: 'not-held' });
      });

      it('releases nothing for a build that does not hold the lock, and says who does', async () => {
        const repo = makeRepository();
        const environment = aUniqueScope();
        const holder = await aHolder(repo, environment);
        const other = aBuildOf(environment);
        await repo.create(other, T0);

        expect(await repo.releaseEnvironmentLock(environment.repo, environment.env, other.sk, { at: T2, releasedBy: OPERATOR })).toEqual({
          outcome: 'not-held',
          lock: lockOf(holder),
        });
        expect(await repo.releaseEnvironmentLock(environment.repo, environment.env, other.sk, { at: T2 })).toEqual({
          outcome: 'not-held',
          lock: lockOf(holder),
        });
        expect(await repo.getEnvironmentLock(environment.repo, environment.env)).toEqual(lockOf(holder));
        expect(await repo.get(other)).not.toHaveProperty('unlockedBy');
      });

      it('records who released it by hand, and when, on the holder build, leaving its status and update time', async () => {
        const repo = makeRepository();
        const holder = await aHolder(repo);
        const before = (await repo.get(holder)) as Build;

        expect(await repo.releaseEnvironmentLock(holder.repo, holder.env, holder.sk, { at: T2, releasedBy: OPERATOR })).toEqual({ outcome: 'released' });

        expect(await repo.get(holder)).toEqual({ ...before, unlockedBy: OPERATOR, unlockedAt: new Date('2026-03-01T10:07:30.000Z') });
        expect(await repo.getEnvironmentLock(holder.repo, holder.env)).toBeUndefined();
      });

      it('names a holder, a releaser or an instant that is missing', async () => {
        const repo = makeRepository();
        const { repo: name, env } = aUniqueScope();
        await expect(repo.releaseEnvironmentLock(name, env, '', { at: T2 })).rejects.toMatchObject({ field: 'holder' });
        await expect(repo.releaseEnvironmentLock(name, env, aSortKey(), { at: T2, releasedBy: '' })).rejects.toMatchObject({ field: 'releasedBy' });
        await expect(repo.releaseEnvironmentLock(name, env, aSortKey(), { at: new Date(Number.NaN) })).rejects.toMatchObject({ field: 'at' });
      });
    });

    describe('listEnvironmentLocks', () => {
      it('pages through every held lock in {repo}/{env} order, only locks', async () => {
        const repo = makeRepository();
        const holders: NewBuild[] = [];
        for (let index = 0; index < 5; index += 1) holders.push(await aHolder(repo));
        const released = holders.pop()!;
        await repo.releaseEnvironmentLock(released.repo, released.env, released.sk, { at: T2 });
        const ours = new Set(holders.map((holder) => `${holder.repo}/${holder.env}`));

        const listed: EnvironmentLock[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await repo.listEnvironmentLocks({ limit: 2, cursor });
          expect(page.locks.length).toBeLessThanOrEqual(2);
          listed.push(...page.locks);
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor !== undefined && pages < 10_000);

        const keys = listed.map((lock) => `${lock.repo}/${lock.env}`);
        expect(new Set(keys).size).toBe(keys.length);
        expect(listed.filter((lock) => ours.has(`${lock.repo}/${lock.env}`))).toEqual(
          [...holders].sort((a, b) => Buffer.compare(Buffer.from(`${a.repo}/${a.env}`), Buffer.from(`${b.repo}/${b.env}`))).map((holder) => lockOf(holder)),
        );
        expect(keys).not.toContain(`${released.repo}/${released.env}`);
      });

      it('rejects a cursor it did not hand out, and a bad limit', async () => {
        const repo = makeRepository();
        await expect(repo.listEnvironmentLocks({ cursor: 'garbage' })).rejects.toMatchObject({ field: 'cursor' });
        await expect(repo.listEnvironmentLocks({ limit: 0 })).rejects.toMatchObject({ field: 'limit' });
      });
    });

    describe('lock items beside the builds', () => {
      it('never appear among the builds: listBuilds, listBuildsByStatus, latestBuilds', async () => {
        const repo = makeRepository();
        // An hour of 2001 of this test's own: the DynamoDB table is shared.
        const hour = Date.UTC(2001, 0, 1) + Math.floor(Math.random() * 8000) * 3_600_000;
        const at = new Date(hour);
        const environment = aUniqueScope();
        const build = aBuildOf(environment);
        await repo.create(build, at);
        await repo.claimStart(build, 'attempt-1', { environmentLock: { policy: 'queue', at } });
        const running = aBuildOf(aUniqueScope());
        await repo.create(running, at);
        await repo.recordStart(running, ARN, at);
        await repo.adoptEnvironmentLock(running, 'queue', at);

        expect((await repo.listBuilds(environment.repo, environment.env)).builds.map((listed) => listed.sk)).toEqual([build.sk]);
        for (const [status, ours] of [['PENDING', build], ['IN_PROGRESS', running]] as const) {
          const listed: Build[] = [];
          const unreadable: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await repo.listBuildsByStatus(status, { updatedBefore: new Date(hour + 3_600_000), limit: 1000, cursor });
            listed.push(...page.builds);
            unreadable.push(...(page.unreadable ?? []).map((item) => item.id));
            cursor = page.nextCursor;
          } while (cursor !== undefined);
          expect(listed.filter((other) => other.repo === ours.repo).map(idOf)).toEqual([idOf(ours)]);
          expect(listed.filter((other) => other.sk.includes('/') || other.repo === 'lock')).toEqual([]);
          expect(unreadable.filter((id) => id.startsWith('lock'))).toEqual([]);
        }
        expect((await repo.latestBuilds(environment.env)).map(idOf)).toEqual([idOf(build)]);
        expect((await repo.latestBuilds(running.env)).map(idOf)).toEqual([idOf(running)]);
      });
    });
  });
}
