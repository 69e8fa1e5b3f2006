/**
 * One idempotency key's record: what the first request with the key asked
 * (`requestHash`), what it planned before acting, and, once it ended, its
 * result. Kept at least until `expiresAt` (then the store deletes it by
 * itself); a record past `expiresAt` is treated as absent.
 */
export interface IdempotencyRecord {
  /** The key, scoped by the caller to the operation and who asked (`{operation}#{caller}#{key}`). */
  readonly key: string;
  /** A digest of the request; the same key with another request is refused. */
  readonly requestHash: string;
  readonly status: 'IN_PROGRESS' | 'COMPLETED';
  /**
   * What the first request decided before its first write (the new build's
   * `sk`), so a request that takes the key over after a crash does the very
   * same thing, and a write that already landed is found, never repeated.
   */
  readonly plan?: string | undefined;
  /** The first request's result, serialised; present once `COMPLETED`. */
  readonly result?: string | undefined;
  /**
   * When the record lapses: at least 24 hours after it was taken. Kept in
   * whole seconds, rounded up (so never before the instant given).
   */
  readonly expiresAt: Date;
  /**
   * `IN_PROGRESS`: when the request's hold on the key lapses, if it never ends
   * (a crash); whole seconds, rounded up. Make it outlast the request (e.g.
   * the Lambda function's timeout): a request that takes the key over cannot
   * be told apart from the one it took it from (same key, same
   * `requestHash`). Absent, the hold lasts until `expiresAt`.
   */
  readonly inProgressUntil?: Date | undefined;
}

/** How taking a key ended (see {@link IdempotencyStore.begin}). */
export type IdempotencyStart =
  /** The key was free (or its record had lapsed): this request holds it now. */
  | { readonly outcome: 'begun'; readonly record: IdempotencyRecord }
  /**
   * The key's first request stopped holding it before it ended (a crash, a
   * timeout): this request holds it now, and carries on with the record's
   * `plan` (as found).
   */
  | { readonly outcome: 'taken-over'; readonly record: IdempotencyRecord }
  /** Another request holds the key, or has ended: nothing was written; the record as found. */
  | { readonly outcome: 'exists'; readonly record: IdempotencyRecord };

/**
 * Where idempotency keys are kept. Every write is conditional, so two
 * requests with one key never both hold it.
 */
export interface IdempotencyStore {
  /**
   * Takes `record.key` for a request (`IN_PROGRESS`) unless a live record
   * holds it: one past `expiresAt` (`expiresAt <= now`) counts as absent,
   * even while the store still keeps it; an `IN_PROGRESS` one past
   * `inProgressUntil` with the same `requestHash` is taken over: the record
   * gets `record`'s `expiresAt` and `inProgressUntil`, and keeps its `plan`
   * (`record.plan` only when it had none). Otherwise `exists` with the record
   * found, whatever its `requestHash` (the caller decides), and nothing is
   * written. Of concurrent requests with one key, one begins or takes over.
   *
   * `record.expiresAt` and `record.inProgressUntil` must be after `now`, and
   * `record` has no `result` (a `ValidationError` otherwise).
   */
  begin(record: IdempotencyRecord & { readonly status: 'IN_PROGRESS' }, now: Date): Promise<IdempotencyStart>;

  /**
   * Records the request's result (`COMPLETED`, `plan` kept, the hold gone,
   * `expiresAt` new), only while the key is held (`IN_PROGRESS`) with
   * `requestHash`; `false` when it is not (released, completed already, or
   * taken afresh by another request after the record expired) and nothing
   * was written. A request whose hold was taken over by a request with the
   * same `requestHash` still completes: the store cannot tell the two apart,
   * and the first to complete records the result (see `inProgressUntil`).
   */
  complete(key: string, requestHash: string, result: string, expiresAt: Date): Promise<boolean>;

  /**
   * Gives the key up (deletes its `IN_PROGRESS` record with `requestHash`):
   * the request did nothing (it was refused, or failed before writing), so a
   * retry may run it again. A `COMPLETED` record, another request's record,
   * or none: nothing is done.
   */
  release(key: string, requestHash: string): Promise<void>;
}
