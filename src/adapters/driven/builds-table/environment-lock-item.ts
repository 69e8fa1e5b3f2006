import * as z from 'zod/mini';
import {
  ENVIRONMENT_LOCK_PARTITION,
  ValidationError,
  environmentOfLockKey,
  fromEpochSeconds,
  parseWith,
  partitionKeyOf,
  toEpochSeconds,
  type EnvironmentLock,
} from '../../../domain/index.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';

/**
 * The lock of one environment, one item in the partition
 * {@link ENVIRONMENT_LOCK_PARTITION}. It has no `status` (so it never enters
 * the status index) and its `pk` holds no `/` (so no build partition query
 * and no latest pointer read ever meets it). The Go implementation never
 * reads this partition.
 */
export interface EnvironmentLockItem {
  /** Always `lock`. */
  pk: string;
  /** `{repo}/{env}`. */
  sk: string;
  /** The `sk` of the build that holds it. */
  holder: string;
  policy: 'queue' | 'supersede';
  /** Epoch seconds (N). */
  taken_at: number;
  /** Present (and `true`) only for a lock taken for a build already running. */
  adopted?: boolean;
  /** Present only after a forced cancel of the holder: who; only a release by hand frees the lock. */
  kept_by?: string;
  /** Present (and `true`) only for a lock taken for a person's redrive of the holder. */
  redrive?: boolean;
}

/** The key of an environment's lock item: `pk = lock`, `sk = {repo}/{env}`. */
export function environmentLockKey(environment: { readonly repo: string; readonly env: string }): { pk: string; sk: string } {
  return { pk: ENVIRONMENT_LOCK_PARTITION, sk: partitionKeyOf(environment) };
}

export function toEnvironmentLockItem(lock: EnvironmentLock): EnvironmentLockItem {
  return withoutUndefined({
    ...environmentLockKey(lock),
    holder: lock.holder,
    policy: lock.policy,
    taken_at: toEpochSeconds(lock.takenAt),
    adopted: lock.adopted === true ? true : undefined,
    kept_by: lock.keptBy,
    redrive: lock.redrive === true ? true : undefined,
  });
}

const lockItemSchema = z.object({
  pk: z.literal(ENVIRONMENT_LOCK_PARTITION, { error: `must be "${ENVIRONMENT_LOCK_PARTITION}"` }),
  sk: z.string({ error: 'must be a string' }).check(
    z.refine(
      (sk) => {
        const { repo, env } = environmentOfLockKey(sk);
        return sk.includes('/') && repo.length > 0 && env.length > 0;
      },
      { error: 'must be "{repo}/{env}"' },
    ),
  ),
  holder: z.string({ error: 'must be a string' }).check(z.minLength(1, { error: 'must not be empty' })),
  policy: z.enum(['queue', 'supersede'], { error: 'must be "queue" or "supersede"' }),
  taken_at: z.number({ error: 'must be a number of epoch seconds' }).check(z.int({ error: 'must be whole seconds' })),
  adopted: z.optional(z.boolean({ error: 'must be a boolean' })),
  kept_by: z.optional(z.string({ error: 'must be a string' }).check(z.minLength(1, { error: 'must not be empty' }))),
  redrive: z.optional(z.boolean({ error: 'must be a boolean' })),
});

/**
 * A lock item that does not read as a lock (no `holder`, an unknown
 * `policy`...). Deliberately not a `ValidationError`: callers take that for a
 * build that can never start, and a damaged lock says nothing about the build
 * being claimed. Not retried away either: it is the store's fault, and it
 * stays until the item is repaired or deleted by hand.
 */
export class EnvironmentLockUnreadableError extends Error {
  override readonly name: string = 'EnvironmentLockUnreadableError';

  constructor(
    /** `{repo}/{env}`, the item's sort key. */
    readonly environment: string,
    /** Why, naming the attribute (a `ValidationError`'s message). */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The lock item of ${environment} does not read as an environment lock (${reason}); the environment stays locked ` +
        `until the item (pk "${ENVIRONMENT_LOCK_PARTITION}", sk "${environment}") is repaired or deleted`,
      options,
    );
  }
}

/**
 * Reads a lock item.
 *
 * A lock item that does not read is never taken for a free lock, nor guessed
 * into one (a made-up policy would be a lie, a made-up holder would let the
 * wrong build release it): every read of it throws
 * {@link EnvironmentLockUnreadableError}, a listing reports it as unreadable,
 * and it keeps blocking claims until it is repaired or deleted by hand. A
 * release by the build its `holder` attribute names still works (that
 * write's condition reads only `holder`).
 *
 * @throws EnvironmentLockUnreadableError naming the attribute.
 */
export function fromEnvironmentLockItem(item: Record<string, unknown>): EnvironmentLock {
  try {
    const parsed = parseWith(lockItemSchema, item);
    return withoutUndefined({
      ...environmentOfLockKey(parsed.sk),
      holder: parsed.holder,
      policy: parsed.policy,
      takenAt: fromEpochSeconds(parsed.taken_at),
      adopted: parsed.adopted === true ? true : undefined,
      keptBy: parsed.kept_by,
      redrive: parsed.redrive === true ? true : undefined,
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new EnvironmentLockUnreadableError(String(item.sk), error.message, { cause: error });
  }
}
