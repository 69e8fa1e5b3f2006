import type { ReconcileExecutionService } from '../../../app/index.js';
import { BuildNotFoundError, isTerminal, type Build, type BuildKey } from '../../../domain/index.js';
import type { BuildRepository, ExecutionDescription, ExecutionInspector } from '../../../ports/index.js';

export interface WaitOptions {
  readonly pollMs: number;
  readonly timeoutMs: number;
  /**
   * How long an execution may be closed while its build still is not before
   * the execution's end is reconciled onto the build (DescribeExecution is
   * the truth: timeouts and aborts never run the state machine's own report).
   */
  readonly reconcileAfterMs: number;
}

export interface WaitDependencies {
  readonly builds: BuildRepository;
  readonly inspector: ExecutionInspector;
  readonly reconciler: ReconcileExecutionService;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
}

export type WaitEvent =
  | {
      readonly event: 'status';
      readonly at: string;
      readonly buildStatus: Build['status'];
      readonly executionStatus?: ExecutionDescription['status'];
    }
  | { readonly event: 'reconciled'; readonly at: string; readonly outcome: string; readonly buildStatus?: Build['status'] };

/**
 * Whether the wait is over, given the build and its execution as just read.
 * By default ({@link buildEnded}), when the build is `SUCCESS` or `FAILED`.
 */
export type WaitEnd = (build: Build, execution: ExecutionDescription | undefined) => boolean;

/** The build reached `SUCCESS` or `FAILED`. */
export const buildEnded: WaitEnd = (build) => isTerminal(build.status);

export interface WaitResult {
  /** `ended`: the build reached SUCCESS or FAILED (or what `ended` waits for); `timed-out`: it had not by the deadline. */
  readonly result: 'ended' | 'timed-out';
  readonly build: Build;
  readonly execution?: ExecutionDescription;
}

/**
 * Polls a build and its execution until the build ends (or `ended` says the
 * wait is over) or time runs out, reporting every change of either status as
 * it is seen.
 */
export async function waitForBuild(
  key: BuildKey,
  dependencies: WaitDependencies,
  options: WaitOptions,
  report: (event: WaitEvent) => void,
  ended: WaitEnd = buildEnded,
): Promise<WaitResult> {
  const { builds, inspector, reconciler, sleep, now } = dependencies;
  const deadline = now().getTime() + options.timeoutMs;
  let lastState: string | undefined;
  let closedSince: number | undefined;
  let reconciled = false;

  for (;;) {
    const build = await builds.get(key);
    if (!build) throw new BuildNotFoundError(key);
    const execution = build.executionArn === undefined ? undefined : await inspector.describe(build.executionArn);

    const state = `${build.status}/${execution?.status ?? ''}`;
    if (state !== lastState) {
      lastState = state;
      report({
        event: 'status',
        at: now().toISOString(),
        buildStatus: build.status,
        ...(execution ? { executionStatus: execution.status } : {}),
      });
    }
    if (ended(build, execution)) return { result: 'ended', build, ...(execution ? { execution } : {}) };

    if (execution && isClosed(execution)) {
      closedSince ??= now().getTime();
      if (!reconciled && now().getTime() - closedSince >= options.reconcileAfterMs) {
        reconciled = true;
        const outcome = await reconciler.reconcile(execution.executionArn);
        report({
          event: 'reconciled',
          at: now().toISOString(),
          outcome: outcome.outcome,
          ...('status' in outcome ? { buildStatus: outcome.status } : {}),
        });
        continue;
      }
    }

    const left = deadline - now().getTime();
    if (left <= 0) return { result: 'timed-out', build, ...(execution ? { execution } : {}) };
    await sleep(Math.min(options.pollMs, left));
  }
}

export function isClosed(execution: ExecutionDescription): boolean {
  return execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE';
}
