import * as z from 'zod/mini';
import { ValidationError } from './orchestrator.errors.js';

/**
 * Parses with a zod schema and turns the first issue into a {@link ValidationError}
 * naming the field by its dotted path, so callers never see raw zod errors.
 */
export function parseWith<T extends z.core.$ZodType>(schema: T, value: unknown): z.output<T> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'value';
  throw new ValidationError(field, issue?.message ?? 'is invalid');
}

/** A string with at least one character. */
export const nonEmptyText = z.string({ error: 'must be a string' }).check(z.minLength(1, { error: 'must not be empty' }));
