import { ValidationError, parseBuildId, type BuildKey } from '../../../../domain/index.js';

/** Reads the `<build-id>` argument; a malformed one is reported as `build-id`, a bad part by its name. */
export function parseBuildIdArgument(value: string | undefined): BuildKey {
  try {
    return parseBuildId(value ?? '');
  } catch (error) {
    if (error instanceof ValidationError && error.field === 'id') throw new ValidationError('build-id', error.reason);
    throw error;
  }
}
