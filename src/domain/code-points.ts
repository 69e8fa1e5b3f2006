/**
 * The longest prefix of `text` that is at most `maxUnits` UTF-16 code units
 * long and ends on a code point boundary: a character outside the Basic
 * Multilingual Plane (an emoji, U+1F600) is two code units, a surrogate pair,
 * and is kept whole or left out, never cut in half. A lone surrogate is not
 * text: UTF-8 cannot encode it, so DynamoDB, JSON readers and terminals would
 * each have to refuse or replace it.
 *
 * The result is `text` itself when it fits, otherwise `maxUnits` or
 * `maxUnits - 1` units long. It creates no lone surrogate: one that `text`
 * already held before the cut stays where it was (a prefix is all this
 * function returns).
 *
 * @example
 * ```ts
 * cutToCodePoints('ab😀', 3); // 'ab' (the emoji's two units would not fit)
 * cutToCodePoints('ab😀', 4); // 'ab😀'
 * ```
 */
export function cutToCodePoints(text: string, maxUnits: number): string {
  const bound = Math.max(0, Math.floor(maxUnits));
  if (text.length <= bound) return text;
  // Cutting between a high surrogate (U+D800-DBFF) and the low surrogate
  // (U+DC00-DFFF) that follows it would leave half a character: leave the pair out.
  const splitsAPair = bound > 0 && isHighSurrogate(text.charCodeAt(bound - 1)) && isLowSurrogate(text.charCodeAt(bound));
  return text.slice(0, splitsAPair ? bound - 1 : bound);
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
