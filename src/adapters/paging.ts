import { ValidationError } from '../domain/index.js';

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

export function encodeCursor(sk: string): string {
  return Buffer.from(JSON.stringify({ sk }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'sk' in parsed && typeof parsed.sk === 'string') {
      return parsed.sk;
    }
  } catch {
    // fall through to the typed error below
  }
  throw new ValidationError('cursor', 'is not a cursor this repository returned');
}
