import type { Context, ScheduledEvent } from 'aws-lambda';
import type {
  OpenBuildsSweepCount,
  OpenBuildsSweepOptions,
  OpenBuildsSweepProgress,
  OpenBuildsSweepSummary,
  SweepOpenBuildsService,
} from '../../../../app/index.js';
import { ValidationError } from '../../../../domain/index.js';
import type { Logger } from '../../../../ports/index.js';
import { BuildMetric, type BuildMetricName, type InvocationCounts } from '../observability/build-metrics.js';
import { observed, type HandlerObservability } from '../observability/observed-handler.js';

/**
 * The sweep's settings (see `OpenBuildsSweepOptions`: artifacts bucket, grace
 * period, page size, time budget, and the execution window used without the
 * status index). The time budget is never closer than 5 s to the
 * invocation's own deadline; where a run stops, the next one goes on.
 */
export interface SweeperHandlerDeps extends Omit<OpenBuildsSweepOptions, 'continuation' | 'progress'>, HandlerObservability {
  /** Finds and ends the open builds (`container.get(SweepOpenBuildsService)`). */
  readonly sweeper: SweepOpenBuildsService;
  /** The logger the services log to: a Powertools logger gets each invocation's Lambda context. */
  readonly logger: Logger;
}

export type SweeperResult = Pick<
  OpenBuildsSweepSummary,
  | 'mode'
  | 'examined'
  | 'started'
  | 'completed'
  | 'failed'
  | 'pendingNotStarted'
  | 'stuck'
  | 'unreadable'
  | 'redrivePending'
  | 'locksReleased'
  | 'continuation'
>;

export type SweeperHandler = (event: ScheduledEvent, context: Context) => Promise<SweeperResult>;

// Room left, at the end of a budget cut short by the invocation's deadline, to finish the build at hand.
const DEADLINE_MARGIN_MS = 5_000;

/**
 * The scheduled sweeper: every build left open past a grace period reaches a
 * true status, with no person involved. `IN_PROGRESS` builds record how their
 * execution ended (`DescribeExecution` is the truth); `PENDING` builds whose
 * stream record was lost are started, exactly as trigger-build would. The
 * open builds come from the table's status index (`status-updated_at-index`);
 * a table without it falls back to reconciling recent executions, with a
 * warning.
 *
 * Where a run stopped for lack of time, the next run in the same process goes
 * on from there; a new process starts again from the oldest open build,
 * which is safe: every step is idempotent.
 *
 * Counts `BuildsStarted`, `BuildsCompletedByReconciliation`, `LocksReleased`
 * and (from the status index) `OpenBuildsFound`, `StuckBuilds` and
 * `UnreadableOpenItems` when given `metrics`, as the sweep goes: a sweep that
 * fails on a later page still publishes what it did before.
 *
 * @example
 * ```ts
 * import { SweepOpenBuildsService, TOKENS } from '@aws-deployer/orchestrator';
 * import { createAwsContainer, createSweeperHandler } from '@aws-deployer/orchestrator/lambda';
 *
 * const container = createAwsContainer({ tableName, stateMachineArn });
 * export const handler = createSweeperHandler({
 *   sweeper: container.get(SweepOpenBuildsService),
 *   logger: container.get(TOKENS.Logger),
 *   s3Bucket: 'my-artifacts-bucket',
 * });
 * // await handler(event, context);
 * // { mode: 'status-index', examined: 3, started: 1, completed: 1, failed: 0, pendingNotStarted: 0, stuck: 2, unreadable: 0,
 * //   redrivePending: 0, locksReleased: 1 }
 * ```
 */
export function createSweeperHandler(deps: SweeperHandlerDeps): SweeperHandler {
  for (const field of ['graceMs', 'timeBudgetMs', 'lookbackMs'] as const) {
    const value = deps[field];
    const allowsZero = field === 'graceMs';
    if (value !== undefined && !(Number.isFinite(value) && (allowsZero ? value >= 0 : value > 0))) {
      throw new ValidationError(field, `must be a ${allowsZero ? 'non-negative' : 'positive'} number of milliseconds`);
    }
  }
  for (const field of ['pageSize', 'maxExecutions'] as const) {
    const value = deps[field];
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) throw new ValidationError(field, 'must be a positive integer');
  }
  if (deps.s3Bucket !== undefined && deps.s3Bucket.length === 0) throw new ValidationError('s3Bucket', 'must not be empty');
  const { sweeper, logger } = deps;
  // Locks are swept with or without the status index: LocksReleased is counted either way.
  const counted = [BuildMetric.Started, BuildMetric.CompletedByReconciliation, BuildMetric.LocksReleased];
  let continuation: string | undefined;

  return observed({ logger, metrics: deps.metrics, counted }, async (_event: ScheduledEvent, context, counts) => {
    const budget = deps.timeBudgetMs ?? 60_000;
    const summary = await sweeper.sweep({
      s3Bucket: deps.s3Bucket,
      graceMs: deps.graceMs,
      pageSize: deps.pageSize,
      timeBudgetMs: Math.max(0, Math.min(budget, context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS)),
      lookbackMs: deps.lookbackMs,
      maxExecutions: deps.maxExecutions,
      continuation,
      progress: metricsOfSweep(counts),
    });
    continuation = summary.continuation;
    return summary;
  });
}

// What each count of a sweep adds to: the invocation's counts are published when it ends, returned or thrown.
const SWEEP_METRICS: Partial<Record<OpenBuildsSweepCount, BuildMetricName>> = {
  started: BuildMetric.Started,
  completed: BuildMetric.CompletedByReconciliation,
  stuck: BuildMetric.Stuck,
  unreadable: BuildMetric.UnreadableOpen,
  locksReleased: BuildMetric.LocksReleased,
};
const STATUS_INDEX_METRICS = [BuildMetric.OpenFound, BuildMetric.Stuck, BuildMetric.UnreadableOpen] as const;

/** The sweep's progress, counted into the invocation's metrics as it happens. */
function metricsOfSweep(counts: InvocationCounts): OpenBuildsSweepProgress {
  let fromStatusIndex = false;
  return {
    mode(mode) {
      // Without the status index the sweep looks at executions, not open builds: there is nothing of them to count.
      fromStatusIndex = mode === 'status-index';
      if (fromStatusIndex) for (const metric of STATUS_INDEX_METRICS) counts.add(metric, 0);
    },
    count(count, by) {
      if (count === 'examined') {
        if (fromStatusIndex) counts.add(BuildMetric.OpenFound, by);
        return;
      }
      const metric = SWEEP_METRICS[count];
      if (metric !== undefined) counts.add(metric, by);
    },
  };
}
