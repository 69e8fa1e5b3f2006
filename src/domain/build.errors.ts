import { buildIdOf, type BuildKey } from './build-key.js';
import type { Build } from './build.js';
import type { BuildStatus } from './build-status.js';
import { OrchestratorError } from './orchestrator.errors.js';

/** The build does not exist in the table. */
export class BuildNotFoundError extends OrchestratorError {
  static override readonly stableName: string = 'BuildNotFoundError';
  override readonly name: string = 'BuildNotFoundError';
  readonly code = 'BUILD_NOT_FOUND';

  constructor(readonly key: BuildKey) {
    super(`Build ${buildIdOf(key)} does not exist`);
  }
}

/**
 * The build's record exists but does not read as a build (another writer's
 * item, a damaged one): `reason` names the attribute. Such a build can be
 * listed (as skipped, with this reason) and, while `PENDING`, is recorded
 * `FAILED` by trigger-build and the sweeper.
 */
export class BuildUnreadableError extends OrchestratorError {
  static override readonly stableName: string = 'BuildUnreadableError';
  override readonly name: string = 'BuildUnreadableError';
  readonly code = 'BUILD_UNREADABLE';

  constructor(
    readonly key: BuildKey,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Build ${buildIdOf(key)} exists but does not read as a build: ${reason}`, options);
  }
}

/** A build with this key was already recorded; `existing` is the record found. */
export class BuildAlreadyExistsError extends OrchestratorError {
  static override readonly stableName: string = 'BuildAlreadyExistsError';
  override readonly name: string = 'BuildAlreadyExistsError';
  readonly code = 'BUILD_ALREADY_EXISTS';

  constructor(readonly existing: Build) {
    super(`Build ${buildIdOf(existing)} already exists`);
  }
}

/**
 * The transition table forbids the change. Carries the record as it was
 * found, so callers can see what the build became instead.
 */
export class IllegalTransitionError extends OrchestratorError {
  static override readonly stableName: string = 'IllegalTransitionError';
  override readonly name: string = 'IllegalTransitionError';
  readonly code = 'ILLEGAL_TRANSITION';

  constructor(
    readonly existing: Build,
    readonly to: BuildStatus,
    readonly reason: string,
  ) {
    super(`Build ${buildIdOf(existing)} cannot become ${to}: ${reason}`);
  }
}

/**
 * The build's record would pass the store's size limit, so the write was
 * refused. Recording an end never ends here while a smaller form of the write
 * fits (a shorter `error_msg`, then none); this error means the record is too
 * large even for that, because of attributes another writer put on it.
 * `detail`, when the store gives one, says which limit (for DynamoDB: the
 * item and its 400 KB).
 */
export class BuildRecordTooLargeError extends OrchestratorError {
  static override readonly stableName: string = 'BuildRecordTooLargeError';
  override readonly name: string = 'BuildRecordTooLargeError';
  readonly code = 'BUILD_ITEM_TOO_LARGE';

  constructor(
    readonly key: BuildKey,
    options?: { cause?: unknown; detail?: string | undefined },
  ) {
    const detail = options?.detail === undefined ? '' : `: ${options.detail}`;
    super(`Build ${buildIdOf(key)} cannot be written: its record would pass the store's size limit${detail}`, options);
  }
}

/** @deprecated since 0.3.0: use BuildRecordTooLargeError */
export const BuildItemTooLargeError = BuildRecordTooLargeError;
/** @deprecated since 0.3.0: use BuildRecordTooLargeError */
export type BuildItemTooLargeError = BuildRecordTooLargeError;

/**
 * The store cannot list builds by status, which the sweep of open builds
 * needs (it then falls back to recent executions). `detail` says why and what
 * to do, in the store's terms (for DynamoDB: the missing index and how to
 * create it).
 */
export class BuildsByStatusUnavailableError extends OrchestratorError {
  static override readonly stableName: string = 'BuildsByStatusUnavailableError';
  override readonly name: string = 'BuildsByStatusUnavailableError';
  readonly code = 'STATUS_INDEX_MISSING';

  constructor(detail?: string, options?: { cause?: unknown }) {
    super(`The build store cannot list builds by status${detail === undefined ? '' : `: ${detail}`}`, options);
  }
}

/** @deprecated since 0.3.0: use BuildsByStatusUnavailableError */
export const StatusIndexMissingError = BuildsByStatusUnavailableError;
/** @deprecated since 0.3.0: use BuildsByStatusUnavailableError */
export type StatusIndexMissingError = BuildsByStatusUnavailableError;
