import { describe, expect, it } from 'vitest';
import { RecordCompletionService, ValidationError } from '../../src/index.js';
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
