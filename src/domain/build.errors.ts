import { buildIdOf, type BuildKey } from './build-key.js';
import type { Build } from './build.js';
import type { BuildStatus } from './build-status.js';
import { OrchestratorError } from './orchestrator.errors.js';

/** The build does not exist in the table. */
export class BuildNotFoundError extends OrchestratorError {
  readonly code = 'BUILD_NOT_FOUND';

  constructor(readonly key: BuildKey) {
    super(`Build ${buildIdOf(key)} does not exist`);
  }
}

/** A build with this key was already recorded; `existing` is the record found. */
export class BuildAlreadyExistsError extends OrchestratorError {
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
  readonly code = 'ILLEGAL_TRANSITION';

  constructor(
    readonly existing: Build,
    readonly to: BuildStatus,
    readonly reason: string,
  ) {
    super(`Build ${buildIdOf(existing)} cannot become ${to}: ${reason}`);
  }
}
