import { setTimeout as sleep } from 'node:timers/promises';

/** The CLI's exit codes. */
export const EXIT = {
  /** The operation did what was asked. */
  OK: 0,
  /** The operation failed or was refused: build not found, start failed, the awaited build ended FAILED... */
  FAILED: 1,
  /** The command line was wrong: unknown command or flag, missing or invalid argument. */
  USAGE: 2,
  /**
   * `start --wait` or `wait` gave up before the build ended: it is still open,
   * which a script must not mistake for FAILED (1), since it may yet succeed.
   */
  WAIT_TIMED_OUT: 3,
  /**
   * AWS could not be used: no credentials or an unknown profile, an endpoint
   * or region that does not answer, access denied, throttling that outlasted
   * the SDK's retries, the builds table not found, any other AWS service or
   * network error. Nothing says how the deployment went: fix the setup (the
   * message names the flag or variable) and run the command again.
   */
  INFRASTRUCTURE: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface TextSink {
  write(text: string): unknown;
}

/**
 * Everything the CLI touches outside itself, so `run` can be driven from a
 * test as well as from `main.ts`.
 */
export interface CliIo {
  /** Command output (human text or `--json`), and nothing else. */
  readonly stdout: TextSink;
  /** Errors, progress in `--json` mode, and library logs (JSON lines). */
  readonly stderr: TextSink;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
}

/** The real process's streams, environment and timers. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    sleep: (ms) => sleep(ms),
    now: () => new Date(),
  };
}
