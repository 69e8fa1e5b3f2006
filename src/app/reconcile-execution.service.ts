import { inject, injectable } from 'inversify';
import {
  BuildNotFoundError,
  IllegalTransitionError,
  buildIdOf,
  buildKeyOfSerializedInput,
  isTerminal,
  type BuildKey,
  type BuildStatus,
  type Completion,
} from '../domain/index.js';
import type { BuildRepository, Clock, ExecutionDescription, ExecutionInspector, Logger } from '../ports/index.js';
import { TOKENS } from './di-tokens.js';

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
  readonly lookbackMs?: number;
  /** At most this many executions per sweep (default 1,000). */
  readonly maxExecutions?: number;
}

export interface SweepSummary {
  readonly examined: number;
  readonly completed: number;
  readonly outcomes: readonly ReconcileOutcome[];
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
@injectable()
export class ReconcileExecutionService {
  constructor(
    @inject(TOKENS.ExecutionInspector) private readonly executions: ExecutionInspector,
    @inject(TOKENS.BuildRepository) private readonly builds: BuildRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

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
    for (const summary of recent) {
      if (!isClosed(summary)) continue;
      outcomes.push(await this.reconcile(summary.executionArn));
    }
    const completed = outcomes.filter((outcome) => outcome.outcome === 'completed').length;
    this.logger.info('Sweep done', { since: since.toISOString(), examined: recent.length, completed });
    return { examined: recent.length, completed, outcomes };
  }

  private async reconcileDescribed(execution: ExecutionDescription): Promise<ReconcileOutcome> {
    if (!isClosed(execution)) return { outcome: 'running' };
    const key = execution.input === undefined ? undefined : buildKeyOfSerializedInput(execution.input);
    if (!key) return { outcome: 'not-a-build', reason: `execution ${execution.executionArn} has no build input` };
    const buildId = buildIdOf(key);
    const build = await this.builds.get(key);
    if (!build) return { outcome: 'not-a-build', reason: `build ${buildId} does not exist` };

    const completion = completionOf(execution);
    // The usual case, a build that already records its end and its execution, costs one read.
    if (isTerminal(build.status) && build.executionArn === execution.executionArn) {
      return { outcome: build.status === completion.status ? 'already-completed' : 'refused', buildId, status: build.status };
    }
    const now = this.clock.now();
    const outcome = await this.complete(key, completion, now);
    // The start may never have been recorded (a crash between the start and its write): keep the ARN.
    await this.builds.recordStart(key, execution.executionArn, now).catch((error: unknown) => {
      if (!(error instanceof IllegalTransitionError)) throw error;
    });
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

  private async complete(key: BuildKey, completion: Completion, now: Date): Promise<ReconcileOutcome> {
    const buildId = buildIdOf(key);
    try {
      const record = await this.builds.recordCompletion(key, completion, now);
      return { outcome: record.outcome, buildId, status: record.status };
    } catch (error) {
      if (error instanceof IllegalTransitionError) return { outcome: 'refused', buildId, status: error.existing.status };
      if (error instanceof BuildNotFoundError) return { outcome: 'not-a-build', reason: `build ${buildId} does not exist` };
      throw error;
    }
  }
}

function isClosed(execution: ExecutionDescription): boolean {
  return execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE';
}

function completionOf(execution: ExecutionDescription): Completion {
  if (execution.status === 'SUCCEEDED') return { status: 'SUCCESS' };
  const details = [execution.error, execution.cause].filter((part) => part !== undefined && part !== '').join(': ');
  return { status: 'FAILED', errorMsg: `execution ${execution.status}${details ? `: ${details}` : ''}` };
}
