/**
 * Base class of every error this module throws on purpose, so callers can tell
 * them apart from programming errors with one `instanceof`.
 */
export abstract class OrchestratorError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Input that breaks a domain rule. `field` names the offending field in the
 * caller's terms (`repo`, `commitHash`, `input`, ...) so the message can be
 * shown as is.
 *
 * @example
 * ```ts
 * try {
 *   parseBuildKey({ repo: 'my/app', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy' });
 * } catch (error) {
 *   if (error instanceof ValidationError) console.log(error.field); // 'repo'
 * }
 * ```
 */
export class ValidationError extends OrchestratorError {
  readonly code = 'VALIDATION_ERROR';

  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Invalid ${field}: ${reason}`);
  }
}
