import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { processInItemOrder } from '../../../../../src/adapters/driving/lambda/batch/item-ordered-batch.js';

interface Rec {
  readonly id: string;
  readonly item?: string;
  readonly fails?: boolean;
}

/** Processes records with a small delay and keeps a timeline of starts and ends. */
function aTimeline() {
  const events: string[] = [];
  const process = async (record: Rec): Promise<boolean> => {
    events.push(`start ${record.id}`);
    await sleep(5);
    events.push(`end ${record.id}`);
    return !record.fails;
  };
  return { events, process, itemKeyOf: (record: Rec) => record.item };
}

describe('processInItemOrder', () => {
  it('processes the records of one item one after another, in batch order, and other items alongside', async () => {
    const { events, process, itemKeyOf } = aTimeline();
    const records: Rec[] = [
      { id: 'a1', item: 'a' },
      { id: 'b1', item: 'b' },
      { id: 'a2', item: 'a' },
    ];

    await processInItemOrder(records, { concurrency: 10, itemKeyOf, process });

    expect(events.indexOf('start a2')).toBeGreaterThan(events.indexOf('end a1'));
    expect(events.indexOf('start b1')).toBeLessThan(events.indexOf('end a1'));
  });

  it('returns the failed record and the later records of its item, unprocessed, in batch order', async () => {
    const { events, process, itemKeyOf } = aTimeline();
    const records: Rec[] = [
      { id: 'a1', item: 'a' },
      { id: 'b1', item: 'b', fails: true },
      { id: 'a2', item: 'a' },
      { id: 'b2', item: 'b' },
      { id: 'b3', item: 'b' },
    ];

    const retry = await processInItemOrder(records, { concurrency: 10, itemKeyOf, process });

    expect(retry.map((record) => record.id)).toEqual(['b1', 'b2', 'b3']);
    expect(events).not.toContain('start b2');
    expect(events).toContain('end a2');
  });

  it('treats records without an item key as unrelated to each other', async () => {
    const { events, process, itemKeyOf } = aTimeline();

    await processInItemOrder([{ id: 'x' }, { id: 'y' }], { concurrency: 10, itemKeyOf, process });

    expect(events.slice(0, 2)).toEqual(['start x', 'start y']);
  });

  it('keeps at most `concurrency` items in flight', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const records = Array.from({ length: 12 }, (_, index) => ({ id: String(index), item: String(index) }));

    await processInItemOrder(records, {
      concurrency: 4,
      itemKeyOf: (record) => record.item,
      process: async () => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(2);
        inFlight -= 1;
        return true;
      },
    });

    expect(maxInFlight).toBe(4);
  });
});
