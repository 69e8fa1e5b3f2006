import { runBounded } from './bounded-concurrency.js';

export interface ItemOrderedBatchOptions<T> {
  /** How many items are processed at the same time. */
  readonly concurrency: number;
  /** Records with the same key are processed one after another, in batch order; `undefined` relates to no other record. */
  readonly itemKeyOf: (record: T) => string | undefined;
  /** Resolves `true` when the record is done, `false` when it must be delivered again. */
  readonly process: (record: T) => Promise<boolean>;
}

/**
 * Processes a stream batch: different items concurrently (bounded), the
 * records of one item in order. Once a record of an item must be delivered
 * again, the item's later records are not processed: the stream redelivers
 * from the lowest failed sequence number, and a later change must not be
 * applied before an earlier one.
 *
 * Resolves to the records to deliver again (failed or not processed), in batch order.
 */
export async function processInItemOrder<T>(records: readonly T[], options: ItemOrderedBatchOptions<T>): Promise<T[]> {
  const retry = new Set<number>();
  const tasks = groupByItem(records, options.itemKeyOf).map((indexes) => async () => {
    for (const [position, index] of indexes.entries()) {
      if (await options.process(records[index] as T)) continue;
      for (const skipped of indexes.slice(position)) retry.add(skipped);
      return;
    }
  });
  await runBounded(tasks, options.concurrency);
  return records.filter((_, index) => retry.has(index));
}

/** Indexes of the records of each item, in batch order; an unkeyed record is a group of its own. */
function groupByItem<T>(records: readonly T[], itemKeyOf: (record: T) => string | undefined): number[][] {
  const groups = new Map<string | number, number[]>();
  records.forEach((record, index) => {
    const key = itemKeyOf(record) ?? index;
    const group = groups.get(key);
    if (group) group.push(index);
    else groups.set(key, [index]);
  });
  return [...groups.values()];
}
