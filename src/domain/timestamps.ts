/**
 * Build timestamps travel as epoch seconds (the Go implementation's unit), so
 * every adapter keeps whole seconds; a fake that kept milliseconds would drift
 * from DynamoDB.
 */
export function toEpochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

export function fromEpochSeconds(seconds: number): Date {
  return new Date(seconds * 1000);
}

export function toWholeSecond(date: Date): Date {
  return fromEpochSeconds(toEpochSeconds(date));
}
