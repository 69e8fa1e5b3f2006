import fc from 'fast-check';

/** Characters a repo or env may hold: anything but `/`, `:`, whitespace and controls (Step Functions' forbidden ones included). */
const identityChar = fc.oneof(
  fc.constantFrom(...'abcxyz-_.0129'.split('')),
  fc.constantFrom(...'<>{}[]?*"#%\\^|~$&,;`'.split('')),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
).filter((char) => !/[/:\s\p{Cc}]/u.test(char));

/** A valid repo or env name, up to 200 characters and full of characters Step Functions refuses. */
export const identityPart = fc
  .array(identityChar, { minLength: 1, maxLength: 200 })
  .map((chars) => chars.join(''))
  .filter((value) => value.length <= 256);

/** A valid sort key: letters and digits, usually KSUID-sized. */
export const sortKey = fc
  .array(fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'.split('')), {
    minLength: 1,
    maxLength: 64,
  })
  .map((chars) => chars.join(''));

/** A valid repo name: `latest` is reserved for the pointer partition. */
export const repoName = identityPart.filter((value) => value !== 'latest');

export const buildKey = fc.record({ repo: repoName, env: identityPart, sk: sortKey });
