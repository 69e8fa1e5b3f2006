import { ValidationError } from '../../domain/index.js';

const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 1000;

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError('limit', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
}

/** DynamoDB orders strings by their UTF-8 bytes, not by UTF-16 code units as `<` does. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Where a page stopped: the fields of the last item that order the listing. */
export type Position = Readonly<Record<string, string | number>>;

/** A cursor carrying a position; opaque to callers. */
export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** Reads a cursor back into a position with exactly these fields and types, or throws a `ValidationError` naming `cursor`. */
export function decodeCursor<F extends Readonly<Record<string, 'string' | 'number'>>>(
  cursor: string,
  fields: F,
): { readonly [K in keyof F]: F[K] extends 'number' ? number : string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      Object.entries(fields).every(([name, type]) => typeof (parsed as Record<string, unknown>)[name] === type)
    ) {
      return parsed as { readonly [K in keyof F]: F[K] extends 'number' ? number : string };
    }
  } catch {
    // fall through to the typed error below
  }
  throw new ValidationError('cursor', 'is not a cursor this repository returned');
}
