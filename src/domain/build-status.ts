/**
 * The lifecycle of a build. `SUCCESS` and `FAILED` are terminal.
 *
 * `PENDING -> SUCCESS | FAILED` exists because an execution can finish and
 * report before its own start was recorded (or could not be started at all).
 */
export const BUILD_STATUSES = ['PENDING', 'IN_PROGRESS', 'SUCCESS', 'FAILED'] as const;

export type BuildStatus = (typeof BUILD_STATUSES)[number];

export type TerminalStatus = Extract<BuildStatus, 'SUCCESS' | 'FAILED'>;

export const TERMINAL_STATUSES: readonly TerminalStatus[] = ['SUCCESS', 'FAILED'];

/**
 * The one transition table. Every adapter derives its conditional writes from
 * it; nothing else in the code base decides which status may follow which.
 */
const TRANSITIONS: Readonly<Record<BuildStatus, readonly BuildStatus[]>> = {
  PENDING: ['IN_PROGRESS', 'SUCCESS', 'FAILED'],
  IN_PROGRESS: ['SUCCESS', 'FAILED'],
  SUCCESS: [],
  FAILED: [],
};

export function isBuildStatus(value: unknown): value is BuildStatus {
  return typeof value === 'string' && (BUILD_STATUSES as readonly string[]).includes(value);
}

export function isTerminal(status: BuildStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly BuildStatus[]).includes(status);
}

/**
 * The one exception to "terminal is terminal". Step Functions can redrive a
 * `FAILED` (or timed out, aborted) STANDARD execution: it runs again from the
 * failed state, under the same ARN, and may then succeed. Only then, when
 * `DescribeExecution` shows `redriveCount > 0` and `SUCCEEDED`, may a `FAILED`
 * build become `SUCCESS`. A callback, an operator or a replayed event can
 * never use this row: only reconciliation, which asks Step Functions, sets
 * `redriven`.
 */
const REDRIVE_TRANSITIONS: Readonly<Partial<Record<BuildStatus, readonly BuildStatus[]>>> = {
  FAILED: ['SUCCESS'],
};

/** How a transition comes about: `redriven` when a redriven execution succeeded (see above). */
export interface TransitionCause {
  readonly redriven?: boolean;
}

export function canTransition(from: BuildStatus, to: BuildStatus, cause: TransitionCause = {}): boolean {
  if (TRANSITIONS[from].includes(to)) return true;
  return cause.redriven === true && (REDRIVE_TRANSITIONS[from]?.includes(to) ?? false);
}

/** The statuses a build may be in for a write to move it to `to`. */
export function statusesThatMayBecome(to: BuildStatus, cause: TransitionCause = {}): BuildStatus[] {
  return BUILD_STATUSES.filter((from) => canTransition(from, to, cause));
}
