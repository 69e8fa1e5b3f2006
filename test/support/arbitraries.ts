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

/**
 * Well-formed text (no lone surrogate) where characters outside the Basic
 * Multilingual Plane, two UTF-16 code units each, sit at odd and even
 * offsets alike: ASCII, accented letters, emoji, any code point.
 */
export const textWithSurrogatePairs = fc.string({
  unit: fc.oneof(
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
    fc.constantFrom('\u00e9', '\u{1F600}', '\u{1F680}', '\u{10FFFF}', '\u{20000}'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 300,
  size: 'medium',
});

/** Any sequence of UTF-16 code units, lone surrogates included (what JSON's `\ud800` escapes can produce). */
export const anyCodeUnits = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff })), { maxLength: 300, size: 'medium' })
  .map((units) => String.fromCharCode(...units));

/** A text and a bound that usually cuts it (0 to a little past its length, in UTF-16 code units). */
export function withABound(text: fc.Arbitrary<string>): fc.Arbitrary<readonly [string, number]> {
  return text.chain((value) => fc.tuple(fc.constant(value), fc.integer({ min: 0, max: value.length + 2 })));
}

/** Where each lone surrogate of `text` is (a high one not followed by a low one, a low one not after a high one). */
export function loneSurrogatesOf(text: string): number[] {
  const lone: number[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    const high = unit >= 0xd800 && unit <= 0xdbff;
    const low = unit >= 0xdc00 && unit <= 0xdfff;
    const next = text.charCodeAt(index + 1);
    const previous = text.charCodeAt(index - 1);
    if (high && !(next >= 0xdc00 && next <= 0xdfff)) lone.push(index);
    if (low && !(previous >= 0xd800 && previous <= 0xdbff)) lone.push(index);
  }
  return lone;
}
