import { ValidationError } from '../../domain/index.js';

/** A DynamoDB table name: 3 to 255 of A-Z a-z 0-9 _ . - (the DynamoDB API reference). */
export const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
export const TABLE_NAME_RULE = '3-255 of A-Z a-z 0-9 _ . -';

/** Checks a required string argument of an adapter method, naming it when it is missing or empty. */
export function requireText(field: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new ValidationError(field, 'must not be empty');
}

/** Checks a required instant argument of an adapter method, naming it when it is not a valid `Date`. */
export function requireDate(field: string, value: Date): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new ValidationError(field, 'must be a valid Date');
}

/**
 * Checks the repo and env of an environment argument as a recorded build's
 * key would have them (see `parseRecordedBuildKey`): `{repo}/{env}` must
 * split back at its first `/`, and a build id at the first `:` after it.
 */
export function requireEnvironment(repo: string, env: string): void {
  requireText('repo', repo);
  requireText('env', env);
  if (repo.includes('/')) throw new ValidationError('repo', 'must not contain "/"');
  if (env.includes(':')) throw new ValidationError('env', 'must not contain ":"');
}

/** Checks a locking policy argument of an adapter method (`queue` or `supersede`). */
export function requireLockingPolicy(field: string, value: string): void {
  if (value !== 'queue' && value !== 'supersede') throw new ValidationError(field, 'must be "queue" or "supersede"');
}
