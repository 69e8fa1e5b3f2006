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

export function canTransition(from: BuildStatus, to: BuildStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses a build may be in for a write to move it to `to`. */
export function statusesThatMayBecome(to: BuildStatus): BuildStatus[] {
  return BUILD_STATUSES.filter((from) => canTransition(from, to));
}
