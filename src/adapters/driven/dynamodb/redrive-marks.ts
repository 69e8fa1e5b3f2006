import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  ValidationError,
  fromEpochSeconds,
  parseRecordedBuildKey,
  toEpochSeconds,
  toWholeSecond,
  type Build,
  type BuildKey,
} from '../../../domain/index.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';
import type {
  ListRedrivePendingOptions,
  RedriveBeginning,
  RedriveBeginningOptions,
  RedriveMarkClearing,
  RedriveMarkClearingOptions,
  RedriveMarkRecord,
  RedrivePendingBuild,
  RedrivePendingPage,
  UnreadableBuild,
} from '../../../ports/index.js';
import { requireDate, requireLockingPolicy, requireText } from '../arguments.js';
import { decodeCursor, encodeCursor, pageLimit } from '../paging.js';
import { buildItemKey, fromBuildItem } from '../builds-table/build-item.js';
import { toEnvironmentLockItem } from '../builds-table/environment-lock-item.js';
import { readItem, type BuildsTable } from './builds-table-access.js';
import { existingBuild, writeAlone, type BuildWrite } from './conditional-writes.js';
import { writeWithEnvironmentLock, type EnvironmentLocks } from './environment-locks.js';
import { isMissingIndex, statusIndexMissingError } from './dynamodb-errors.js';
import { REDRIVE_MARK } from './reason-forms.js';


/** The key of an item in the status index: the table's key and the index's. */
const INDEX_POSITION = { pk: 'string', sk: 'string', status: 'string', updated_at: 'number' } as const;

/**
 * The redrive marks: a `FAILED` build whose own execution may have been
 * redriven to success carries `redrive_pending_since` (N, epoch seconds)
 * until the sweeper has asked Step Functions how the execution ended. Found
 * through the status index's `FAILED` partition, within a window of update
 * times; Go ignores the attribute.
 */
export class RedriveMarks {
  constructor(
    private readonly table: BuildsTable,
    private readonly statusIndexName: string,
    private readonly locks: EnvironmentLocks,
  ) {}

  async markRedrivePending(key: BuildKey, executionArn: string, at: Date): Promise<RedriveMarkRecord> {
    const valid = parseRecordedBuildKey(key);
    requireText('executionArn', executionArn);
    const result = await writeAlone(this.table, valid, {
      Update: {
        TableName: this.table.tableName,
        Key: buildItemKey(valid),
        // The update time moves with the mark: the sweeper finds marks by update time (the status
        // index's sort key) within the 14 days a closed execution can be redriven, and a build recorded
        // FAILED more than 14 days ago (its redrive began on day 13 and succeeded later) must be found.
        UpdateExpression: `SET ${REDRIVE_MARK} = :at, updated_at = :at`,
        // Guards: the build is FAILED (an open one is the sweeper's anyway; a SUCCESS one needs nothing)
        // and records this execution: only the build's own execution can be redriven for it. A missing
        // item fails the condition, so none is created.
        ConditionExpression: '#status = :failed AND execution_arn = :arn',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':at': toEpochSeconds(at), ':failed': 'FAILED', ':arn': executionArn },
      },
    });
    if (result.written) return { outcome: 'marked' };
    const build = existingBuild(valid, result.existing);
    const reason =
      build.status !== 'FAILED'
        ? `it is ${build.status}`
        : build.executionArn === undefined
          ? 'it records no execution'
          : `it records execution ${build.executionArn}`;
    return { outcome: 'not-marked', status: build.status, reason };
  }

  async listRedrivePending(options: ListRedrivePendingOptions): Promise<RedrivePendingPage> {
    const limit = pageLimit(options.limit);
    requireDate('updatedSince', options.updatedSince);
    const items: Record<string, unknown>[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined =
      options.cursor === undefined ? undefined : decodeCursor(options.cursor, INDEX_POSITION);
    try {
      do {
        // No Limit: DynamoDB reads up to 1 MB of the window per call and returns only the marked
        // items, so a window of many unmarked failures costs few calls.
        const page = await this.table.client.send(
          new QueryCommand({
            TableName: this.table.tableName,
            IndexName: this.statusIndexName,
            // The FAILED partition holds every build that ever failed: the key condition reads only those
            // updated within the window (the read units are those items'), the filter keeps the marked
            // ones (latest pointers carry no mark).
            KeyConditionExpression: '#status = :failed AND updated_at >= :since',
            FilterExpression: `attribute_exists(${REDRIVE_MARK})`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':failed': 'FAILED', ':since': toEpochSeconds(options.updatedSince) },
            ExclusiveStartKey: exclusiveStartKey,
          }),
        );
        items.push(...(page.Items ?? []));
        exclusiveStartKey = page.LastEvaluatedKey;
      } while (exclusiveStartKey !== undefined && items.length <= limit);
    } catch (error) {
      if (isMissingIndex(error)) throw statusIndexMissingError(this.statusIndexName, error);
      throw error;
    }
    const pageItems = items.slice(0, limit);
    const builds: RedrivePendingBuild[] = [];
    const unreadable: UnreadableBuild[] = [];
    for (const item of pageItems) {
      try {
        builds.push(markedBuildOf(item));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        unreadable.push({ id: `${String(item.pk)}:${String(item.sk)}`, reason: error.message });
      }
    }
    const last = pageItems.at(-1);
    return withoutUndefined({
      builds,
      nextCursor: items.length > limit && last ? encodeCursor(indexPositionOf(last)) : undefined,
      unreadable: unreadable.length > 0 ? unreadable : undefined,
    });
  }

  async clearRedrivePending(key: BuildKey, since: Date, options: RedriveMarkClearingOptions = {}): Promise<RedriveMarkClearing> {
    const valid = parseRecordedBuildKey(key);
    const cleared = await this.removeMark(valid, since, options.forgetRedrive === true);
    // The lock a person's redrive took goes with the mark; a crash in between leaves it to the sweeper,
    // which releases a redrive's lock once its execution has closed.
    if (cleared.outcome === 'cleared' && options.releaseEnvironmentLock === true) await this.locks.deleteLock(valid, valid.sk, 'unless-kept');
    return cleared;
  }

  async beginRedrive(key: BuildKey, executionArn: string, options: RedriveBeginningOptions): Promise<RedriveBeginning> {
    const valid = parseRecordedBuildKey(key);
    requireText('executionArn', executionArn);
    requireDate('at', options.at);
    if (options.redrivenBy !== undefined) requireText('redrivenBy', options.redrivenBy);
    const since = toWholeSecond(options.at);
    const write: BuildWrite = {
      Update: {
        TableName: this.table.tableName,
        Key: buildItemKey(valid),
        // The mark the sweeper reads (its update time moves with it, see markRedrivePending), and who asked.
        UpdateExpression:
          options.redrivenBy === undefined
            ? `SET ${REDRIVE_MARK} = :at, updated_at = :at, redriven_at = :at REMOVE redriven_by`
            : `SET ${REDRIVE_MARK} = :at, updated_at = :at, redriven_at = :at, redriven_by = :by`,
        // Guards: the build is FAILED and records this execution: only a build's own failed execution is
        // redriven for it, and a build that succeeded since (or was put back) is left alone.
        ConditionExpression: '#status = :failed AND execution_arn = :arn',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: withoutUndefined({ ':at': toEpochSeconds(since), ':failed': 'FAILED', ':arn': executionArn, ':by': options.redrivenBy }),
      },
    };
    const lock = options.environmentLock;
    if (lock !== undefined) requireLockingPolicy('environmentLock.policy', lock.policy);
    const lockWrite: BuildWrite | undefined = lock && {
      Put: {
        TableName: this.table.tableName,
        Item: toEnvironmentLockItem({ repo: valid.repo, env: valid.env, holder: valid.sk, policy: lock.policy, takenAt: since, redrive: true }),
        // Guards: the lock is free, or already this build's (a repeat); another holder keeps it, and so
        // does a lock kept for a person after a forced cancel (its stack may still change: unlock first).
        ConditionExpression: 'attribute_not_exists(pk) OR (holder = :sk AND attribute_not_exists(kept_by))',
        ExpressionAttributeValues: { ':sk': valid.sk },
      },
    };
    const result = lockWrite === undefined ? await writeAlone(this.table, valid, write) : await writeWithEnvironmentLock(this.table, valid, write, lockWrite);
    if ('busy' in result) return { outcome: 'busy', lock: result.busy };
    if (!result.written) {
      // DynamoDB Local returns no item in a cancelled transaction: read it.
      const build = existingBuild(valid, result.existing ?? (await readItem(this.table, valid)));
      const reason = build.status !== 'FAILED' ? `it is ${build.status}` : build.executionArn === undefined ? 'it records no execution' : `it records execution ${build.executionArn}`;
      return { outcome: 'refused', status: build.status, build, reason };
    }
    return { outcome: 'begun', build: existingBuild(valid, await readItem(this.table, valid)), since };
  }

  private async removeMark(valid: BuildKey, since: Date, forgetRedrive: boolean): Promise<RedriveMarkClearing> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: buildItemKey(valid),
          UpdateExpression: forgetRedrive ? `REMOVE ${REDRIVE_MARK}, redriven_by, redriven_at` : `REMOVE ${REDRIVE_MARK}`,
          // Guards: the build still carries the very mark that was read; one marked again since keeps
          // its new mark, and a missing item is not created.
          ConditionExpression: `${REDRIVE_MARK} = :since`,
          ExpressionAttributeValues: { ':since': toEpochSeconds(since) },
        }),
      );
      return { outcome: 'cleared' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { outcome: 'kept' };
      throw error;
    }
  }
}

function markedBuildOf(item: Record<string, unknown>): { build: Build; since: Date } {
  const build = fromBuildItem(item);
  const since = item[REDRIVE_MARK];
  if (typeof since !== 'number' || !Number.isSafeInteger(since)) {
    throw new ValidationError(REDRIVE_MARK, 'must be a number of epoch seconds');
  }
  return { build, since: fromEpochSeconds(since) };
}

function indexPositionOf(item: Record<string, unknown>): { pk: string; sk: string; status: string; updated_at: number } {
  return { pk: String(item.pk), sk: String(item.sk), status: String(item.status), updated_at: Number(item.updated_at) };
}
