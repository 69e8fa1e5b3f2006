import {
  BuildNotFoundError,
  buildIdOf,
  buildKeyOfSerializedInput,
  completionEffect,
  isClosedExecutionStatus,
  isTerminal,
  locksEnvironment,
  type Build,
  type BuildKey,
  type BuildStatus,
  type Completion,
  type ConcurrencyPolicy,
} from '../domain/index.js';
import { completionOfExecution, isOwnExecution, notOwnReason } from './execution-completion.js';
import type { BuildRepository, Clock, ExecutionDescription, ExecutionInspector, Logger, ReleaseOptions } from '../ports/index.js';

export type ReconcileOutcome =
  /** The build now records how its execution ended. */
  | { readonly outcome: 'completed'; readonly buildId: string; readonly status: BuildStatus }
  /** The build already recorded it (the usual case: the state machine reported). */
  | { readonly outcome: 'already-completed'; readonly buildId: string; readonly status: BuildStatus }
  /** The build ended otherwise before; first writer wins. */
  | { readonly outcome: 'refused'; readonly buildId: string; readonly status: BuildStatus }
  | { readonly outcome: 'running' }
  /** Unknown execution, or one whose input names no build of this table. */
  | { readonly outcome: 'not-a-build'; readonly reason: string };

export interface SweepOptions {
  /** How far back, by execution start, to look (default 24 hours). */
  readonly lookbackMs?: number | undefined;
  /** At most this many executions per sweep (default 1,000). */
  readonly maxExecutions?: number | undefined;
}

/** An execution a sweep could not reconcile; the sweep went on to the next one. */
export interface SweepFailure {
  readonly executionArn: string;
  readonly error: string;
}

export interface SweepSummary {
  readonly examined: number;
  readonly completed: number;
  /** Executions whose reconciliation threw (logged with their ARN); the next sweep tries them again. */
  readonly failed: number;
  readonly outcomes: readonly ReconcileOutcome[];
  readonly failures: readonly SweepFailure[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Execution-end reconciliation: makes a build record how its execution really
 * ended (DescribeExecution is the truth) when the state machine could not
 * report it: timeouts, aborts, failures outside its Catch, lost callbacks.
 * Shared by the EventBridge handler (one execution) and the sweeper (recent
 * executions).
 *
 * @example
 * ```ts
 * const reconciler = container.get(ReconcileExecutionService);
 * await reconciler.reconcile(executionArn); // { outcome: 'completed', status: 'FAILED', ... }
 * await reconciler.sweep({ lookbackMs: 6 * 60 * 60 * 1000 });
 * ```
 */
export class ReconcileExecutionService {
  constructor(
    private readonly executions: ExecutionInspector,
    private readonly builds: BuildRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly concurrency: ConcurrencyPolicy,
  ) {}

  /** An end under a locking policy releases the build's environment lock in the same write. */
  private get release(): ReleaseOptions {
    return { releaseEnvironmentLock: locksEnvironment(this.concurrency) };
  }

  async reconcile(executionArn: string): Promise<ReconcileOutcome> {
    const execution = await this.executions.describe(executionArn);
    if (!execution) return { outcome: 'not-a-build', reason: `execution ${executionArn} does not exist` };
    return this.reconcileDescribed(execution);
  }

  /**
   * Reconciles the closed executions started within the look-back window.
   * Its cost is bounded by the executions in the window, never by the table.
   */
  async sweep(options: SweepOptions = {}): Promise<SweepSummary> {
    const since = new Date(this.clock.now().getTime() - (options.lookbackMs ?? DAY_MS));
    const recent = await this.executions.listStartedSince(since, options.maxExecutions ?? 1000);
    const outcomes: ReconcileOutcome[] = [];
    const failures: SweepFailure[] = [];
    for (const summary of recent) {
      if (!isClosedExecutionStatus(summary.status)) continue;
      // Each execution on its own: one bad build or execution never stops the sweep.
      try {
        outcomes.push(await this.reconcile(summary.executionArn));
      } catch (error) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.logger.error('Execution not reconciled; the next sweep tries again', { executionArn: summary.executionArn, error: message });
        failures.push({ executionArn: summary.executionArn, error: message });
      }
    }
    const completed = outcomes.filter((outcome) => outcome.outcome === 'completed').length;
    const failed = failures.length;
    this.logger.info('Sweep done', { since: since.toISOString(), examined: recent.length, completed, failed });
    return { examined: recent.length, completed, failed, outcomes, failures };
  }

  /** {@link reconcile} for an execution already described (with its input). */
  async reconcileDescribed(execution: ExecutionDescription): Promise<ReconcileOutcome> {
    if (!isClosedExecutionStatus(execution.status)) return { outcome: 'running' };
    const key = execution.input === undefined ? undefined : buildKeyOfSerializedInput(execution.input);
    if (!key) return { outcome: 'not-a-build', reason: `execution ${execution.executionArn} has no build input` };
    const buildId = buildIdOf(key);
    const build = await this.builds.get(key);
    if (!build) return { outcome: 'not-a-build', reason: `build ${buildId} does not exist` };
    if (!isOwnExecution(key, build, execution.executionArn)) {
      return { outcome: 'not-a-build', reason: notOwnReason(key, execution.executionArn) };
    }

    const completion = completionOfExecution(execution);
    // The usual case, a build that already records its end and its execution, costs one read.
    if (isTerminal(build.status) && build.executionArn === execution.executionArn) {
      const effect = completionEffect(build, completion);
      if (effect.kind === 'unchanged') return { outcome: 'already-completed', buildId, status: build.status };
      if (effect.kind === 'illegal') return { outcome: 'refused', buildId, status: build.status };
    }
    const now = this.clock.now();
    // The start may never have been recorded (a crash between the start and its write): the
    // completion carries the ARN, and a build that had already ended without it gains it after.
    const outcome = await this.complete(key, { ...completion, executionArn: execution.executionArn }, now);
    if (outcome.outcome !== 'completed') await this.builds.recordStart(key, execution.executionArn, now);
    if (outcome.outcome === 'completed') {
      this.logger.warn('Build completed by reconciliation', {
        buildId,
        executionArn: execution.executionArn,
        executionStatus: execution.status,
        status: outcome.status,
      });
    }
    return outcome;
  }

  /**
   * For a caller that holds the build, as the sweeper does: records on
   * `build` how `execution` ended, deciding from the build rather than from
   * the execution's input.
   *
   * - The execution whose ARN the build records IS the build's own, whatever
   *   its input says (none, `{}`, a run started by hand under the build's
   *   name): its end is recorded conditional on the build still recording
   *   that ARN (`BuildRepository.recordExecutionEnd`). A redriven success may
   *   replace `FAILED`.
   * - A build that records no execution is ended by the execution under its
   *   derived name only when that execution's input names the build too (as
   *   {@link reconcileDescribed} does).
   * - Otherwise the execution merely shares the build's name (or the build
   *   records another one): `not-a-build`, with the reason, and nothing
   *   changes. The caller cannot decide the build from it.
   */
  async reconcileBuild(build: Build, execution: ExecutionDescription): Promise<ReconcileOutcome> {
    if (!isClosedExecutionStatus(execution.status)) return { outcome: 'running' };
    if (build.executionArn !== execution.executionArn) {
      const key = execution.input === undefined ? undefined : buildKeyOfSerializedInput(execution.input);
      if (build.executionArn === undefined && key !== undefined && buildIdOf(key) === buildIdOf(build)) return this.reconcileDescribed(execution);
      const reason =
        build.executionArn === undefined
          ? `execution ${execution.executionArn} has the build's name but ${key === undefined ? 'no build input' : `the input of build ${buildIdOf(key)}`}, and the build records no execution`
          : `execution ${execution.executionArn} is not the execution build ${buildIdOf(build)} records (${build.executionArn})`;
      return { outcome: 'not-a-build', reason };
    }
    const buildId = buildIdOf(build);
    const completion = completionOfExecution(execution);
    let record;
    try {
      record = await this.builds.recordExecutionEnd(build, execution.executionArn, completion, this.clock.now(), this.release);
    } catch (error) {
      // Deleted since the caller read it.
      if (error instanceof BuildNotFoundError) return { outcome: 'not-a-build', reason: `build ${buildId} does not exist` };
      throw error;
    }
    if (record.outcome === 'completed') {
      this.logger.warn('Build completed by reconciliation', {
        buildId,
        executionArn: execution.executionArn,
        executionStatus: execution.status,
        status: record.status,
        ...(completion.redriven === true ? { redriveCount: execution.redriveCount } : {}),
      });
    }
    return { outcome: record.outcome, buildId, status: record.status };
  }

  private async complete(key: BuildKey, completion: Completion, now: Date): Promise<ReconcileOutcome> {
    const buildId = buildIdOf(key);
    try {
      const record = await this.builds.recordCompletion(key, completion, now, this.release);
      return { outcome: record.outcome, buildId, status: record.status };
    } catch (error) {
      // Deleted between the read and the write.
      if (error instanceof BuildNotFoundError) return { outcome: 'not-a-build', reason: `build ${buildId} does not exist` };
      throw error;
    }
  }
}

