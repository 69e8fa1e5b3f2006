import { ValidationError } from '../domain/index.js';

/** Checks a required string argument of an adapter method, naming it when it is missing or empty. */
export function requireText(field: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new ValidationError(field, 'must not be empty');
}
