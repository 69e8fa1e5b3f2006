import type {
  Build,
  BuildKey,
  BuildNotFoundError,
  BuildUnreadableError,
  EnvironmentBusyError,
  IdempotencyKeyReusedError,
  IdempotentRequestInProgressError,
  IllegalTransitionError,
  NothingToRollBackToError,
  NotRedrivableError,
  ValidationError,
} from '../../domain/index.js';

/** What every manual deployment request carries besides its own fields. */
export interface ManualRequestOptions {
  /**
   * Who asks (an IAM ARN, `local`, a user name): recorded on the builds the
   * request creates (`requestedBy`) or ends (`cancelledBy`, `redrivenBy`),
   * and the scope of `idempotencyKey`. Omitted, nothing names the caller.
   */
  readonly requestedBy?: string | undefined;
  /**
   * Makes a retry safe: a request with a key used before by the same caller
   * for the same operation returns the first request's result and does
   * nothing new (for 24 hours at least). 1 to 255 visible ASCII characters.
   */
  readonly idempotencyKey?: string | undefined;
}

export interface RedeployRequest extends ManualRequestOptions {
  /** The build whose version is deployed again. */
  readonly build: BuildKey;
}

export interface RollbackRequest extends ManualRequestOptions {
  readonly repo: string;
  readonly env: string;
  /** The `sk` of the build to roll back to; by default the environment's previous deployed version. */
  readonly to?: string | undefined;
}

export interface RedriveRequest extends ManualRequestOptions {
  readonly build: BuildKey;
}

export interface CancelRequest extends ManualRequestOptions {
  readonly build: BuildKey;
  /**
   * Also cancel a build that is deploying: its execution is stopped and the
   * build recorded `FAILED`; its environment stays locked until a person
   * runs `unlock` (the stack operation the execution began goes on).
   */
  readonly force?: boolean | undefined;
}

/** An expected refusal of a manual deployment request, returned (never thrown); its `code` is in the error catalogue. */
export type ManualDeploymentRefusal =
  | ValidationError
  | BuildNotFoundError
  | BuildUnreadableError
  | IllegalTransitionError
  | NothingToRollBackToError
  | NotRedrivableError
  | EnvironmentBusyError
  | IdempotencyKeyReusedError
  | IdempotentRequestInProgressError;

/** How a manual deployment request ended. */
export type ManualDeploymentResult =
  | {
      readonly ok: true;
      /** The build the request created (redeploy, rollback) or acted on (redrive, cancel), as recorded then. */
      readonly build: Build;
      /** `true` when the request created `build`. */
      readonly created: boolean;
      /** `true` when this is the result of an earlier request with the same idempotency key: nothing was done now. */
      readonly replayed: boolean;
    }
  | { readonly ok: false; readonly error: ManualDeploymentRefusal };
