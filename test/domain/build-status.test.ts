import { describe, expect, it } from 'vitest';
import { BUILD_STATUSES, canTransition, isBuildStatus, isTerminal, statusesThatMayBecome } from '../../src/index.js';

const ALLOWED = new Set([
  'PENDING->IN_PROGRESS',
  'PENDING->SUCCESS',
  'PENDING->FAILED',
  'IN_PROGRESS->SUCCESS',
  'IN_PROGRESS->FAILED',
]);

describe('the transition table', () => {
  const pairs = BUILD_STATUSES.flatMap((from) => BUILD_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)('%s -> %s is allowed exactly when the design says so', (from, to) => {
    expect(canTransition(from, to)).toBe(ALLOWED.has(`${from}->${to}`));
  });

  it('covers all 16 pairs', () => {
    expect(pairs).toHaveLength(16);
  });

  it('never lets a status go back to an earlier one', () => {
    for (const [from, to] of pairs) {
      if (canTransition(from, to)) expect(BUILD_STATUSES.indexOf(to)).toBeGreaterThan(BUILD_STATUSES.indexOf(from));
    }
  });

  it('gives each target the statuses it may come from', () => {
    expect(statusesThatMayBecome('PENDING')).toEqual([]);
    expect(statusesThatMayBecome('IN_PROGRESS')).toEqual(['PENDING']);
    expect(statusesThatMayBecome('SUCCESS')).toEqual(['PENDING', 'IN_PROGRESS']);
    expect(statusesThatMayBecome('FAILED')).toEqual(['PENDING', 'IN_PROGRESS']);
  });

  it('marks SUCCESS and FAILED terminal and only them', () => {
    expect(BUILD_STATUSES.filter(isTerminal)).toEqual(['SUCCESS', 'FAILED']);
  });

  it('recognises only the four statuses', () => {
    expect(BUILD_STATUSES.every(isBuildStatus)).toBe(true);
    for (const value of ['pending', 'DONE', '', undefined, 1]) expect(isBuildStatus(value)).toBe(false);
  });
});

describe('the redrive exception', () => {
  it('lets FAILED become SUCCESS only for a redriven execution that succeeded', () => {
    expect(canTransition('FAILED', 'SUCCESS')).toBe(false);
    expect(canTransition('FAILED', 'SUCCESS', { redriven: true })).toBe(true);
    expect(statusesThatMayBecome('SUCCESS', { redriven: true })).toEqual(['PENDING', 'IN_PROGRESS', 'FAILED']);
  });

  it('opens no other way back', () => {
    for (const from of BUILD_STATUSES) {
      for (const to of BUILD_STATUSES) {
        if (from === 'FAILED' && to === 'SUCCESS') continue;
        expect(canTransition(from, to, { redriven: true })).toBe(canTransition(from, to));
      }
    }
  });
});
