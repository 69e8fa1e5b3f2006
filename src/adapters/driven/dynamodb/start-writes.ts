import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  BuildNotFoundError,
  BuildRecordTooLargeError,
  buildIdOf,
  parseRecordedBuildKey,
  startEffect,
  toEpochSeconds,
  toWholeSecond,
  type BuildKey,
} from '../../../domain/index.js';
import type { ClaimOptions, ReleaseOptions, StartClaim, StartFailureOptions, StartFailureRecord, StartRecord } from '../../../ports/index.js';
import { requireDate, requireLockingPolicy, requireText } from '../arguments.js';
import { buildItemKey, fromBuildItem, latestPointerItem } from '../builds-table/build-item.js';
import { toEnvironmentLockItem } from '../builds-table/environment-lock-item.js';
import type { CompletionWrites } from './completion-writes.js';
import { readItem, type BuildsTable } from './builds-table-access.js';
import {
  MAX_TRANSACTION_ATTEMPTS,
  backOff,
  existingBuild,
  isTransactionConflict,
  writeAlone,
  writeWithPointer,
  type BuildWrite,
  type WriteResult,
} from './conditional-writes.js';
import { isItemTooLarge, isItemTooLargeReason, itemTooLargeError } from './dynamodb-errors.js';
import type { EnvironmentLineReads } from './environment-line.js';
import { WAITING_FOR, lockFrom, readEnvironmentLock } from './environment-locks.js';
import { itemFrom } from './item-from.js';
import { START_ATTEMPT } from './reason-forms.js';
import { MAX_RESOLUTION_ROUNDS, hasEnded, mayBecome } from './status-conditions.js';

type EnvironmentLockClaim = NonNullable<ClaimOptions['environmentLock']>;

/**
 * The writes of a start: the claim an attempt takes on a `PENDING` build
 * (with its environment's lock, under a locking policy), the failure only
 * the claim holder may record, and the start itself (`PENDING -> IN_PROGRESS`
 * with the execution ARN).
 */
export class StartWrites {
  constructor(
    private readonly table: BuildsTable,
    private readonly completions: CompletionWrites,
    private readonly lines: EnvironmentLineReads,
  ) {}

  async claimStart(key: BuildKey, attempt: string, options: ClaimOptions = {}): Promise<StartClaim> {
    const valid = parseRecordedBuildKey(key);
    requireText('attempt', attempt);
    if (options.environmentLock !== undefined) return this.claimWithLock(valid, attempt, options.environmentLock);
    try {
      const { Attributes } = await this.table.client.send(
        new UpdateCommand({
          ...this.claimWrite(valid, attempt),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true, build: fromBuildItem(Attributes ?? {}) };
    } catch (error) {
      if (isItemTooLarge(error)) throw itemTooLargeError(valid, error);
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Current DynamoDB returns the item; DynamoDB Local ignores the request, so read it.
      const existing = error.Item ? itemFrom(error.Item) : await readItem(this.table, valid);
      return { claimed: false, build: existing && fromBuildItem(existing) };
    }
  }

  /**
   * The claim and the environment's lock in one transaction: the build is
   * claimed only with the lock, and the lock is taken only with the claim.
   * Then the environment's line, read after the lock was taken, so no build
   * of the environment can start or end in between (2 calls: the
   * transaction and a query).
   */
  private async claimWithLock(key: BuildKey, attempt: string, lock: EnvironmentLockClaim): Promise<StartClaim> {
    requireLockingPolicy('environmentLock.policy', lock.policy);
    requireDate('environmentLock.at', lock.at);
    if (lock.handOverFrom !== undefined) requireText('environmentLock.handOverFrom', lock.handOverFrom);
    const handOver = lock.handOverFrom === undefined ? {} : { ':from': lock.handOverFrom };
    const lockItem = toEnvironmentLockItem({ repo: key.repo, env: key.env, holder: key.sk, policy: lock.policy, takenAt: toWholeSecond(lock.at) });
    for (let conflicts = 1; ; ) {
      try {
        await this.table.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: { ...this.claimWrite(key, attempt), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
              {
                Put: {
                  TableName: this.table.tableName,
                  Item: lockItem,
                  // Guards: the lock is free, or this build's already (a retried claim), or held by the build
                  // that hands it over to this one; another holder keeps it.
                  ConditionExpression: `attribute_not_exists(pk) OR holder = :sk${lock.handOverFrom === undefined ? '' : ' OR holder = :from'}`,
                  ExpressionAttributeValues: { ':sk': key.sk, ...handOver },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
            ],
          }),
        );
        break;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [buildReason, lockReason] = error.CancellationReasons ?? [];
        if (isItemTooLargeReason(buildReason)) throw itemTooLargeError(key, error);
        // A build that is not PENDING (or is missing) is answered first, whatever the lock.
        if (buildReason?.Code === 'ConditionalCheckFailed') {
          return { claimed: false, build: buildReason.Item ? fromBuildItem(itemFrom(buildReason.Item)) : undefined };
        }
        if (buildReason?.Code === 'None' && lockReason?.Code === 'ConditionalCheckFailed') {
          // DynamoDB returns the lock inside a transaction; should it not, read it (released since: try again).
          const busy = lockReason.Item ? lockFrom(lockReason.Item) : await readEnvironmentLock(this.table, key);
          if (busy !== undefined) return { claimed: false, build: undefined, busy };
        } else if (!isTransactionConflict(error)) throw error;
        if (conflicts >= MAX_TRANSACTION_ATTEMPTS) throw error;
        await backOff(conflicts);
        conflicts += 1;
      }
    }
    const { line, itemAtFrom } = await this.lines.read(key.repo, key.env, key.sk);
    if (line.build !== undefined) return { claimed: true, build: line.build, line };
    // Claimed, yet not read back as a build: say why (a ValidationError naming the attribute), or that it is gone.
    if (itemAtFrom !== undefined) fromBuildItem(itemAtFrom);
    throw new BuildNotFoundError(key);
  }

  /** The claim's write: the attempt recorded on the build. */
  private claimWrite(key: BuildKey, attempt: string) {
    return {
      TableName: this.table.tableName,
      Key: buildItemKey(key),
      UpdateExpression: `SET ${START_ATTEMPT} = :attempt`,
      // Guards: only a PENDING build can be claimed for a start (and a missing one never is).
      ConditionExpression: '#status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':attempt': attempt, ':pending': 'PENDING' },
    };
  }

  async recordStartFailure(key: BuildKey, attempt: string, reason: string, at: Date, options: StartFailureOptions = {}): Promise<StartFailureRecord> {
    requireText('attempt', attempt);
    // Guards: no start was recorded, and no other attempt claimed the build since this one did.
    const guard = { expression: `#status = :pending AND ${START_ATTEMPT} = :attempt`, values: { ':pending': 'PENDING', ':attempt': attempt } };
    return this.completions.failPendingBuild(key, reason, at, guard, options);
  }

  async recordUnstartable(key: BuildKey, reason: string, at: Date, options: ReleaseOptions = {}): Promise<StartFailureRecord> {
    // Guards: the build is still PENDING; one that started or ended is never failed by its old record.
    return this.completions.failPendingBuild(key, reason, at, { expression: '#status = :pending', values: { ':pending': 'PENDING' } }, options);
  }

  async recordStart(key: BuildKey, executionArn: string, at: Date): Promise<StartRecord> {
    const valid = parseRecordedBuildKey(key);
    requireText('executionArn', executionArn);
    let result = await this.writeStartThatFits(valid, executionArn, at);
    for (let round = 0; round < MAX_RESOLUTION_ROUNDS; round += 1) {
      if (result.written) return { outcome: 'started', status: 'IN_PROGRESS', executionArn };
      const build = existingBuild(valid, result.existing);
      const effect = startEffect(build, executionArn);
      switch (effect.kind) {
        case 'unchanged':
          return { outcome: 'already-started', status: build.status, executionArn };
        case 'illegal':
          return { outcome: 'refused', status: build.status, build, reason: effect.reason };
        case 'attach-arn':
          result = await writeAlone(this.table, valid, this.attachArnWrite(valid, executionArn, at));
          if (result.written) return { outcome: 'arn-attached', status: build.status, executionArn };
          break;
        case 'transition':
          result = await this.writeStartThatFits(valid, executionArn, at);
          break;
      }
    }
    throw new Error(`Build ${buildIdOf(valid)} kept changing while its start was recorded`);
  }

  /**
   * The start with its ARN; when the item has no room for the ARN (another
   * writer filled it near DynamoDB's 400 KB item limit), the start without it,
   * dropping the claim's `start_attempt`, which frees more than the status
   * grows: the execution runs, so the build must not stay `PENDING`. The
   * build's execution is then found by its derived name, and its end lands
   * (see CompletionWrites: its smallest forms write no ARN either).
   */
  private async writeStartThatFits(key: BuildKey, executionArn: string, at: Date): Promise<WriteResult> {
    const pointer = latestPointerItem(key, 'IN_PROGRESS', at);
    try {
      return await writeWithPointer(this.table, key, this.startWrite(key, executionArn, at, 'with-arn'), pointer);
    } catch (error) {
      if (!(error instanceof BuildRecordTooLargeError)) throw error;
      return writeWithPointer(this.table, key, this.startWrite(key, executionArn, at, 'without-arn'), pointer);
    }
  }

  private startWrite(key: BuildKey, executionArn: string, at: Date, shape: 'with-arn' | 'without-arn'): BuildWrite {
    const from = mayBecome('IN_PROGRESS');
    const withArn = shape === 'with-arn';
    return {
      Update: {
        TableName: this.table.tableName,
        Key: buildItemKey(key),
        // A started build waits for nothing: its waiting mark goes with the start.
        UpdateExpression: withArn
          ? `SET #status = :to, execution_arn = :arn, updated_at = :at REMOVE ${WAITING_FOR}`
          : `SET #status = :to, updated_at = :at REMOVE ${START_ATTEMPT}, ${WAITING_FOR}`,
        // Guards: the table allows IN_PROGRESS from the build's current status (PENDING).
        ConditionExpression: from.expression,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...from.values, ':to': 'IN_PROGRESS', ':at': toEpochSeconds(at), ...(withArn ? { ':arn': executionArn } : {}) },
      },
    };
  }

  private attachArnWrite(key: BuildKey, executionArn: string, at: Date): BuildWrite {
    const terminal = hasEnded();
    return {
      Update: {
        TableName: this.table.tableName,
        Key: buildItemKey(key),
        UpdateExpression: 'SET execution_arn = :arn, updated_at = :at',
        // Guards: the build finished before its start was recorded and records no execution yet
        // (a writer may leave an empty string; `size` avoids an empty-string value, which
        // DynamoDB Local 1.x refuses).
        ConditionExpression: `${terminal.expression} AND (attribute_not_exists(execution_arn) OR size(execution_arn) = :empty)`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...terminal.values, ':arn': executionArn, ':at': toEpochSeconds(at), ':empty': 0 },
      },
    };
  }
}
