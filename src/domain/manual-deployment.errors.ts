import { buildIdOf, type BuildKey } from './build-key.js';
import { environmentIdOf } from './environment-lock.js';
import { OrchestratorError } from './orchestrator.errors.js';

/** An environment has no earlier deployed version to roll back to (or the build named is none); `reason` says why. */
export class NothingToRollBackToError extends OrchestratorError {
  static override readonly stableName: string = 'NothingToRollBackToError';
  override readonly name: string = 'NothingToRollBackToError';
  readonly code = 'NOTHING_TO_ROLL_BACK_TO';

  constructor(
    readonly environment: { readonly repo: string; readonly env: string },
    readonly reason: string,
  ) {
    super(`Nothing to roll back to in ${environmentIdOf(environment)}: ${reason}`);
  }
}

/**
 * A build's execution cannot be redriven: Step Functions says so
 * (`redriveStatusReason` quoted), a newer build of its environment has
 * started since (a redrive never puts an older version over a newer one), or
 * it never ran (it has no execution, or did not fail).
 */
export class NotRedrivableError extends OrchestratorError {
  static override readonly stableName: string = 'NotRedrivableError';
  override readonly name: string = 'NotRedrivableError';
  readonly code = 'NOT_REDRIVABLE';

  constructor(
    readonly build: BuildKey,
    readonly reason: string,
  ) {
    super(`Build ${buildIdOf(build)} cannot be redriven: ${reason}`);
  }
}

/** An idempotency key was used before, by the same caller for the same operation, with another request. */
export class IdempotencyKeyReusedError extends OrchestratorError {
  static override readonly stableName: string = 'IdempotencyKeyReusedError';
  override readonly name: string = 'IdempotencyKeyReusedError';
  readonly code = 'IDEMPOTENCY_KEY_REUSED';

  constructor(
    readonly operation: string,
    readonly idempotencyKey: string,
  ) {
    super(`Idempotency key "${idempotencyKey}" was used for another ${operation} request; use a new key for a new request`);
  }
}

/** The first request of an idempotency key is still running: retry after it ends, to get its result. */
export class IdempotentRequestInProgressError extends OrchestratorError {
  static override readonly stableName: string = 'IdempotentRequestInProgressError';
  override readonly name: string = 'IdempotentRequestInProgressError';
  readonly code = 'IDEMPOTENCY_REQUEST_IN_PROGRESS';

  constructor(
    readonly operation: string,
    readonly idempotencyKey: string,
    /** When the first request's hold on the key lapses, if it never ends. */
    readonly retryAfter: Date,
  ) {
    super(`The first ${operation} request with idempotency key "${idempotencyKey}" is still running; retry after it ends`);
  }
}
