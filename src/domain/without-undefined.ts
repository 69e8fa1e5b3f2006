/** `T` with every property that may be `undefined` made optional instead, as `withoutUndefined` leaves it. */
export type WithoutUndefined<T> = {
  [K in keyof T as undefined extends T[K] ? never : K]: T[K];
} & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/**
 * Drops `undefined` properties: DynamoDB items must not hold them, and
 * records compared with `toEqual` across adapters must not differ by them.
 */
export function withoutUndefined<T extends object>(value: T): WithoutUndefined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as WithoutUndefined<T>;
}
