// DynamoDB's refusals, told apart and restated as the module's errors, with
// the DynamoDB facts an operator needs in their messages.
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { BuildRecordTooLargeError, BuildsByStatusUnavailableError, type BuildKey } from '../../../domain/index.js';

/**
 * A write DynamoDB refused because the item would pass its 400 KB limit
 * (attribute names and values, UTF-8), said in DynamoDB's terms.
 */
export function itemTooLargeError(key: BuildKey, cause: unknown): BuildRecordTooLargeError {
  return new BuildRecordTooLargeError(key, {
    cause,
    detail: "its DynamoDB item would pass DynamoDB's 400 KB item size limit (attribute names and values count, in UTF-8)",
  });
}

/**
 * The table has no status index for `listBuildsByStatus` to query: the
 * message names the index, its key schema, and how to add it.
 */
export function statusIndexMissingError(indexName: string, cause: unknown): BuildsByStatusUnavailableError {
  return new BuildsByStatusUnavailableError(
    `the builds table has no index ${indexName} (a global secondary index: partition key status S, sort key updated_at N, ` +
      'projection ALL). Add it with UpdateTable; it builds online, and every build item already carries both attributes',
    { cause },
  );
}

function isItemSizeMessage(message: string | undefined): boolean {
  return message !== undefined && /item size/i.test(message);
}

/** A single write DynamoDB refused because the item would pass 400 KB (a `ValidationException`). */
export function isItemTooLarge(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationException' && isItemSizeMessage(error.message);
}

/** The same refusal inside a transaction: the reference lists the 400 KB refusal as a `ValidationError` cancellation reason. */
export function isItemTooLargeReason(reason: CancellationReason | undefined): boolean {
  return reason?.Code === 'ValidationError' && isItemSizeMessage(reason.Message);
}

/** DynamoDB's answer to a query of an index the table does not have. */
export function isMissingIndex(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationException' && /index/i.test(error.message);
}
