/**
 * Base class of every error this module throws on purpose, so callers can tell
 * them apart from programming errors with one `instanceof`. Each one states
 * its `name` as a literal rather than taking its class's: minified bundles
 * rename classes, and the name is what logs, stack traces and Lambda's
 * `errorType` (which the workflow's retry rules match) show.
 */
export abstract class OrchestratorError extends Error {
  abstract readonly code: string;
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
  override readonly name: string = 'ValidationError';
  readonly code = 'VALIDATION_ERROR';

  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Invalid ${field}: ${reason}`);
  }
}
