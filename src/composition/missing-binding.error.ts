import { OrchestratorError } from '../domain/index.js';
import { tokenName } from './tokens.js';

/**
 * A container or a module was built without something a service needs. It
 * is thrown while the container is built or a module is loaded, never at the
 * first request, and names the token and what needs it.
 */
export class MissingBindingError extends OrchestratorError {
  static override readonly stableName: string = 'MissingBindingError';
  override readonly name: string = 'MissingBindingError';
  readonly code = 'MISSING_BINDING';

  constructor(
    /** The token nothing is bound to, e.g. `BuildRepository`. */
    readonly token: string,
    neededBy: string,
    hint: string,
  ) {
    super(`${neededBy} needs ${token}, which nothing binds: ${hint}`);
  }

  static of(token: symbol, neededBy: string, hint: string): MissingBindingError {
    return new MissingBindingError(tokenName(token), neededBy, hint);
  }
}
