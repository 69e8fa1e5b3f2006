import { createHash, randomUUID } from 'node:crypto';
import {
  IdempotencyKeyReusedError,
  IdempotentRequestInProgressError,
  ValidationError,
  fromEpochSeconds,
  toEpochSeconds,
  type Build,
} from '../../domain/index.js';
import type { Clock, IdempotencyStore } from '../../ports/index.js';
import type { ManualDeploymentResult, ManualRequestOptions } from './manual-deployment-result.js';

/** How long a key keeps its first result: a day, as the issue of a retry needs at least. */
export const IDEMPOTENCY_KEY_LIFETIME_SECONDS = 24 * 60 * 60;
/**
 * How long a request holds its key before another may take it over (it
 * crashed, or its Lambda timed out): longer than a request runs (API
 * Gateway gives an integration 30 seconds).
 */
export const IDEMPOTENCY_HOLD_SECONDS = 60;
/** An idempotency key: 1 to 255 visible ASCII characters (a UUID, a ULID, a CI job id...). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** What a request acts on: the plan its key's first request made, and a token for Step Functions. */
export interface RequestTicket {
  /** The plan made when the key was taken (the new build's `sk`), the same for every request of the key; none without `newPlan`. */
  readonly plan: string | undefined;
  /**
   * A `clientToken` for Step Functions (at most 64 characters): the same for
   * every request of one idempotency key, a new one without a key.
   */
  readonly clientToken: string;
}

/**
 * Runs manual deployment requests at most once per idempotency key, scoped
 * to the operation and the caller: a retry with the key gets the first
 * request's result (`replayed`), and creates nothing new, also after a lost
 * answer or a crash between two writes (a request that takes over a lapsed
 * key carries out the same plan, and finds the writes that landed).
 *
 * A refusal (nothing was done) gives the key up, so a retry asks again; an
 * error thrown keeps it held until its hold lapses (the request may have
 * written), and a retry before then is told the first is in progress.
 */
export class IdempotentRequests {
  constructor(
    private readonly store: IdempotencyStore | undefined,
    private readonly clock: Clock,
  ) {}

  /**
   * @param operation `redeploy`, `rollback`, `redrive`, `cancel`.
   * @param request What makes two requests the same (the build, the options): hashed.
   * @param act The request itself, given its ticket.
   * @param newPlan What the request decides before its first write (the new build's key).
   */
  async run(
    operation: string,
    options: ManualRequestOptions,
    request: Readonly<Record<string, unknown>>,
    act: (ticket: RequestTicket) => Promise<ManualDeploymentResult>,
    newPlan?: () => Promise<string>,
  ): Promise<ManualDeploymentResult> {
    const { idempotencyKey } = options;
    if (idempotencyKey === undefined) return act({ plan: await newPlan?.(), clientToken: randomUUID() });
    if (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      return refused(new ValidationError('idempotencyKey', 'must be 1 to 255 visible ASCII characters'));
    }
    if (this.store === undefined) {
      return refused(new ValidationError('idempotencyKey', 'needs an idempotency table, and none is configured (idempotencyTableName)'));
    }
    // The caller's ARN may be 2 KB; its digest keeps the key within DynamoDB's 2,048-byte partition key.
    const key = `${operation}#${digest(options.requestedBy ?? '')}#${idempotencyKey}`;
    const requestHash = digest(JSON.stringify({ operation, requestedBy: options.requestedBy ?? null, ...request }));
    const now = this.clock.now();
    const expiresAt = fromEpochSeconds(toEpochSeconds(now) + IDEMPOTENCY_KEY_LIFETIME_SECONDS);
    const taken = await this.store.begin(
      { key, requestHash, status: 'IN_PROGRESS', plan: await newPlan?.(), expiresAt, inProgressUntil: fromEpochSeconds(toEpochSeconds(now) + IDEMPOTENCY_HOLD_SECONDS) },
      now,
    );
    const { record } = taken;
    if (taken.outcome === 'exists') {
      if (record.requestHash !== requestHash) return refused(new IdempotencyKeyReusedError(operation, idempotencyKey));
      if (record.status === 'IN_PROGRESS' || record.result === undefined) {
        return refused(new IdempotentRequestInProgressError(operation, idempotencyKey, record.inProgressUntil ?? record.expiresAt));
      }
      return { ...deserializeResult(record.result), replayed: true };
    }
    // Every request of the key acts on its first plan, and asks Step Functions with one token.
    const result = await act({ plan: record.plan ?? (await newPlan?.()), clientToken: digest(key).slice(0, 64) });
    if (result.ok) await this.store.complete(key, requestHash, serializeResult(result), expiresAt);
    else await this.store.release(key, requestHash);
    return result;
  }
}

function refused(error: Extract<ManualDeploymentResult, { ok: false }>['error']): ManualDeploymentResult {
  return { ok: false, error };
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const DATE_FIELDS = ['createdAt', 'updatedAt', 'finishedAt', 'unlockedAt', 'redrivenAt'] as const;

function serializeResult(result: Extract<ManualDeploymentResult, { ok: true }>): string {
  return JSON.stringify({ build: result.build, created: result.created });
}

/** A stored result, its build's dates as dates again. */
function deserializeResult(text: string): Extract<ManualDeploymentResult, { ok: true }> {
  const { build, created } = JSON.parse(text) as { build: Record<string, unknown>; created: boolean };
  const revived: Record<string, unknown> = { ...build };
  for (const field of DATE_FIELDS) if (typeof build[field] === 'string') revived[field] = new Date(build[field]);
  return { ok: true, build: revived as unknown as Build, created, replayed: true };
}
