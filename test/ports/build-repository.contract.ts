import { describe, expect, it } from 'vitest';
import {
  BuildAlreadyExistsError,
  BuildNotFoundError,
  MAX_ERROR_MESSAGE_LENGTH,
  ValidationError,
  type BuildRepository,
  type RedrivePendingBuild,
} from '../../src/index.js';
import { aBuildKey, aNewBuild, aSortKey, aUniqueScope } from '../support/mothers/build.mother.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const T1 = new Date('2026-03-01T10:00:05.750Z');
const T2 = new Date('2026-03-01T10:07:30.250Z');
const ARN = 'arn:aws:states:us-east-1:123456789012:execution:deployment:one';
const OTHER_ARN = 'arn:aws:states:us-east-1:123456789012:execution:deployment:two';

/**
 * The behaviour every {@link BuildRepository} must have. Run against each
 * implementation, so the in-memory one can never drift from DynamoDB.
 */
export function describeBuildRepositoryContract(name: string, makeRepository: () => BuildRepository): void {
  describe(`BuildRepository contract: ${name}`, () => {
    const repository = (): BuildRepository => makeRepository();

    describe('create', () => {
      it('records a PENDING build with whole-second timestamps', async () => {
        const repo = repository();
        const build = aNewBuild({ buildNumber: '42', stackName: 'prd-myapp' });
        const created = await repo.create(build, T1);
        const stored = await repo.get(build);
        expect(stored).toEqual(created);
        expect(stored).toEqual({
          ...build,
          status: 'PENDING',
          createdAt: new Date('2026-03-01T10:00:05.000Z'),
          updatedAt: new Date('2026-03-01T10:00:05.000Z'),
        });
      });

      it('refuses a second build with the same key and carries the existing record', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        const error = await repo.create({ ...build, version: '9.9.9' }, T1).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(BuildAlreadyExistsError);
        expect((error as BuildAlreadyExistsError).existing).toMatchObject({ version: '1.2.3', status: 'PENDING' });
        expect((await repo.get(build))?.version).toBe('1.2.3');
      });

      it.each([
        ['repo', { repo: 'my/app' }],
        ['env', { env: 'prd:1' }],
        ['sk', { sk: 'not a ksuid' }],
        ['commitHash', { commitHash: '' }],
      ])('rejects a bad %s with a ValidationError naming it, writing nothing', async (field, override) => {
        const repo = repository();
        const build = aNewBuild(override);
        const error = await repo.create(build, T0).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe(field);
      });
    });

    describe('get', () => {
      it('answers undefined for a build that does not exist', async () => {
        expect(await repository().get(aBuildKey())).toBeUndefined();
      });
    });

    describe('claimStart and recordStartFailure', () => {
      it('claims a PENDING build without changing it, and only a PENDING one', async () => {
        const repo = repository();
        const build = aNewBuild();
        const created = await repo.create(build, T0);
        expect(await repo.claimStart(build, 'attempt-1')).toEqual({ claimed: true, build: created });
        expect(await repo.get(build)).toEqual(created);

        await repo.recordStart(build, ARN, T1);
        expect(await repo.claimStart(build, 'attempt-2')).toEqual({
          claimed: false,
          build: expect.objectContaining({ status: 'IN_PROGRESS', executionArn: ARN }),
        });
        expect(await repo.claimStart(aBuildKey(), 'attempt-3')).toEqual({ claimed: false, build: undefined });
      });

      it('records a failed start for the attempt holding the claim', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.claimStart(build, 'attempt-1');
        expect(await repo.recordStartFailure(build, 'attempt-1', 'StateMachineDoesNotExist', T2)).toEqual({ outcome: 'failed' });
        expect(await repo.get(build)).toMatchObject({
          status: 'FAILED',
          errorMsg: 'StateMachineDoesNotExist',
          finishedAt: new Date('2026-03-01T10:07:30.000Z'),
        });
        expect((await repo.latestBuilds(build.env)).map((latest) => latest.status)).toEqual(['FAILED']);
      });

      it('lets a later claim supersede an attempt that failed', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.claimStart(build, 'attempt-1');
        await repo.claimStart(build, 'attempt-2');
        expect(await repo.recordStartFailure(build, 'attempt-1', 'boom', T2)).toEqual({ outcome: 'superseded' });
        expect((await repo.get(build))?.status).toBe('PENDING');
        expect(await repo.recordStartFailure(build, 'never-claimed', 'boom', T2)).toEqual({ outcome: 'superseded' });
      });

      it('never marks FAILED a build whose start another attempt recorded', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.claimStart(build, 'attempt-1');
        await repo.recordStart(build, ARN, T1);
        expect(await repo.recordStartFailure(build, 'attempt-1', 'boom', T2)).toEqual({ outcome: 'superseded' });
        expect(await repo.get(build)).toMatchObject({ status: 'IN_PROGRESS', executionArn: ARN });
      });

      it('throws BuildNotFoundError for a failed start of a build that does not exist', async () => {
        await expect(repository().recordStartFailure(aBuildKey(), 'attempt-1', 'boom', T1)).rejects.toBeInstanceOf(BuildNotFoundError);
      });

      it('names an empty attempt', async () => {
        await expect(repository().claimStart(aBuildKey(), '')).rejects.toMatchObject({ field: 'attempt' });
      });
    });

    describe('newestSuccessAfter and a superseded start', () => {
      it('finds the newest SUCCESS of the same repo and env newer than the build, and nothing else', async () => {
        const repo = repository();
        const scope = aUniqueScope();
        const [oldest, stale, newerFailed, newerSuccess, newestSuccess, newestPending] = ['1', '2', '3', '4', '5', '6'].map((n) =>
          aNewBuild({ ...scope, sk: `2HFj3kLmNoPqRsTuVwX${n}` }),
        );
        const otherEnv = aNewBuild({ repo: scope.repo, env: `${scope.env}-other`, sk: '2HFj3kLmNoPqRsTuVwX9' });
        for (const build of [oldest, stale, newerFailed, newerSuccess, newestSuccess, newestPending, otherEnv]) await repo.create(build!, T0);
        for (const build of [oldest, newerSuccess, newestSuccess, otherEnv]) await repo.recordCompletion(build!, { status: 'SUCCESS' }, T1);
        await repo.recordCompletion(newerFailed!, { status: 'FAILED', errorMsg: 'stack rolled back' }, T1);

        expect((await repo.newestSuccessAfter(stale!))?.sk).toBe(newestSuccess!.sk);
        expect(await repo.newestSuccessAfter(newestSuccess!)).toBeUndefined();
        expect(await repo.newestSuccessAfter(newestPending!)).toBeUndefined();
        expect(await repo.newestSuccessAfter(otherEnv)).toBeUndefined();
      });

      it('records the newer build a stale one was not deployed over, with the failure', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.claimStart(build, 'attempt-1');
        const newer = 'myapp/prd:2HFj3kLmNoPqRsTuVwXz';

        expect(await repo.recordStartFailure(build, 'attempt-1', 'a newer build deployed', T1, { supersededBy: newer })).toEqual({ outcome: 'failed' });
        expect(await repo.get(build)).toMatchObject({ status: 'FAILED', errorMsg: 'a newer build deployed', supersededBy: newer });
      });
    });

    describe('recordStart', () => {
      it('moves PENDING to IN_PROGRESS with the ARN', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        expect(await repo.recordStart(build, ARN, T1)).toEqual({ outcome: 'started', status: 'IN_PROGRESS', executionArn: ARN });
        expect(await repo.get(build)).toMatchObject({
          status: 'IN_PROGRESS',
          executionArn: ARN,
          createdAt: new Date('2026-03-01T10:00:00.000Z'),
          updatedAt: new Date('2026-03-01T10:00:05.000Z'),
        });
      });

      it('is a no-op success when the build already records the same ARN', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordStart(build, ARN, T1);
        expect(await repo.recordStart(build, ARN, T2)).toEqual({
          outcome: 'already-started',
          status: 'IN_PROGRESS',
          executionArn: ARN,
        });
        expect((await repo.get(build))?.updatedAt).toEqual(new Date('2026-03-01T10:00:05.000Z'));
      });

      it('refuses another execution for a build already IN_PROGRESS', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordStart(build, ARN, T1);
        expect(await repo.recordStart(build, OTHER_ARN, T2)).toEqual({
          outcome: 'refused',
          status: 'IN_PROGRESS',
          build: expect.objectContaining({ status: 'IN_PROGRESS', executionArn: ARN }),
          reason: `it already records execution ${ARN}`,
        });
        expect((await repo.get(build))?.executionArn).toBe(ARN);
      });

      it('never moves a finished build back to IN_PROGRESS', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordStart(build, ARN, T1);
        await repo.recordCompletion(build, { status: 'SUCCESS' }, T2);
        expect(await repo.recordStart(build, ARN, T2)).toEqual({ outcome: 'already-started', status: 'SUCCESS', executionArn: ARN });
        expect(await repo.get(build)).toMatchObject({ status: 'SUCCESS', executionArn: ARN });
      });

      it('only attaches the ARN to a build that finished before its start was recorded', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordCompletion(build, { status: 'FAILED', errorMsg: 'stack rolled back' }, T1);
        expect(await repo.recordStart(build, ARN, T2)).toEqual({ outcome: 'arn-attached', status: 'FAILED', executionArn: ARN });
        expect(await repo.get(build)).toMatchObject({ status: 'FAILED', executionArn: ARN, errorMsg: 'stack rolled back' });
        expect(await repo.recordStart(build, ARN, T2)).toEqual({ outcome: 'already-started', status: 'FAILED', executionArn: ARN });
        expect(await repo.recordStart(build, OTHER_ARN, T2)).toMatchObject({ outcome: 'refused', status: 'FAILED' });
      });

      it('throws BuildNotFoundError for a build that does not exist, creating nothing', async () => {
        const repo = repository();
        const key = aBuildKey();
        await expect(repo.recordStart(key, ARN, T1)).rejects.toBeInstanceOf(BuildNotFoundError);
        expect(await repo.get(key)).toBeUndefined();
      });

      it('lets exactly one of many concurrent identical starts make the transition', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        const records = await Promise.all(Array.from({ length: 25 }, () => repo.recordStart(build, ARN, T1)));
        expect(records.filter((record) => record.outcome === 'started')).toHaveLength(1);
        expect(records.every((record) => record.outcome !== 'refused' && record.executionArn === ARN && record.status === 'IN_PROGRESS')).toBe(true);
      });
    });

    describe('recordCompletion', () => {
      it('writes the ending execution\'s ARN with the status on a build that records none, in one write', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        expect(await repo.recordCompletion(build, { status: 'SUCCESS', executionArn: ARN }, T1)).toEqual({ outcome: 'completed', status: 'SUCCESS' });
        expect(await repo.get(build)).toMatchObject({ status: 'SUCCESS', executionArn: ARN });
      });

      it('keeps the ARN a build already records', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordStart(build, ARN, T1);
        await repo.recordCompletion(build, { status: 'FAILED', errorMsg: 'x', executionArn: OTHER_ARN }, T2);
        expect(await repo.get(build)).toMatchObject({ status: 'FAILED', executionArn: ARN });
      });

      it.each(['SUCCESS', 'FAILED'] as const)('moves IN_PROGRESS to %s with finishedAt', async (status) => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordStart(build, ARN, T1);
        const completion = status === 'FAILED' ? { status, errorMsg: 'stack rolled back' } : { status };
        expect(await repo.recordCompletion(build, completion, T2)).toEqual({ outcome: 'completed', status });
        const stored = await repo.get(build);
        expect(stored).toMatchObject({
          status,
          executionArn: ARN,
          updatedAt: new Date('2026-03-01T10:07:30.000Z'),
          finishedAt: new Date('2026-03-01T10:07:30.000Z'),
        });
        expect(stored?.errorMsg).toBe(status === 'FAILED' ? 'stack rolled back' : undefined);
      });

      it('records PENDING -> FAILED, with a reason even when none was given', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordCompletion(build, { status: 'FAILED' }, T1);
        expect(await repo.get(build)).toMatchObject({ status: 'FAILED', errorMsg: 'no reason was reported' });
      });

      it('bounds the error message', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordCompletion(build, { status: 'FAILED', errorMsg: 'x'.repeat(100_000) }, T1);
        expect((await repo.get(build))?.errorMsg).toHaveLength(MAX_ERROR_MESSAGE_LENGTH);
      });

      it('is a no-op success when repeated, and refuses the other terminal status', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordStart(build, ARN, T1);
        await repo.recordCompletion(build, { status: 'SUCCESS' }, T1);
        expect(await repo.recordCompletion(build, { status: 'SUCCESS' }, T2)).toEqual({ outcome: 'already-completed', status: 'SUCCESS' });
        expect(await repo.recordCompletion(build, { status: 'FAILED', errorMsg: 'late' }, T2)).toEqual({
          outcome: 'refused',
          status: 'SUCCESS',
          build: expect.objectContaining({ status: 'SUCCESS' }),
          reason: 'it is already SUCCESS',
        });
        expect(await repo.get(build)).toMatchObject({ status: 'SUCCESS', finishedAt: new Date('2026-03-01T10:00:05.000Z') });
      });

      it('rejects a status that is not terminal, naming the field', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        const error = await repo
          .recordCompletion(build, { status: 'IN_PROGRESS' } as never, T1)
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe('status');
        expect((await repo.get(build))?.status).toBe('PENDING');
      });

      it('throws BuildNotFoundError for a build that does not exist', async () => {
        await expect(repository().recordCompletion(aBuildKey(), { status: 'SUCCESS' }, T1)).rejects.toBeInstanceOf(
          BuildNotFoundError,
        );
      });

      it('lets one of many racing completions win and keeps it', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordStart(build, ARN, T1);
        const records = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            repo.recordCompletion(build, i % 2 === 0 ? { status: 'SUCCESS' } : { status: 'FAILED', errorMsg: 'x' }, T2),
          ),
        );
        const completed = records.filter((record) => record.outcome === 'completed');
        expect(completed).toHaveLength(1);
        const winner = completed[0]!.status;
        for (const record of records) {
          expect(record.outcome === 'refused' ? record.build.status : record.status).toBe(winner);
        }
        expect((await repo.get(build))?.status).toBe(winner);
      });
    });

    describe('recordExecutionEnd', () => {
      it('records the end of the execution the build records, with the latest pointer', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordStart(build, ARN, T1);

        expect(await repo.recordExecutionEnd(build, ARN, { status: 'FAILED', errorMsg: 'execution TIMED_OUT' }, T2)).toEqual({
          outcome: 'completed',
          status: 'FAILED',
        });
        expect(await repo.get(build)).toMatchObject({
          status: 'FAILED',
          errorMsg: 'execution TIMED_OUT',
          executionArn: ARN,
          updatedAt: new Date('2026-03-01T10:07:30.000Z'),
          finishedAt: new Date('2026-03-01T10:07:30.000Z'),
        });
        expect((await repo.latestBuilds(build.env)).map((latest) => latest.status)).toEqual(['FAILED']);
      });

      it('refuses, writing nothing, an execution the build does not record, and a build that records none', async () => {
        const repo = repository();
        const [started, pending] = [aNewBuild(), aNewBuild()];
        await repo.create(started, T0);
        await repo.recordStart(started, ARN, T1);
        await repo.create(pending, T0);

        expect(await repo.recordExecutionEnd(started, OTHER_ARN, { status: 'SUCCESS' }, T2)).toEqual({
          outcome: 'refused',
          status: 'IN_PROGRESS',
          build: expect.objectContaining({ status: 'IN_PROGRESS', executionArn: ARN }),
          reason: `it records execution ${ARN}`,
        });
        expect(await repo.recordExecutionEnd(pending, ARN, { status: 'SUCCESS' }, T2)).toMatchObject({
          outcome: 'refused',
          status: 'PENDING',
          reason: 'it records no execution',
        });
        expect(await repo.get(started)).toMatchObject({ status: 'IN_PROGRESS', executionArn: ARN });
        expect(await repo.get(pending)).not.toHaveProperty('executionArn');
      });

      it('is a no-op success when repeated, and refuses the other terminal status', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordStart(build, ARN, T1);
        await repo.recordExecutionEnd(build, ARN, { status: 'SUCCESS' }, T1);

        expect(await repo.recordExecutionEnd(build, ARN, { status: 'SUCCESS' }, T2)).toEqual({ outcome: 'already-completed', status: 'SUCCESS' });
        expect(await repo.recordExecutionEnd(build, ARN, { status: 'FAILED', errorMsg: 'late' }, T2)).toMatchObject({
          outcome: 'refused',
          status: 'SUCCESS',
          reason: 'it is already SUCCESS',
        });
        expect(await repo.get(build)).toMatchObject({ status: 'SUCCESS', finishedAt: new Date('2026-03-01T10:00:05.000Z') });
      });

      it('moves FAILED to SUCCESS only for a redriven success, which removes the redrive mark', async () => {
        const repo = repository();
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordStart(build, ARN, T0);
        await repo.recordCompletion(build, { status: 'FAILED', errorMsg: 'stack rolled back' }, T1);
        await repo.markRedrivePending(build, ARN, T1);

        expect(await repo.recordExecutionEnd(build, ARN, { status: 'SUCCESS' }, T2)).toMatchObject({ outcome: 'refused', status: 'FAILED' });
        expect(await repo.recordExecutionEnd(build, ARN, { status: 'SUCCESS', redriven: true }, T2)).toEqual({ outcome: 'completed', status: 'SUCCESS' });

        const stored = await repo.get(build);
        expect(stored).toMatchObject({ status: 'SUCCESS', executionArn: ARN, finishedAt: new Date('2026-03-01T10:07:30.000Z') });
        expect(stored?.errorMsg).toBeUndefined();
        expect(idsOf(await allRedrivePending(repo, T0))).not.toContain(idOf(build));
      });

      it('throws BuildNotFoundError for a build that does not exist', async () => {
        await expect(repository().recordExecutionEnd(aBuildKey(), ARN, { status: 'SUCCESS' }, T1)).rejects.toBeInstanceOf(BuildNotFoundError);
      });
    });

    describe('markRedrivePending, listRedrivePending and clearRedrivePending', () => {
      const aFailedBuild = async (repo: BuildRepository, failedAt: Date = T1) => {
        const build = aNewBuild();
        await repo.create(build, T0);
        await repo.recordStart(build, ARN, T0);
        await repo.recordCompletion(build, { status: 'FAILED', errorMsg: 'stack rolled back' }, failedAt);
        return build;
      };

      it('marks a FAILED build that records the execution, moving its update time to the mark', async () => {
        const repo = repository();
        const build = await aFailedBuild(repo);

        expect(await repo.markRedrivePending(build, ARN, T2)).toEqual({ outcome: 'marked' });

        const stored = await repo.get(build);
        expect(stored).toMatchObject({
          status: 'FAILED',
          errorMsg: 'stack rolled back',
          updatedAt: new Date('2026-03-01T10:07:30.000Z'),
          finishedAt: new Date('2026-03-01T10:00:05.000Z'),
        });
        const marked = (await allRedrivePending(repo, T0)).filter((entry) => idOf(entry.build) === idOf(build));
        expect(marked).toEqual([{ build: stored, since: new Date('2026-03-01T10:07:30.000Z') }]);
      });

      it('marks nothing, writing nothing, on a build that is not FAILED or records another execution', async () => {
        const repo = repository();
        const running = aNewBuild();
        await repo.create(running, T0);
        await repo.recordStart(running, ARN, T0);
        const failed = await aFailedBuild(repo);
        const before = await repo.get(failed);

        expect(await repo.markRedrivePending(running, ARN, T2)).toEqual({ outcome: 'not-marked', status: 'IN_PROGRESS', reason: 'it is IN_PROGRESS' });
        expect(await repo.markRedrivePending(failed, OTHER_ARN, T2)).toEqual({
          outcome: 'not-marked',
          status: 'FAILED',
          reason: `it records execution ${ARN}`,
        });
        expect(await repo.get(failed)).toEqual(before);
        expect(idsOf(await allRedrivePending(repo, T0))).not.toContain(idOf(failed));
        await expect(repo.markRedrivePending(aBuildKey(), ARN, T2)).rejects.toBeInstanceOf(BuildNotFoundError);
      });

      it('lists the marked FAILED builds updated within the window, oldest update first, page by page', async () => {
        const repo = repository();
        // An hour of 2001 of this test's own: the DynamoDB table is shared.
        const hour = Date.UTC(2001, 0, 1) + Math.floor(Math.random() * 8000) * 3_600_000;
        const at = (seconds: number) => new Date(hour + seconds * 1000);
        const [early, first, unmarked, second, third] = [
          await aFailedBuild(repo, at(1)),
          await aFailedBuild(repo, at(2)),
          await aFailedBuild(repo, at(3)),
          await aFailedBuild(repo, at(4)),
          await aFailedBuild(repo, at(5)),
        ];
        await repo.markRedrivePending(early, ARN, at(5));
        await repo.markRedrivePending(third, ARN, at(40));
        await repo.markRedrivePending(first, ARN, at(20));
        await repo.markRedrivePending(second, ARN, at(30));
        const ours = new Set([early, first, unmarked, second, third].map(idOf));

        const listed = (await allRedrivePending(repo, at(10), 1)).filter((entry) => ours.has(idOf(entry.build)));

        expect(listed.map((entry) => [idOf(entry.build), entry.since])).toEqual([
          [idOf(first), at(20)],
          [idOf(second), at(30)],
          [idOf(third), at(40)],
        ]);
      });

      it('clears only the mark it is given: a build marked again since keeps its new mark', async () => {
        const repo = repository();
        const build = await aFailedBuild(repo);
        await repo.markRedrivePending(build, ARN, T1);
        await repo.markRedrivePending(build, ARN, T2);
        const marksOf = async () => (await allRedrivePending(repo, T0)).filter((entry) => idOf(entry.build) === idOf(build)).map((entry) => entry.since);

        expect(await repo.clearRedrivePending(build, T1)).toEqual({ outcome: 'kept' });
        expect(await marksOf()).toEqual([new Date('2026-03-01T10:07:30.000Z')]);
        expect(await repo.clearRedrivePending(build, T2)).toEqual({ outcome: 'cleared' });
        expect(await marksOf()).toEqual([]);
        expect(await repo.clearRedrivePending(build, T2)).toEqual({ outcome: 'kept' });
        expect(await repo.clearRedrivePending(aBuildKey(), T2)).toEqual({ outcome: 'kept' });
        expect(await repo.get(build)).toMatchObject({ status: 'FAILED', updatedAt: new Date('2026-03-01T10:07:30.000Z') });
      });

      it('refuses a window that is not a date and a cursor it did not hand out, naming them', async () => {
        const repo = repository();
        await expect(repo.listRedrivePending({ updatedSince: new Date(Number.NaN) })).rejects.toMatchObject({ field: 'updatedSince' });
        await expect(repo.listRedrivePending({ updatedSince: T0, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({ field: 'cursor' });
      });
    });

    describe('listBuilds', () => {
      it('pages through a repo/env newest first, and only that repo/env', async () => {
        const repo = repository();
        const scope = aUniqueScope();
        const sks = Array.from({ length: 5 }, () => aSortKey());
        for (const sk of sks) await repo.create(aNewBuild({ ...scope, sk }), T0);
        await repo.create(aNewBuild({ repo: scope.repo }), T0);
        await repo.create(aNewBuild({ env: scope.env }), T0);

        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await repo.listBuilds(scope.repo, scope.env, { limit: 2, ...(cursor ? { cursor } : {}) });
          seen.push(...page.builds.map((build) => build.sk));
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor !== undefined && pages < 10);

        expect(seen).toEqual([...sks].reverse());
      });

      it('rejects a cursor it did not make, and a bad limit', async () => {
        const repo = repository();
        const { repo: name, env } = aUniqueScope();
        await expect(repo.listBuilds(name, env, { cursor: 'garbage' })).rejects.toMatchObject({ field: 'cursor' });
        await expect(repo.listBuilds(name, env, { limit: 0 })).rejects.toMatchObject({ field: 'limit' });
      });
    });

    describe('listBuildsByStatus', () => {
      // Each test works in an hour of 2001 of its own: listing everything updated
      // before it finds only what it wrote there (the DynamoDB table is shared).
      const anHourOf2001 = () => Date.UTC(2001, 0, 1) + Math.floor(Math.random() * 8000) * 3_600_000;
      const at = (hour: number, seconds: number) => new Date(hour + seconds * 1000);
      const allUpTo = async (repo: BuildRepository, status: 'PENDING' | 'IN_PROGRESS', before: Date, limit = 25) => {
        const builds: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await repo.listBuildsByStatus(status, { updatedBefore: before, limit, cursor });
          expect(page.unreadable).toBeUndefined();
          builds.push(...page.builds.map((build) => `${build.repo}/${build.env}:${build.sk}`));
          cursor = page.nextCursor;
        } while (cursor !== undefined);
        return builds;
      };

      it('lists the builds of one status, oldest update first, up to a time, across repos and environments', async () => {
        const repo = repository();
        const hour = anHourOf2001();
        const [first, started, second, late] = [aNewBuild(), aNewBuild(), aNewBuild(), aNewBuild()];
        await repo.create(first, at(hour, 1));
        await repo.create(started, at(hour, 2));
        await repo.create(second, at(hour, 3));
        await repo.create(late, at(hour, 60));
        await repo.recordStart(started, ARN, at(hour, 4));
        const id = (build: { repo: string; env: string; sk: string }) => `${build.repo}/${build.env}:${build.sk}`;
        const ours = new Set([first, started, second, late].map(id));

        const pending = (await allUpTo(repo, 'PENDING', at(hour, 30))).filter((build) => ours.has(build));
        const inProgress = (await allUpTo(repo, 'IN_PROGRESS', at(hour, 30))).filter((build) => ours.has(build));

        expect(pending).toEqual([id(first), id(second)]);
        expect(inProgress).toEqual([id(started)]);
      });

      it('pages with a cursor, every build once, none left out', async () => {
        const repo = repository();
        const hour = anHourOf2001();
        const builds = Array.from({ length: 7 }, () => aNewBuild());
        for (const [index, build] of builds.entries()) await repo.create(build, at(hour, index + 1));
        const ours = new Set(builds.map((build) => `${build.repo}/${build.env}:${build.sk}`));

        const listed = (await allUpTo(repo, 'PENDING', at(hour, 30), 2)).filter((build) => ours.has(build));

        expect(listed).toEqual(builds.map((build) => `${build.repo}/${build.env}:${build.sk}`));
      });

      it('refuses a cursor it did not hand out, naming it', async () => {
        await expect(repository().listBuildsByStatus('PENDING', { cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({
          field: 'cursor',
        });
      });
    });

    describe('latestBuilds', () => {
      it('points at the newest build of each repo, whatever order they change in', async () => {
        const repo = repository();
        const { env } = aUniqueScope();
        const older = aNewBuild({ repo: 'b-service', env, sk: aSortKey() });
        const newer = aNewBuild({ repo: 'b-service', env, sk: aSortKey() });
        const other = aNewBuild({ repo: 'b-service-api', env, sk: aSortKey() });
        await repo.create(newer, T0);
        await repo.create(older, T0);
        await repo.create(other, T0);
        await repo.recordStart(newer, ARN, T1);
        await repo.recordStart(older, OTHER_ARN, T1);
        await repo.recordCompletion(older, { status: 'SUCCESS' }, T2);

        const latest = await repo.latestBuilds(env);
        // Ordered as DynamoDB orders the pointers' sort keys: 'b-service-api/...' < 'b-service/...'.
        expect(latest.map((build) => [build.repo, build.sk, build.status])).toEqual([
          ['b-service-api', other.sk, 'PENDING'],
          ['b-service', newer.sk, 'IN_PROGRESS'],
        ]);
        expect((await repo.get(older))?.status).toBe('SUCCESS');
      });

      it('is empty for an environment without builds', async () => {
        expect(await repository().latestBuilds(aUniqueScope().env)).toEqual([]);
      });
    });
  });
}

const idOf = (key: { repo: string; env: string; sk: string }): string => `${key.repo}/${key.env}:${key.sk}`;
const idsOf = (entries: readonly RedrivePendingBuild[]): string[] => entries.map((entry) => idOf(entry.build));

/** Every marked FAILED build updated since `updatedSince`, page by page. */
async function allRedrivePending(repo: BuildRepository, updatedSince: Date, limit = 25): Promise<RedrivePendingBuild[]> {
  const entries: RedrivePendingBuild[] = [];
  let cursor: string | undefined;
  do {
    const page = await repo.listRedrivePending({ updatedSince, limit, cursor });
    entries.push(...page.builds);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return entries;
}
