import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EXECUTION_NAME_LENGTH, executionName, isValidExecutionName } from '../../src/index.js';
import { buildKey, identityPart, sortKey } from '../support/arbitraries.js';

const RUNS = { numRuns: 2000 };

describe('executionName', () => {
  it('is {repo}-{env}-{sk} exactly when that is a valid name (the Go names)', () => {
    expect(executionName({ repo: 'myapp', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy' })).toBe('myapp-prd-2HFj3kLmNoPqRsTuVwXy');
    fc.assert(
      fc.property(buildKey, (key) => {
        const plain = `${key.repo}-${key.env}-${key.sk}`;
        if (isValidExecutionName(plain)) expect(executionName(key)).toBe(plain);
        else expect(executionName(key)).not.toBe(plain);
      }),
      RUNS,
    );
  });

  it('is always a valid Step Functions name that keeps sk whole at its end', () => {
    fc.assert(
      fc.property(buildKey, (key) => {
        const name = executionName(key);
        expect(isValidExecutionName(name)).toBe(true);
        expect(name.endsWith(`-${key.sk}`) || name === key.sk).toBe(true);
      }),
      RUNS,
    );
  });

  it('is stable', () => {
    fc.assert(
      fc.property(buildKey, (key) => {
        expect(executionName({ ...key })).toBe(executionName(key));
      }),
      RUNS,
    );
  });

  it('differs for builds with different sort keys', () => {
    fc.assert(
      fc.property(buildKey, buildKey, (a, b) => {
        fc.pre(a.sk !== b.sk);
        expect(executionName(a)).not.toBe(executionName(b));
      }),
      RUNS,
    );
  });

  it('differs for different repo/env pairs sharing a sort key, unless both plain names coincide', () => {
    fc.assert(
      fc.property(identityPart, identityPart, identityPart, identityPart, sortKey, (repoA, envA, repoB, envB, sk) => {
        fc.pre(repoA !== repoB || envA !== envB);
        const a = { repo: repoA, env: envA, sk };
        const b = { repo: repoB, env: envB, sk };
        const bothPlainAndEqual =
          executionName(a) === `${repoA}-${envA}-${sk}` && `${repoA}-${envA}` === `${repoB}-${envB}`;
        if (!bothPlainAndEqual) expect(executionName(a)).not.toBe(executionName(b));
      }),
      RUNS,
    );
  });

  it('keeps two long repo names apart even when they only differ past the cut', () => {
    const sk = '2HFj3kLmNoPqRsTuVwXy3kLmNoP';
    const a = executionName({ repo: `${'r'.repeat(199)}a`, env: 'prd', sk });
    const b = executionName({ repo: `${'r'.repeat(199)}b`, env: 'prd', sk });
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(MAX_EXECUTION_NAME_LENGTH);
    expect(a.endsWith(sk)).toBe(true);
  });

  it('keeps repo/env pairs apart whose cleaned-up prefixes are equal', () => {
    const sk = '2HFj3kLmNoPqRsTuVwXy';
    expect(executionName({ repo: 'my#app', env: 'prd', sk })).not.toBe(executionName({ repo: 'my$app', env: 'prd', sk }));
    expect(executionName({ repo: 'my#app', env: 'prd', sk })).toMatch(/^my_app-prd-[0-9a-z]{13}-2HFj3kLmNoPqRsTuVwXy$/);
  });

  it('fits a 64-character sort key with a 200-character repo', () => {
    const key = { repo: 'x'.repeat(200), env: 'production', sk: 'K'.repeat(64) };
    const name = executionName(key);
    expect(name).toHaveLength(MAX_EXECUTION_NAME_LENGTH);
    expect(isValidExecutionName(name)).toBe(true);
  });
});

describe('executionName, by the current StartExecution reference', () => {
  it('uses the hashed form when the plain name holds a character outside the BMP (an emoji)', () => {
    const key = { repo: 'rocket\u{1F680}', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy' };
    const name = executionName(key);
    expect(name).not.toBe(`rocket\u{1F680}-prd-2HFj3kLmNoPqRsTuVwXy`);
    expect(name).toMatch(/^rocket_-prd-[0-9a-z]{13}-2HFj3kLmNoPqRsTuVwXy$/);
  });

  it('uses the hashed form for U+FFFE and U+FFFF', () => {
    for (const char of ['\ufffe', '\uffff']) {
      expect(executionName({ repo: `a${char}`, env: 'prd', sk: '2HFj' })).toMatch(/^a_-prd-[0-9a-z]{13}-2HFj$/);
    }
  });

  it('keeps the readable part of a hashed name to ASCII 0-9 A-Z a-z - _, one _ per replaced character', () => {
    fc.assert(
      fc.property(buildKey, (key) => {
        const name = executionName(key);
        if (name === `${key.repo}-${key.env}-${key.sk}`) return;
        expect(name).toMatch(/^[0-9A-Za-z_-]*$/);
      }),
      RUNS,
    );
  });

  it('never splits a character when it cuts a long prefix', () => {
    const key = { repo: '\u{1F680}'.repeat(60), env: '\u00e9'.repeat(10), sk: '2HFj3kLmNoPqRsTuVwXy3kLmNoP' };
    const name = executionName(key);
    expect(isValidExecutionName(name)).toBe(true);
    expect(name).toMatch(/^_+-[0-9a-z]{13}-2HFj3kLmNoPqRsTuVwXy3kLmNoP$/);
  });

  it('never changes a valid plain name, whatever it holds', () => {
    expect(executionName({ repo: 'my.app+x', env: 'prd\u00e9', sk: '2HFj' })).toBe('my.app+x-prd\u00e9-2HFj');
  });
});

describe('isValidExecutionName', () => {
  it.each(['\u{1F680}', '\ud800', '\udfff', '\ufffe', '\uffff'])('refuses %j (surrogates and U+FFFE-FFFF)', (char) => {
    expect(isValidExecutionName(`a${char}b`)).toBe(false);
  });

  it.each([...'<>{}[]?*"#%\\^|~$&,;:/`', ' ', '\t', '\n', '\u0000', '\u001f', '\u007f', '\u009f', '\u00a0'])(
    'refuses %j',
    (char) => {
      expect(isValidExecutionName(`a${char}b`)).toBe(false);
    },
  );

  it('accepts 1 to 80 characters and refuses 0 and 81', () => {
    expect(isValidExecutionName('a')).toBe(true);
    expect(isValidExecutionName('a'.repeat(80))).toBe(true);
    expect(isValidExecutionName('')).toBe(false);
    expect(isValidExecutionName('a'.repeat(81))).toBe(false);
  });
});
