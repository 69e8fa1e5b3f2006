import { describe, expect, it } from 'vitest';
import { BuildRecordTooLargeError, RecordCompletionService, ValidationError, executionName } from '../../src/index.js';
import { InMemoryBuildRepository } from '../../src/testing.js';
import { aNewBuild } from '../support/mothers/build.mother.js';
import { anInMemoryContainer } from '../support/in-memory-container.js';

describe('RecordCompletionService', () => {
  it('records a completion once and is idempotent', async () => {
    const world = anInMemoryContainer();
    const build = aNewBuild();
    await world.buildRepository.create(build);
    await world.buildRepository.recordStart(build, 'arn:x', new Date());
    const completions = world.container.get(RecordCompletionService);

    expect(await completions.record(build, { status: 'FAILED', errorMsg: 'stack rolled back' })).toEqual({ outcome: 'completed', status: 'FAILED' });
    expect(await completions.record(build, { status: 'FAILED', errorMsg: 'again' })).toEqual({ outcome: 'already-completed', status: 'FAILED' });
    expect(await world.buildRepository.get(build)).toMatchObject({ status: 'FAILED', errorMsg: 'stack rolled back' });
  });

  it('refuses, without throwing, a completion that contradicts the recorded one', async () => {
    const world = anInMemoryContainer();
    const build = aNewBuild();
    await world.buildRepository.create(build);
    const completions = world.container.get(RecordCompletionService);
    await completions.record(build, { status: 'SUCCESS' });

    expect(await completions.record(build, { status: 'FAILED', errorMsg: 'late' })).toMatchObject({ outcome: 'refused', status: 'SUCCESS' });
    expect((await world.buildRepository.get(build))?.status).toBe('SUCCESS');
  });

  describe('a SUCCESS refused because the build is FAILED (its execution may have been redriven)', () => {
    const WINDOW_START = new Date('2026-01-01T00:00:00Z');
    const markedIds = async (world: ReturnType<typeof anInMemoryContainer>) =>
      (await world.buildRepository.listRedrivePending({ updatedSince: WINDOW_START })).builds.map((entry) => `${entry.build.sk}@${entry.since.toISOString()}`);

    async function aFailedBuild(world: ReturnType<typeof anInMemoryContainer>) {
      const build = aNewBuild();
      await world.buildRepository.create(build, world.clock.now());
      await world.buildRepository.recordStart(build, 'arn:own', world.clock.now());
      await world.buildRepository.recordCompletion(build, { status: 'FAILED', errorMsg: 'stack rolled back' }, world.clock.now());
      world.clock.advance(60_000);
      return build;
    }

    it('marks the build for the sweeper to ask Step Functions, and stays refused and FAILED', async () => {
      const world = anInMemoryContainer();
      const build = await aFailedBuild(world);

      const result = await world.container.get(RecordCompletionService).record(build, { status: 'SUCCESS' }, 'arn:own');

      expect(result).toMatchObject({ outcome: 'refused', status: 'FAILED' });
      expect(await world.buildRepository.get(build)).toMatchObject({ status: 'FAILED', errorMsg: 'stack rolled back', updatedAt: world.clock.now() });
      expect(await markedIds(world)).toEqual([`${build.sk}@${world.clock.now().toISOString()}`]);
    });

    it("marks it for the execution it records when the payload names none (the Go workflow's)", async () => {
      const world = anInMemoryContainer();
      const build = await aFailedBuild(world);

      await world.container.get(RecordCompletionService).record(build, { status: 'SUCCESS' });

      expect(await markedIds(world)).toHaveLength(1);
    });

    it('answers refused, and logs, when the record has no room left for the mark', async () => {
      const buildRepository = new InMemoryBuildRepository();
      buildRepository.markRedrivePending = async (key) => {
        throw new BuildRecordTooLargeError(key);
      };
      const world = { ...anInMemoryContainer({ buildRepository }), buildRepository };
      const build = await aFailedBuild(world);

      await expect(world.container.get(RecordCompletionService).record(build, { status: 'SUCCESS' }, 'arn:own')).resolves.toMatchObject({
        outcome: 'refused',
        status: 'FAILED',
      });
      expect(world.logger.entries).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringMatching(/no room for the mark/) }));
    });

    it('marks nothing for a FAILED refused by a SUCCESS build, nor for a build that records another execution', async () => {
      const world = anInMemoryContainer();
      const succeeded = aNewBuild();
      await world.buildRepository.create(succeeded, world.clock.now());
      await world.buildRepository.recordCompletion(succeeded, { status: 'SUCCESS' }, world.clock.now());
      const failed = await aFailedBuild(world);
      const completions = world.container.get(RecordCompletionService);

      await completions.record(succeeded, { status: 'FAILED', errorMsg: 'late' });
      // Its derived name makes the execution the build's own for the callback; the mark asks for the recorded ARN.
      await completions.record(failed, { status: 'SUCCESS' }, world.executionStarter.executionArnOf(executionName(failed)));

      expect(await markedIds(world)).toEqual([]);
      expect(world.logger.entries).toContainEqual(
        expect.objectContaining({ message: 'FAILED build not marked for a redrive', attributes: expect.objectContaining({ reason: 'it records execution arn:own' }) }),
      );
    });
  });

  it('rejects a bad key with a ValidationError naming the field', async () => {
    const world = anInMemoryContainer();
    const error = await world.container
      .get(RecordCompletionService)
      .record({ repo: 'a/b', env: 'prd', sk: 'x1' }, { status: 'SUCCESS' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'repo' });
  });
});
