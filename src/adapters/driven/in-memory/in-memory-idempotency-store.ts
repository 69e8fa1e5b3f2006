import { withoutUndefined } from '../../../domain/without-undefined.js';
import type { IdempotencyRecord, IdempotencyStart, IdempotencyStore } from '../../../ports/index.js';
import {
  hasCome,
  heldRecordOf,
  mayTakeOver,
  requireCompletion,
  requireHolder,
  wholeSecondUp,
  type HeldRecord,
} from '../idempotency-records.js';

export interface InMemoryIdempotencyStoreOptions {
  /** Delay before each operation, so concurrent callers really interleave. */
  readonly latencyMs?: number;
}

/**
 * An {@link IdempotencyStore} in memory with the port's exact semantics (it
 * passes the same contract suite as the DynamoDB adapter). Each operation
 * checks and writes in one synchronous step, so concurrent async callers see
 * the atomicity of DynamoDB's conditional writes. Like DynamoDB's TTL, it
 * never removes a record by itself when it expires: a record past
 * `expiresAt` stays in {@link records} and counts as absent.
 *
 * Unlike DynamoDB, it sets no size limit on a record (DynamoDB's item limit
 * is 400 KB).
 *
 * @example
 * ```ts
 * const idempotency = new InMemoryIdempotencyStore();
 * const now = new Date('2026-03-01T10:00:00Z');
 * await idempotency.begin({ key: 'redeploy#alice#k1', requestHash: 'h1', status: 'IN_PROGRESS',
 *   expiresAt: new Date('2026-03-02T10:00:00Z'), inProgressUntil: new Date('2026-03-01T10:15:00Z') }, now);
 * // { outcome: 'begun', record: { key: 'redeploy#alice#k1', ... } }
 * ```
 */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly byKey = new Map<string, IdempotencyRecord>();
  private readonly latencyMs: number;

  constructor(options: InMemoryIdempotencyStoreOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Every record kept, by key, expired ones included (as DynamoDB keeps them until its TTL deletes them). */
  get records(): ReadonlyMap<string, IdempotencyRecord> {
    return this.byKey;
  }

  async begin(record: HeldRecord, now: Date): Promise<IdempotencyStart> {
    const wanted = heldRecordOf(record, now);
    await this.pause();
    const found = this.byKey.get(wanted.key);
    // Free: no record, or one past its expiration.
    if (found === undefined || hasCome(found.expiresAt, now)) {
      this.byKey.set(wanted.key, wanted);
      return { outcome: 'begun', record: wanted };
    }
    if (mayTakeOver(found, wanted, now)) {
      // The new hold and expiration; the plan found (the request's own when the record had none).
      const taken: IdempotencyRecord = withoutUndefined({ ...wanted, plan: found.plan ?? wanted.plan });
      this.byKey.set(wanted.key, taken);
      return { outcome: 'taken-over', record: taken };
    }
    return { outcome: 'exists', record: found };
  }

  async complete(key: string, requestHash: string, result: string, expiresAt: Date): Promise<boolean> {
    requireHolder(key, requestHash);
    requireCompletion(result, expiresAt);
    await this.pause();
    const found = this.byKey.get(key);
    if (found?.status !== 'IN_PROGRESS' || found.requestHash !== requestHash) return false;
    this.byKey.set(key, withoutUndefined({ key, requestHash, status: 'COMPLETED' as const, plan: found.plan, result, expiresAt: wholeSecondUp(expiresAt) }));
    return true;
  }

  async release(key: string, requestHash: string): Promise<void> {
    requireHolder(key, requestHash);
    await this.pause();
    const found = this.byKey.get(key);
    if (found?.status === 'IN_PROGRESS' && found.requestHash === requestHash) this.byKey.delete(key);
  }

  private async pause(): Promise<void> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
  }
}
