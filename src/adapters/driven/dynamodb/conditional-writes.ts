import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { BuildNotFoundError, type Build, type BuildKey } from '../../../domain/index.js';
import { fromBuildItem, type LatestPointerItem } from '../builds-table/build-item.js';
import { readItem, type BuildsTable } from './builds-table-access.js';
import { isItemTooLarge, isItemTooLargeReason, itemTooLargeError } from './dynamodb-errors.js';
import { itemFrom } from './item-from.js';

/** One conditional write of a transaction: a build item's `Update` or `Put`, or a companion's (`Put` of a pointer, `Delete` of a lock). */
export type BuildWrite = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A conditional write landed, or was refused; `existing` is the item as the refusal found it (absent: no item). */
export type WriteResult = { readonly written: true } | { readonly written: false; readonly existing?: Record<string, unknown> };

// Another transaction on the same item cancels ours with TransactionConflict;
// the SDK does not retry that, so we do, briefly.
export const MAX_TRANSACTION_ATTEMPTS = 5;

/** The build a refused write found, or `BuildNotFoundError` when it found no item. */
export function existingBuild(key: BuildKey, existing: Record<string, unknown> | undefined): Build {
  if (!existing) throw new BuildNotFoundError(key);
  return fromBuildItem(existing);
}

/**
 * Writes a status change and the latest pointer in one transaction, with any
 * `companions` (e.g. the release of the environment's lock). The pointer and
 * each companion are conditional too, but only the status change must land:
 * when only their conditions fail (a newer build holds the pointer, another
 * build holds the lock), the status change is written again without them,
 * alone when none is left.
 */
export async function writeWithPointer(
  table: BuildsTable,
  key: BuildKey,
  write: BuildWrite,
  pointer: LatestPointerItem,
  companions: readonly BuildWrite[] = [],
): Promise<WriteResult> {
  const pointerWrite: BuildWrite = {
    Put: {
      TableName: table.tableName,
      Item: pointer,
      // Guards: the pointer never moves back to an older build. Ids of one pointer share
      // the prefix "{repo}/{env}:", so string order is KSUID order.
      ConditionExpression: 'attribute_not_exists(id) OR id <= :id',
      ExpressionAttributeValues: { ':id': pointer.id },
    },
  };
  let optional: readonly BuildWrite[] = [pointerWrite, ...companions];
  for (let attempt = 1; ; ) {
    if (optional.length === 0) return writeAlone(table, key, write);
    try {
      await table.client.send(new TransactWriteCommand({ TransactItems: [withOldItemOnFailure(write), ...optional] }));
      return { written: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [buildReason, ...optionalReasons] = error.CancellationReasons ?? [];
      if (isItemTooLargeReason(buildReason)) throw itemTooLargeError(key, error);
      if (buildReason?.Code === 'ConditionalCheckFailed') {
        return { written: false, ...existingFrom(buildReason.Item) };
      }
      const refused = optional.filter((_, index) => optionalReasons[index]?.Code === 'ConditionalCheckFailed');
      if (buildReason?.Code === 'None' && refused.length > 0) {
        optional = optional.filter((companion) => !refused.includes(companion));
        continue;
      }
      if (!isTransactionConflict(error) || attempt >= MAX_TRANSACTION_ATTEMPTS) throw error;
      await backOff(attempt);
      attempt += 1;
    }
  }
}

/** Another transaction on one of the items cancelled this one: worth a brief retry (the SDK does not). */
export function isTransactionConflict(error: TransactionCanceledException): boolean {
  return (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict');
}

/** Waits before retrying a transaction `attempt` that a conflict cancelled, longer each time. */
export async function backOff(attempt: number): Promise<void> {
  await sleep(Math.random() * 25 * 2 ** attempt);
}

/** The same conditional write without the pointer. */
export async function writeAlone(table: BuildsTable, key: BuildKey, write: BuildWrite): Promise<WriteResult> {
  try {
    if (write.Update) await table.client.send(new UpdateCommand(withOldItemOnFailure(write).Update!));
    else if (write.Put) await table.client.send(new PutCommand(withOldItemOnFailure(write).Put!));
    else throw new Error('Only Put and Update build writes exist');
    return { written: true };
  } catch (error) {
    if (isItemTooLarge(error)) throw itemTooLargeError(key, error);
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // Current DynamoDB returns the item; DynamoDB Local ignores the request, so read it.
    const existing = error.Item ? itemFrom(error.Item) : await readItem(table, key);
    return { written: false, ...(existing ? { existing } : {}) };
  }
}

function withOldItemOnFailure(write: BuildWrite): BuildWrite {
  if (write.Update) return { Update: { ...write.Update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  if (write.Put) return { Put: { ...write.Put, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  return write;
}

function existingFrom(item: unknown): { existing?: Record<string, unknown> } {
  return item ? { existing: itemFrom(item) } : {};
}
