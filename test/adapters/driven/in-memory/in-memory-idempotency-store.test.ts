import { describe, expect, it } from 'vitest';
import { InMemoryIdempotencyStore } from '../../../../src/testing.js';
import { describeIdempotencyStoreContract } from '../../../ports/idempotency-store.contract.js';

describeIdempotencyStoreContract('in memory', () => new InMemoryIdempotencyStore());
describeIdempotencyStoreContract('in memory, with latency', () => new InMemoryIdempotencyStore({ latencyMs: 1 }));

describe('InMemoryIdempotencyStore.records', () => {
  it('shows every record kept, an expired one too until it is replaced (as DynamoDB keeps it until its TTL deletes it)', async () => {
    const store = new InMemoryIdempotencyStore();
    const now = new Date('2026-03-01T10:00:00Z');
    const hold = { key: 'redeploy#alice#k1', requestHash: 'h1', status: 'IN_PROGRESS', expiresAt: new Date('2026-03-02T10:00:00Z') } as const;
    await store.begin(hold, now);
    await store.complete(hold.key, hold.requestHash, 'done', new Date('2026-03-01T11:00:00Z'));

    expect([...store.records.values()]).toEqual([
      { key: 'redeploy#alice#k1', requestHash: 'h1', status: 'COMPLETED', result: 'done', expiresAt: new Date('2026-03-01T11:00:00Z') },
    ]);
    expect((await store.begin(hold, new Date('2026-03-01T11:00:00Z'))).outcome).toBe('begun');
    expect(store.records.get(hold.key)).toEqual(hold);
  });
});
