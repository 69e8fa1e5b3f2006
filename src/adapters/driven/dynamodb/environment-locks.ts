import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  ENVIRONMENT_LOCK_PARTITION,
  parseRecordedBuildKey,
  toEpochSeconds,
  toWholeSecond,
  type BuildKey,
  type EnvironmentLock,
  type LockingPolicy,
} from '../../../domain/index.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';
import type {
  EnvironmentLockPage,
  LockAdoption,
  LockKeeping,
  LockKeepingOptions,
  LockRelease,
  LockReleaseOptions,
  ReleaseOptions,
  UnreadableBuild,
  WaitingRecord,
} from '../../../ports/index.js';
import { requireDate, requireEnvironment, requireLockingPolicy, requireText } from '../arguments.js';
import { buildItemKey, type BuildItem } from '../builds-table/build-item.js';
import {
  EnvironmentLockUnreadableError,
  environmentLockKey,
  fromEnvironmentLockItem,
  toEnvironmentLockItem,
} from '../builds-table/environment-lock-item.js';
import { decodeCursor, encodeCursor, pageLimit } from '../paging.js';
import type { BuildsTable } from './builds-table-access.js';
import { MAX_TRANSACTION_ATTEMPTS, backOff, isTransactionConflict, type BuildWrite } from './conditional-writes.js';
import { isItemTooLargeReason } from './dynamodb-errors.js';
import { itemFrom } from './item-from.js';

/** The attribute a `PENDING` build carries while it waits behind its environment's lock holder. */
export const WAITING_FOR = 'waiting_for' satisfies keyof BuildItem;

/**
 * The release of a build's environment lock that goes with the write ending
 * the build (a companion of `writeWithPointer`): the lock item is deleted if
 * this build holds it. No lock is a no-op delete; a lock another build holds
 * fails the condition, and the end is written again without the release.
 */
export function lockReleaseWrite(table: BuildsTable, key: BuildKey): BuildWrite {
  return {
    Delete: {
      TableName: table.tableName,
      Key: environmentLockKey(key),
      // Guards: only the lock this build holds is released, and not one kept for a person after a forced
      // cancel (the stack operation may go on); another build's lock stays.
      ConditionExpression: 'attribute_not_exists(pk) OR (holder = :sk AND attribute_not_exists(kept_by))',
      ExpressionAttributeValues: { ':sk': key.sk },
    },
  };
}

/**
 * The companion writes an end takes (see `writeWithPointer`): the release of
 * the build's environment lock when asked, none otherwise (an end under
 * `parallel` costs what it did before locks existed).
 */
export function releaseWrites(table: BuildsTable, key: BuildKey, options: ReleaseOptions): BuildWrite[] {
  return options.releaseEnvironmentLock === true ? [lockReleaseWrite(table, key)] : [];
}

/** The lock item in a cancellation reason or a refused write (raw attribute values), as a lock. */
export function lockFrom(item: unknown): EnvironmentLock {
  return fromEnvironmentLockItem(itemFrom(item));
}

/** A strongly consistent read of an environment's lock; `undefined` when it is free. */
export async function readEnvironmentLock(table: BuildsTable, environment: { repo: string; env: string }): Promise<EnvironmentLock | undefined> {
  const { Item } = await table.client.send(new GetCommand({ TableName: table.tableName, Key: environmentLockKey(environment), ConsistentRead: true }));
  return Item && fromEnvironmentLockItem(Item);
}

/**
 * The environment locks besides the claim (start-writes.ts) and the release
 * with an end (completion-writes.ts, execution-end-writes.ts): reading one,
 * adopting a free one for a running build, releasing one by its holder (the
 * sweeper, or `unlock` by hand), listing them all, and the mark of a build
 * that waits behind one.
 *
 * A lock is one item, `pk = lock`, `sk = {repo}/{env}` (see
 * environment-lock-item.ts), so the locks of every environment are one query.
 */
export class EnvironmentLocks {
  constructor(private readonly table: BuildsTable) {}

  async recordWaiting(key: BuildKey, holderId: string): Promise<WaitingRecord> {
    const valid = parseRecordedBuildKey(key);
    requireText('holderId', holderId);
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: buildItemKey(valid),
          // Not a status change: the update time stays, so the status index's order does too.
          UpdateExpression: `SET ${WAITING_FOR} = :holder`,
          // Guards: only a PENDING build waits (a started or ended one never gains the mark; a missing one
          // is not created).
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':holder': holderId, ':pending': 'PENDING' },
        }),
      );
      return { outcome: 'recorded' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { outcome: 'not-pending' };
      throw error;
    }
  }

  async getEnvironmentLock(repo: string, env: string): Promise<EnvironmentLock | undefined> {
    requireEnvironment(repo, env);
    return readEnvironmentLock(this.table, { repo, env });
  }

  async adoptEnvironmentLock(key: BuildKey, policy: LockingPolicy, at: Date): Promise<LockAdoption> {
    const valid = parseRecordedBuildKey(key);
    requireLockingPolicy('policy', policy);
    requireDate('at', at);
    const lock: EnvironmentLock = { repo: valid.repo, env: valid.env, holder: valid.sk, policy, takenAt: toWholeSecond(at), adopted: true };
    const result = await writeWithEnvironmentLock(
      this.table,
      valid,
      {
        ConditionCheck: {
          TableName: this.table.tableName,
          Key: buildItemKey(valid),
          // Guards: only a running build adopts its environment's lock (one that ended holds nothing).
          ConditionExpression: '#status = :in_progress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':in_progress': 'IN_PROGRESS' },
        },
      },
      {
        Put: {
          TableName: this.table.tableName,
          Item: toEnvironmentLockItem(lock),
          // Guards: the lock is free, or already this build's (a repeat); another holder keeps it.
          ConditionExpression: 'attribute_not_exists(pk) OR holder = :sk',
          ExpressionAttributeValues: { ':sk': valid.sk },
        },
      },
    );
    if (result.written) return { outcome: 'adopted', lock };
    return 'busy' in result ? { outcome: 'busy', lock: result.busy } : { outcome: 'not-running' };
  }

  async releaseEnvironmentLock(repo: string, env: string, holder: string, options: LockReleaseOptions): Promise<LockRelease> {
    requireEnvironment(repo, env);
    requireText('holder', holder);
    requireDate('at', options.at);
    if (options.releasedBy === undefined) return this.deleteLock({ repo, env }, holder, 'unless-kept');
    requireText('releasedBy', options.releasedBy);
    const holderKey = parseRecordedBuildKey({ repo, env, sk: holder });
    for (let attempt = 1; ; ) {
      try {
        await this.table.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Delete: { ...this.lockDeleteOf({ repo, env }, holder, 'even-kept'), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
              {
                Update: {
                  TableName: this.table.tableName,
                  Key: buildItemKey(holderKey),
                  // Not a status change: the holder's status and update time stay.
                  UpdateExpression: 'SET unlocked_by = :by, unlocked_at = :at',
                  // Guards: the holder build still exists (a release never creates one).
                  ConditionExpression: 'attribute_exists(pk)',
                  ExpressionAttributeValues: { ':by': options.releasedBy, ':at': toEpochSeconds(options.at) },
                },
              },
            ],
          }),
        );
        return { outcome: 'released' };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [lockReason, buildReason] = error.CancellationReasons ?? [];
        if (lockReason?.Code === 'ConditionalCheckFailed') {
          return notHeld(lockReason.Item ? lockFrom(lockReason.Item) : await this.getEnvironmentLock(repo, env));
        }
        // The holder build is gone, or its item has no room for the record: the lock is released all the same.
        if (buildReason?.Code === 'ConditionalCheckFailed' || isItemTooLargeReason(buildReason)) return this.deleteLock({ repo, env }, holder, 'even-kept');
        if (!isTransactionConflict(error) || attempt >= MAX_TRANSACTION_ATTEMPTS) throw error;
        await backOff(attempt);
        attempt += 1;
      }
    }
  }

  async listEnvironmentLocks(options: { readonly limit?: number | undefined; readonly cursor?: string | undefined } = {}): Promise<EnvironmentLockPage> {
    const limit = pageLimit(options.limit);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, { sk: 'string' }).sk;
    const items: Record<string, unknown>[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined = after === undefined ? undefined : { pk: ENVIRONMENT_LOCK_PARTITION, sk: after };
    do {
      // One more than a page tells whether another exists.
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': ENVIRONMENT_LOCK_PARTITION },
          ConsistentRead: true,
          Limit: limit + 1 - items.length,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined && items.length <= limit);
    const pageItems = items.slice(0, limit);
    const locks: EnvironmentLock[] = [];
    const unreadable: UnreadableBuild[] = [];
    for (const item of pageItems) {
      try {
        locks.push(fromEnvironmentLockItem(item));
      } catch (error) {
        if (!(error instanceof EnvironmentLockUnreadableError)) throw error;
        unreadable.push({ id: error.environment, reason: error.reason });
      }
    }
    const last = pageItems.at(-1);
    return withoutUndefined({
      locks,
      nextCursor: items.length > limit && last ? encodeCursor({ sk: String(last.sk) }) : undefined,
      unreadable: unreadable.length > 0 ? unreadable : undefined,
    });
  }

  /**
   * A forced cancel's first step: the running build holds its environment's
   * lock (taken now if free) and keeps it for a person (`kept_by`).
   */
  async keepEnvironmentLock(key: BuildKey, executionArn: string, options: LockKeepingOptions): Promise<LockKeeping> {
    const valid = parseRecordedBuildKey(key);
    requireText('executionArn', executionArn);
    requireText('keptBy', options.keptBy);
    requireLockingPolicy('policy', options.policy);
    requireDate('at', options.at);
    const result = await writeWithEnvironmentLock(
      this.table,
      valid,
      {
        ConditionCheck: {
          TableName: this.table.tableName,
          Key: buildItemKey(valid),
          // Guards: the build still deploys with this execution (one that ended holds nothing to keep).
          ConditionExpression: '#status = :in_progress AND execution_arn = :arn',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':in_progress': 'IN_PROGRESS', ':arn': executionArn },
        },
      },
      {
        Update: {
          TableName: this.table.tableName,
          Key: environmentLockKey(valid),
          // A lock held keeps when and how it was taken; a free one is taken now.
          UpdateExpression: 'SET holder = :sk, policy = if_not_exists(policy, :policy), taken_at = if_not_exists(taken_at, :at), kept_by = :by',
          // Guards: the lock is free or this build's; another holder keeps it.
          ConditionExpression: 'attribute_not_exists(pk) OR holder = :sk',
          ExpressionAttributeValues: { ':sk': valid.sk, ':policy': options.policy, ':at': toEpochSeconds(options.at), ':by': options.keptBy },
        },
      },
    );
    if ('busy' in result) return { outcome: 'busy', lock: result.busy };
    if (!result.written) return { outcome: 'not-running' };
    const lock = await this.getEnvironmentLock(valid.repo, valid.env);
    if (lock === undefined) throw new Error(`The lock of ${valid.repo}/${valid.env} was kept, yet it is gone`);
    return { outcome: 'kept', lock };
  }

  /**
   * The release alone: one DeleteItem, only while `holder` holds the lock
   * (`unless-kept`: and no person keeps it).
   */
  async deleteLock(environment: { repo: string; env: string }, holder: string, kept: 'unless-kept' | 'even-kept'): Promise<LockRelease> {
    try {
      await this.table.client.send(new DeleteCommand({ ...this.lockDeleteOf(environment, holder, kept), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
      return { outcome: 'released' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Current DynamoDB returns the item; DynamoDB Local ignores the request, so read it.
      const lock = error.Item ? lockFrom(error.Item) : await this.getEnvironmentLock(environment.repo, environment.env);
      if (lock?.holder === holder && lock.keptBy !== undefined) return { outcome: 'kept', lock };
      return notHeld(lock);
    }
  }

  private lockDeleteOf(environment: { repo: string; env: string }, holder: string, kept: 'unless-kept' | 'even-kept') {
    return {
      TableName: this.table.tableName,
      Key: environmentLockKey(environment),
      // Guards: only the holder's lock is released; a lock gone, or taken by another build since, is left
      // alone, and so is one kept for a person (after a forced cancel), unless a person releases it.
      ConditionExpression: kept === 'unless-kept' ? 'holder = :holder AND attribute_not_exists(kept_by)' : 'holder = :holder',
      ExpressionAttributeValues: { ':holder': holder },
    };
  }
}

/** `not-held`, with the lock as found when there is one. */
function notHeld(lock: EnvironmentLock | undefined): LockRelease {
  return lock === undefined ? { outcome: 'not-held' } : { outcome: 'not-held', lock };
}

/** How a build's write with its environment lock's write ended (see {@link writeWithEnvironmentLock}). */
export type LockedWrite =
  | { readonly written: true }
  /** The build's condition failed: nothing was written; the item as found, when DynamoDB returned it. */
  | { readonly written: false; readonly existing?: Record<string, unknown> | undefined }
  /** The lock's condition failed: another build holds it (as found); nothing was written. */
  | { readonly written: false; readonly busy: EnvironmentLock };

/**
 * A build's write (or condition check) and its environment lock's write in
 * one transaction: both land, or neither. A refused build condition is
 * answered first, then a lock held by another build; a conflict with
 * another transaction is retried briefly.
 */
export async function writeWithEnvironmentLock(table: BuildsTable, key: BuildKey, buildWrite: BuildWrite, lockWrite: BuildWrite): Promise<LockedWrite> {
  for (let attempt = 1; ; ) {
    try {
      await table.client.send(new TransactWriteCommand({ TransactItems: [withOldItem(buildWrite), withOldItem(lockWrite)] }));
      return { written: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [buildReason, lockReason] = error.CancellationReasons ?? [];
      if (buildReason?.Code === 'ConditionalCheckFailed') return { written: false, existing: buildReason.Item ? itemFrom(buildReason.Item) : undefined };
      if (lockReason?.Code === 'ConditionalCheckFailed') {
        // DynamoDB returns the lock inside a transaction; should it not, read it (released since: try again).
        const held = lockReason.Item ? lockFrom(lockReason.Item) : await readEnvironmentLock(table, key);
        if (held !== undefined) return { written: false, busy: held };
      } else if (!isTransactionConflict(error)) throw error;
      if (attempt >= MAX_TRANSACTION_ATTEMPTS) throw error;
      await backOff(attempt);
      attempt += 1;
    }
  }
}

/** The write, asking for the item as found when its condition fails. */
function withOldItem(write: BuildWrite): BuildWrite {
  const [[kind, body]] = Object.entries(write) as [[keyof BuildWrite, object]];
  return { [kind]: { ...body, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } } as BuildWrite;
}
