// DynamoDB's item size limit and a cautious estimate of an item's size, for
// tests that push items to that limit.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** DynamoDB's limit: 400 KB, attribute names and values counted (UTF-8). */
export const ITEM_LIMIT_BYTES = 400 * 1024;

/**
 * An item's size, over-estimating numbers (DynamoDB stores about one byte per
 * two digits), so an item padded with it always fits.
 */
export function approximateItemBytes(item: Readonly<Record<string, AttributeValue>>): number {
  return Object.entries(item).reduce(
    (bytes, [name, value]) =>
      bytes + Buffer.byteLength(name) + (value.S !== undefined ? Buffer.byteLength(value.S) : (value.N?.length ?? 0) + 1),
    0,
  );
}

/** The item with a `notes` attribute that leaves `free` bytes (or a few more) below the limit. */
export function paddedToLimit(
  item: Readonly<Record<string, AttributeValue>>,
  free: number,
): Record<string, AttributeValue> {
  const { notes: _notes, ...rest } = item;
  const length = ITEM_LIMIT_BYTES - approximateItemBytes(rest) - 'notes'.length - free;
  return { ...rest, notes: { S: 'n'.repeat(Math.max(length, 0)) } };
}
