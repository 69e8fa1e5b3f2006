// What both idempotency stores (DynamoDB, in memory) share, so their
// semantics cannot drift: the checks of each method's arguments, the record
// as it is kept (whole seconds), and when a record or a hold has lapsed.
import { ValidationError, fromEpochSeconds, toEpochSeconds } from '../../domain/index.js';
import { withoutUndefined } from '../../domain/without-undefined.js';
import type { IdempotencyRecord } from '../../ports/index.js';
import { requireDate, requireText } from './arguments.js';

/** A record that holds its key: the one `begin` writes. */
export type HeldRecord = IdempotencyRecord & { readonly status: 'IN_PROGRESS' };

/**
 * An instant as a store keeps it: whole epoch seconds, rounded up, so a
 * record or a hold never lapses before the instant the caller gave.
 */
export function epochSecondsUp(date: Date): number {
  return Math.ceil(date.getTime() / 1000);
}

/**
 * `now` as the stores compare it with what they keep: whole epoch seconds,
 * rounded down. A kept instant `s` (whole seconds) satisfies `s <= nowSeconds`
 * exactly when `s * 1000 <= now.getTime()`, so a DynamoDB condition on
 * seconds and a `Date` comparison in memory agree to the millisecond.
 */
export function epochSecondsDown(now: Date): number {
  return toEpochSeconds(now);
}

/** Whether a kept instant has come (`at <= now`): an `expiresAt` so reached makes the record absent, an `inProgressUntil` ends the hold. */
export function hasCome(at: Date, now: Date): boolean {
  return at.getTime() <= now.getTime();
}

/**
 * Checks `begin`'s arguments and returns the record as both stores write and
 * return it: instants rounded up to whole seconds, no `undefined` property.
 * `expiresAt` and `inProgressUntil` must be after `now` (a record that lapsed
 * as it was written would hold nothing), and an `IN_PROGRESS` record has no
 * `result` yet.
 */
export function heldRecordOf(record: HeldRecord, now: Date): HeldRecord {
  requireDate('now', now);
  if (typeof record !== 'object' || record === null) throw new ValidationError('record', 'must be an idempotency record');
  requireText('record.key', record.key);
  requireText('record.requestHash', record.requestHash);
  if (record.status !== 'IN_PROGRESS') throw new ValidationError('record.status', 'must be IN_PROGRESS (begin takes the key for a request)');
  if (record.plan !== undefined && typeof record.plan !== 'string') throw new ValidationError('record.plan', 'must be a string when given');
  if (record.result !== undefined) throw new ValidationError('record.result', 'must be absent: a request that begins has no result yet');
  requireDate('record.expiresAt', record.expiresAt);
  if (hasCome(record.expiresAt, now)) throw new ValidationError('record.expiresAt', 'must be after now');
  if (record.inProgressUntil !== undefined) {
    requireDate('record.inProgressUntil', record.inProgressUntil);
    if (hasCome(record.inProgressUntil, now)) throw new ValidationError('record.inProgressUntil', 'must be after now');
  }
  return withoutUndefined({
    key: record.key,
    requestHash: record.requestHash,
    status: 'IN_PROGRESS' as const,
    plan: record.plan,
    expiresAt: wholeSecondUp(record.expiresAt),
    inProgressUntil: record.inProgressUntil === undefined ? undefined : wholeSecondUp(record.inProgressUntil),
  });
}

/** An `IN_PROGRESS` record with a hold that may lapse. */
export type LapsedHold = IdempotencyRecord & { readonly status: 'IN_PROGRESS'; readonly inProgressUntil: Date };

/** Checks the arguments `complete` and `release` share. */
export function requireHolder(key: string, requestHash: string): void {
  requireText('key', key);
  requireText('requestHash', requestHash);
}

/** Checks `complete`'s arguments beyond the holder. */
export function requireCompletion(result: string, expiresAt: Date): void {
  if (typeof result !== 'string') throw new ValidationError('result', 'must be a string (the result, serialised)');
  requireDate('expiresAt', expiresAt);
}

/**
 * Whether `begin` takes `found` over for `wanted`: a live `IN_PROGRESS`
 * record of the same request whose hold has lapsed. A record without
 * `inProgressUntil` is held until it expires.
 */
export function mayTakeOver(found: IdempotencyRecord, wanted: HeldRecord, now: Date): found is LapsedHold {
  return (
    found.status === 'IN_PROGRESS' &&
    found.requestHash === wanted.requestHash &&
    found.inProgressUntil !== undefined &&
    hasCome(found.inProgressUntil, now) &&
    !hasCome(found.expiresAt, now)
  );
}

export function wholeSecondUp(date: Date): Date {
  return fromEpochSeconds(epochSecondsUp(date));
}
