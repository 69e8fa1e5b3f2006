// The write conditions that come from the domain's transition table: a status
// write is guarded by "the build's status is one the table lets become the
// target", checked by DynamoDB atomically with the write (never read-then-write).
import { TERMINAL_STATUSES, statusesThatMayBecome, type BuildStatus, type TransitionCause } from '../../../domain/index.js';

// States only move forward, so a refused write needs at most one more round per status.
export const MAX_RESOLUTION_ROUNDS = 4;

/** A condition expression and its values; `#status` stands for the `status` attribute. */
export interface Condition {
  readonly expression: string;
  readonly values: Record<string, unknown>;
}

/** The build's status is one of `statuses`. */
export function statusIn(statuses: readonly BuildStatus[]): Condition {
  const values = Object.fromEntries(statuses.map((status, index) => [`:from${index}`, status]));
  return { expression: `#status IN (${Object.keys(values).join(', ')})`, values };
}

/** The transition table allows `to` from the build's current status (`FAILED -> SUCCESS` only for a redriven completion). */
export function mayBecome(to: BuildStatus, cause: TransitionCause = {}): Condition {
  return statusIn(statusesThatMayBecome(to, cause));
}

/** The build has ended (`SUCCESS` or `FAILED`). */
export function hasEnded(): Condition {
  return statusIn(TERMINAL_STATUSES);
}
