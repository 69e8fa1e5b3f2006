import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError, buildIdOf, parseBuildId, parseBuildKey, parseRecordedBuildKey, partitionKeyOf } from '../../src/index.js';
import { identityPart, repoName, sortKey } from '../support/arbitraries.js';

describe('parseBuildKey', () => {
  it.each([
    ['repo', { repo: '', env: 'prd', sk: 'a1' }, 'must not be empty'],
    ['repo', { repo: 'my/app', env: 'prd', sk: 'a1' }, '"/"'],
    ['env', { repo: 'app', env: 'prd:eu', sk: 'a1' }, '":"'],
    ['env', { repo: 'app', env: 'pr d', sk: 'a1' }, 'whitespace'],
    ['repo', { repo: 'app\u0007', env: 'prd', sk: 'a1' }, 'control'],
    ['repo', { repo: 'app\u00a0x', env: 'prd', sk: 'a1' }, 'whitespace'],
    ['repo', { repo: 'latest', env: 'prd', sk: 'a1' }, 'reserved'],
    ['sk', { repo: 'app', env: 'prd', sk: '' }, 'KSUID'],
    ['sk', { repo: 'app', env: 'prd', sk: '2HFj-3kLm' }, 'KSUID'],
    ['sk', { repo: 'app', env: 'prd' }, 'string'],
    ['env', { repo: 'app', env: 5, sk: 'a1' }, 'string'],
  ])('rejects a bad %s with a ValidationError naming it', (field, key, reason) => {
    const error = (() => {
      try {
        parseBuildKey(key);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field });
    expect((error as ValidationError).message).toContain(reason);
  });

  it('names the whole value when it is not an object', () => {
    expect(() => parseBuildKey('myapp/prd:1')).toThrow(expect.objectContaining({ field: 'value' }));
  });

  it('accepts what the Go implementation writes', () => {
    expect(parseBuildKey({ repo: 'myapp', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy' })).toEqual({
      repo: 'myapp',
      env: 'prd',
      sk: '2HFj3kLmNoPqRsTuVwXy',
    });
  });
});

describe('build ids', () => {
  it('are "{repo}/{env}:{sk}" with pk "{repo}/{env}"', () => {
    const key = { repo: 'myapp', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy' };
    expect(partitionKeyOf(key)).toBe('myapp/prd');
    expect(buildIdOf(key)).toBe('myapp/prd:2HFj3kLmNoPqRsTuVwXy');
  });

  it('read back into the same key for every valid key', () => {
    fc.assert(
      fc.property(repoName, identityPart, sortKey, (repo, env, sk) => {
        expect(parseBuildId(buildIdOf({ repo, env, sk }))).toEqual({ repo, env, sk });
      }),
    );
  });

  it('reject a string without the separators, naming the id', () => {
    expect(() => parseBuildId('myapp-prd-1')).toThrow(expect.objectContaining({ field: 'id' }));
  });
});

describe('parseRecordedBuildKey: the key of a build another writer recorded', () => {
  it('accepts what a new build may not have, so such a build can be read and finished', () => {
    for (const key of [
      { repo: 'my app', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy' },
      { repo: 'app', env: 'prd', sk: '0b6f2c1e-5d8a-4c1e-9f3a-2b7d9e4c6a10' },
      { repo: 'app', env: 'eu/prd', sk: 'a:b' },
      // In the pointers' partition, but a KSUID is no pointer's sort key: a build to record FAILED.
      { repo: 'latest', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy' },
    ]) {
      expect(parseRecordedBuildKey(key)).toEqual(key);
      expect(parseBuildId(buildIdOf(key))).toEqual(key);
    }
  });

  it.each([
    ['repo', { repo: 'my/app', env: 'prd', sk: 'a1' }, '"/"'],
    ['env', { repo: 'app', env: 'prd:eu', sk: 'a1' }, '":"'],
    ['repo', { repo: 'latest', env: 'prd', sk: 'web/prd' }, "latest-build pointer's key"],
    ['sk', { repo: 'app', env: 'prd', sk: '' }, 'must not be empty'],
  ])('still refuses a %s that cannot address one build', (field, key, reason) => {
    expect(() => parseRecordedBuildKey(key)).toThrow(expect.objectContaining({ field, message: expect.stringContaining(reason) }));
  });
});
