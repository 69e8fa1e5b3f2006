import { buildIdOf, type BuildKey } from './build-key.js';
import type { Build } from './build.js';
import type { BuildStatus } from './build-status.js';
import { OrchestratorError } from './orchestrator.errors.js';

/** The build does not exist in the table. */
export class BuildNotFoundError extends OrchestratorError {
  override readonly name: string = 'BuildNotFoundError';
  readonly code = 'BUILD_NOT_FOUND';

  constructor(readonly key: BuildKey) {
    super(`Build ${buildIdOf(key)} does not exist`);
  }
}

/** A build with this key was already recorded; `existing` is the record found. */
export class BuildAlreadyExistsError extends OrchestratorError {
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
 * DynamoDB refused a write because the build's item would pass its 400 KB
 * limit. Recording an end never ends here while a smaller form of the write
 * fits (a shorter `error_msg`, then none); this error means the item is too
 * large even for that, because of attributes another writer put on it.
 */
export class BuildItemTooLargeError extends OrchestratorError {
  override readonly name: string = 'BuildItemTooLargeError';
  readonly code = 'BUILD_ITEM_TOO_LARGE';

  constructor(
    readonly key: BuildKey,
    options?: { cause?: unknown },
  ) {
    super(`Build ${buildIdOf(key)} cannot be written: its item would pass DynamoDB's 400 KB limit`, options);
  }
}

/**
 * The builds table has no status index (partition key `status`, sort key
 * `updated_at`), which the sweep of open builds queries. Create it, online:
 * every item already carries both attributes.
 */
export class StatusIndexMissingError extends OrchestratorError {
  override readonly name: string = 'StatusIndexMissingError';
  readonly code = 'STATUS_INDEX_MISSING';

  constructor(
    readonly indexName: string,
    options?: { cause?: unknown },
  ) {
    super(`The builds table has no index ${indexName} (partition key status, sort key updated_at)`, options);
  }
}
