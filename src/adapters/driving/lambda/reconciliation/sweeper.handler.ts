import type { Context, ScheduledEvent } from 'aws-lambda';
import type { OpenBuildsSweepOptions, OpenBuildsSweepSummary, SweepOpenBuildsService } from '../../../../app/index.js';
import { ValidationError } from '../../../../domain/index.js';
import type { Logger } from '../../../../ports/index.js';
import { BuildMetric } from '../observability/build-metrics.js';
import { observed, type HandlerObservability } from '../observability/observed-handler.js';

/**
 * The sweep's settings (see `OpenBuildsSweepOptions`: artifacts bucket, grace
 * period, page size, time budget, and the execution window used without the
 * status index). The time budget is never closer than 5 s to the
 * invocation's own deadline; where a run stops, the next one goes on.
 */
export interface SweeperHandlerDeps extends Omit<OpenBuildsSweepOptions, 'continuation'>, HandlerObservability {
  /** Finds and ends the open builds (`container.get(SweepOpenBuildsService)`). */
  readonly sweeper: SweepOpenBuildsService;
  /** The logger the services log to: a Powertools logger gets each invocation's Lambda context. */
  readonly logger: Logger;
}

export type SweeperResult = Pick<
  OpenBuildsSweepSummary,
  'mode' | 'examined' | 'started' | 'completed' | 'failed' | 'pendingNotStarted' | 'continuation'
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
 * Counts `BuildsStarted`, `BuildsCompletedByReconciliation` and (from the
 * status index) `OpenBuildsFound` when given `metrics`.
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
 * // await handler(event, context); // { mode: 'status-index', examined: 3, started: 1, completed: 1, failed: 0, pendingNotStarted: 0 }
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
  const counted = [BuildMetric.Started, BuildMetric.CompletedByReconciliation];
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
    });
    continuation = summary.continuation;
    counts.add(BuildMetric.Started, summary.started);
    counts.add(BuildMetric.CompletedByReconciliation, summary.completed);
    // Without the status index the sweep looks at executions, not open builds: there is nothing to count.
    if (summary.mode === 'status-index') counts.add(BuildMetric.OpenFound, summary.examined);
    return summary;
  });
}
