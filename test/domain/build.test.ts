import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BUILD_STATUSES,
  MAX_ERROR_MESSAGE_LENGTH,
  TRUNCATION_MARK,
  ValidationError,
  boundErrorMessage,
  completionEffect,
  parseCompletion,
  pendingBuild,
  startEffect,
} from '../../src/index.js';
import { loneSurrogatesOf, textWithSurrogatePairs, withABound } from '../support/arbitraries.js';
import { aNewBuild } from '../support/mothers/build.mother.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:execution:deployment:one';
const OTHER = 'arn:aws:states:us-east-1:123456789012:execution:deployment:two';

describe('startEffect', () => {
  it.each([
    ['PENDING', undefined, 'transition'],
    ['IN_PROGRESS', ARN, 'unchanged'],
    ['IN_PROGRESS', OTHER, 'illegal'],
    ['IN_PROGRESS', undefined, 'illegal'],
    ['SUCCESS', undefined, 'attach-arn'],
    ['FAILED', undefined, 'attach-arn'],
    ['SUCCESS', ARN, 'unchanged'],
    ['FAILED', ARN, 'unchanged'],
    ['SUCCESS', OTHER, 'illegal'],
    ['FAILED', OTHER, 'illegal'],
    ['PENDING', OTHER, 'illegal'],
  ] as const)('for a %s build with ARN %s is %s', (status, executionArn, kind) => {
    expect(startEffect(executionArn === undefined ? { status } : { status, executionArn }, ARN).kind).toBe(kind);
  });
});

describe('completionEffect', () => {
  it.each(BUILD_STATUSES.flatMap((from) => (['SUCCESS', 'FAILED'] as const).map((to) => [from, to] as const)))(
    '%s completed as %s',
    (from, to) => {
      const expected = from === to ? 'unchanged' : from === 'PENDING' || from === 'IN_PROGRESS' ? 'transition' : 'illegal';
      expect(completionEffect({ status: from }, to).kind).toBe(expected);
    },
  );
});

describe('pendingBuild', () => {
  it('starts PENDING at the whole second', () => {
    const build = pendingBuild(aNewBuild(), new Date('2026-01-01T00:00:00.999Z'));
    expect(build).toMatchObject({
      status: 'PENDING',
      createdAt: new Date('2026-01-01T00:00:00.000Z'),
      updatedAt: new Date('2026-01-01T00:00:00.000Z'),
    });
  });

  it.each([
    ['branch', { branch: '' }],
    ['version', { version: 7 as unknown as string }],
    ['buildNumber', { buildNumber: 1.5 }],
    ['stackName', { stackName: '' }],
  ])('names %s when it is bad', (field, override) => {
    expect(() => pendingBuild(aNewBuild(override), new Date())).toThrow(expect.objectContaining({ field }));
  });
});

describe('parseCompletion', () => {
  it('keeps a FAILED reason, supplies one when missing and drops one on SUCCESS', () => {
    expect(parseCompletion({ status: 'FAILED', errorMsg: 'boom' })).toEqual({ status: 'FAILED', errorMsg: 'boom' });
    expect(parseCompletion({ status: 'FAILED', errorMsg: '  ' })).toEqual({ status: 'FAILED', errorMsg: 'no reason was reported' });
    expect(parseCompletion({ status: 'SUCCESS', errorMsg: 'ignored' })).toEqual({ status: 'SUCCESS' });
  });

  it('names the status field when it is not terminal', () => {
    expect(() => parseCompletion({ status: 'PENDING' })).toThrow(ValidationError);
    expect(() => parseCompletion({ status: 'PENDING' })).toThrow(expect.objectContaining({ field: 'status' }));
  });
});

describe('boundErrorMessage', () => {
  it('never cuts a character in half: a long reason full of emoji keeps no lone surrogate', () => {
    // 2,036 units (the bound less the mark) of 'a' then emoji: the cut falls between the two halves of one.
    const reason = `a${'\u{1F4A5}'.repeat(MAX_ERROR_MESSAGE_LENGTH)}`;
    const cut = boundErrorMessage(reason);

    expect(loneSurrogatesOf(cut)).toEqual([]);
    expect(cut).toBe(`a${'\u{1F4A5}'.repeat((MAX_ERROR_MESSAGE_LENGTH - TRUNCATION_MARK.length - 2) / 2)}${TRUNCATION_MARK}`);
    // Valid UTF-8: encoding and decoding gives the same text back (a lone surrogate would come back as U+FFFD).
    expect(new TextDecoder().decode(new TextEncoder().encode(cut))).toBe(cut);
  });

  it('keeps any reason whole and well-formed, or cuts it to the bound as its beginning plus the mark', () => {
    fc.assert(
      fc.property(withABound(textWithSurrogatePairs), ([reason, maxLength]) => {
        const cut = boundErrorMessage(reason, maxLength);

        expect(loneSurrogatesOf(cut)).toEqual([]);
        expect(cut.length).toBeLessThanOrEqual(maxLength);
        if (reason.length <= maxLength) expect(cut).toBe(reason);
        else if (maxLength > TRUNCATION_MARK.length) {
          expect(cut.endsWith(TRUNCATION_MARK)).toBe(true);
          expect(reason.startsWith(cut.slice(0, -TRUNCATION_MARK.length))).toBe(true);
        } else expect(reason.startsWith(cut)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves short messages alone and cuts long ones to the bound, marked', () => {
    expect(boundErrorMessage('short')).toBe('short');
    const exact = 'y'.repeat(MAX_ERROR_MESSAGE_LENGTH);
    expect(boundErrorMessage(exact)).toBe(exact);
    const cut = boundErrorMessage('y'.repeat(MAX_ERROR_MESSAGE_LENGTH + 1));
    expect(cut).toHaveLength(MAX_ERROR_MESSAGE_LENGTH);
    expect(cut.endsWith('[truncated]')).toBe(true);
  });
});
