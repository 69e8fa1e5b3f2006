/**
 * Drops `undefined` properties: DynamoDB items must not hold them, and
 * records compared with `toEqual` across adapters must not differ by them.
 */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
