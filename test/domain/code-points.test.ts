import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutToCodePoints } from '../../src/domain/code-points.js';
import { anyCodeUnits, loneSurrogatesOf, textWithSurrogatePairs, withABound } from '../support/arbitraries.js';

describe('cutToCodePoints', () => {
  it('never leaves a lone surrogate in well-formed text', () => {
    fc.assert(
      fc.property(withABound(textWithSurrogatePairs), ([text, maxUnits]) => {
        expect(loneSurrogatesOf(cutToCodePoints(text, maxUnits))).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('is a prefix of the input, within the bound, one unit shorter at most, and the input itself when it fits', () => {
    fc.assert(
      fc.property(withABound(anyCodeUnits), ([text, maxUnits]) => {
        const cut = cutToCodePoints(text, maxUnits);
        expect(text.startsWith(cut)).toBe(true);
        expect(cut.length).toBeLessThanOrEqual(maxUnits);
        expect(cut.length).toBeGreaterThanOrEqual(Math.min(text.length, maxUnits) - 1);
        if (text.length <= maxUnits) expect(cut).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('creates no lone surrogate, even in text that already holds some', () => {
    fc.assert(
      fc.property(withABound(anyCodeUnits), ([text, maxUnits]) => {
        const cut = cutToCodePoints(text, maxUnits);
        // Those of the cut are exactly those the input had before the cut.
        expect(loneSurrogatesOf(cut)).toEqual(loneSurrogatesOf(text).filter((index) => index < cut.length));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a character outside the BMP whole or leaves it out', () => {
    expect(cutToCodePoints('ab\u{1F600}c', 3)).toBe('ab');
    expect(cutToCodePoints('ab\u{1F600}c', 4)).toBe('ab\u{1F600}');
    expect(cutToCodePoints('\u{1F600}', 1)).toBe('');
    expect(cutToCodePoints('abc', 0)).toBe('');
    expect(cutToCodePoints('abc', -1)).toBe('');
    // A lone high surrogate before the cut is the input's, not the cut's: it stays.
    expect(cutToCodePoints('a\ud800bc', 2)).toBe('a\ud800');
  });
});
