import type { Clock } from '../../../ports/index.js';

/**
 * A clock that moves only when told to, for tests.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
 * clock.advance(30_000);
 * clock.now(); // 2026-01-01T00:00:30Z
 * ```
 */
export class ManualClock implements Clock {
  private current: Date;

  constructor(start: Date = new Date('2026-01-01T00:00:00Z')) {
    this.current = new Date(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(milliseconds: number): void {
    this.current = new Date(this.current.getTime() + milliseconds);
  }

  set(date: Date): void {
    this.current = new Date(date);
  }
}
