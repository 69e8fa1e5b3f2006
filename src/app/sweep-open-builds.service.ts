import {
  BuildsByStatusUnavailableError,
  buildIdOf,
  executionName,
  isClosedExecutionStatus,
  parseBuildId,
  type Build,
  type BuildStatus,
} from '../domain/index.js';
import type { BuildRepository, Clock, ExecutionInspector, Logger, UnreadableBuild } from '../ports/index.js';
import { type ReconcileExecutionService, type SweepOptions } from './reconcile-execution.service.js';
import { type TriggerBuildService } from './trigger-build.service.js';

export interface OpenBuildsSweepOptions extends SweepOptions {
  /**
   * The artifacts bucket, to start `PENDING` builds. Without it they are
   * counted (`pendingNotStarted`) and logged, not started.
   */
  readonly s3Bucket?: string | undefined;
  /** Builds updated more recently are left to trigger-build and the state machine (default 5 minutes). */
  readonly graceMs?: number | undefined;
  /** Builds read per query (default 25). */
  readonly pageSize?: number | undefined;
  /** No new page is read after this long; the summary's `continuation` says where to go on (default 60 s). */
  readonly timeBudgetMs?: number | undefined;
  /** Where an earlier sweep stopped: its summary's `continuation`. */
  readonly continuation?: string | undefined;
}

export interface OpenBuildsSweepSummary {
  /**
   * `status-index`: open builds listed by status from the repository;
   * `execution-window`: the fallback when the repository cannot list them
   * (DynamoDB: a table without the status index).
   */
  readonly mode: 'status-index' | 'execution-window';
  /** Open builds (or, in the fallback, executions) looked at. */
  readonly examined: number;
  /** `PENDING` builds this sweep started (or found running). */
  readonly started: number;
  /** Builds this sweep recorded as ended (`SUCCESS` or `FAILED`). */
  readonly completed: number;
  /** Builds whose handling failed (logged with the build id); the next sweep tries them again. */
  readonly failed: number;
  /** `PENDING` builds left alone because no artifacts bucket was given. */
  readonly pendingNotStarted: number;
  /** Present when the time budget ran out: pass it as `continuation` to the next sweep. */
  readonly continuation?: string;
}

const MINUTE_MS = 60_000;
const DEFAULT_GRACE_MS = 5 * MINUTE_MS;
const DEFAULT_PAGE_SIZE = 25;
const DEFAULT_TIME_BUDGET_MS = MINUTE_MS;
// IN_PROGRESS first: they cost one read each and free nothing else; PENDING builds then start.
const OPEN_STATUSES = ['IN_PROGRESS', 'PENDING'] as const satisfies readonly BuildStatus[];
type OpenStatus = (typeof OPEN_STATUSES)[number];

interface Progress {
  examined: number;
  started: number;
  completed: number;
  failed: number;
  pendingNotStarted: number;
}

/**
 * The sweep of open builds, table first: every build left `PENDING` or
 * `IN_PROGRESS` past a grace period reaches a true status with no person
 * involved, whatever was lost (a stream record Lambda gave up on, a callback
 * and its event, an execution older than any look-back window).
 *
 * - `IN_PROGRESS`: `DescribeExecution` on the recorded ARN (or the derived
 *   name); a closed execution is recorded as it ended, a running one is left
 *   alone, one that does not exist is recorded `FAILED` saying so.
 * - `PENDING`: started through the trigger-build use case (same claim, same
 *   idempotency, same permanent/transient handling).
 *
 * The open builds come from `BuildRepository.listBuildsByStatus`, so a sweep
 * costs what the open builds cost, never what the table holds. When the
 * repository cannot list builds by status it falls back to the
 * execution-window sweep and warns once per process.
 *
 * @example
 * ```ts
 * const sweeper = container.get(SweepOpenBuildsService);
 * const summary = await sweeper.sweep({ s3Bucket: 'my-artifacts-bucket' });
 * // { mode: 'status-index', examined: 3, started: 1, completed: 1, failed: 0, pendingNotStarted: 0 }
 * ```
 */
export class SweepOpenBuildsService {
  private warnedOfNoListingByStatus = false;

  constructor(
    private readonly builds: BuildRepository,
    private readonly executions: ExecutionInspector,
    private readonly trigger: TriggerBuildService,
    private readonly reconciler: ReconcileExecutionService,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async sweep(options: OpenBuildsSweepOptions = {}): Promise<OpenBuildsSweepSummary> {
    const startedAt = this.clock.now().getTime();
    const updatedBefore = new Date(startedAt - (options.graceMs ?? DEFAULT_GRACE_MS));
    const deadline = startedAt + (options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS);
    const progress: Progress = { examined: 0, started: 0, completed: 0, failed: 0, pendingNotStarted: 0 };
    const from = decodeContinuation(options.continuation);
    try {
      for (const status of OPEN_STATUSES.slice(OPEN_STATUSES.indexOf(from.status))) {
        let cursor = status === from.status ? from.cursor : undefined;
        do {
          if (this.clock.now().getTime() >= deadline) {
            return this.done(progress, encodeContinuation({ status, cursor }));
          }
          const page = await this.builds.listBuildsByStatus(status, { updatedBefore, limit: options.pageSize ?? DEFAULT_PAGE_SIZE, cursor });
          for (const item of page.unreadable ?? []) await this.sweepUnreadable(status, item, options.s3Bucket, progress);
          for (const build of page.builds) await this.sweepBuild(status, build, options, progress);
          cursor = page.nextCursor;
        } while (cursor !== undefined);
      }
    } catch (error) {
      if (!(error instanceof BuildsByStatusUnavailableError)) throw error;
      return this.sweepExecutionWindow(error, options);
    }
    return this.done(progress, undefined);
  }

  /** One build on its own: an error is logged and counted, and the sweep goes on. */
  private async sweepBuild(status: OpenStatus, build: Build, options: OpenBuildsSweepOptions, progress: Progress): Promise<void> {
    progress.examined += 1;
    try {
      if (status === 'IN_PROGRESS') await this.sweepInProgress(build, progress);
      else await this.sweepPending(build, options.s3Bucket, progress);
    } catch (error) {
      progress.failed += 1;
      this.logger.error('Open build not swept; the next sweep tries again', {
        buildId: buildIdOf(build),
        status,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  }

  /**
   * An open item that does not read as a build. A `PENDING` one goes the
   * trigger-build way, which records it `FAILED` with the reason while it is
   * still `PENDING`; any other is logged and counted for a person to see.
   */
  private async sweepUnreadable(status: OpenStatus, item: UnreadableBuild, s3Bucket: string | undefined, progress: Progress): Promise<void> {
    progress.examined += 1;
    if (status === 'PENDING' && s3Bucket !== undefined) {
      try {
        const outcome = await this.trigger.trigger(parseBuildId(item.id), { s3Bucket });
        if (outcome.outcome === 'failed') {
          progress.completed += 1;
          return;
        }
      } catch (error) {
        this.logger.warn('Unreadable open build could not be recorded FAILED', { buildId: item.id, reason: item.reason, error: String(error) });
      }
    }
    progress.failed += 1;
    this.logger.error('Open build not swept: its item does not read as a build', { buildId: item.id, reason: item.reason, status });
  }

  private async sweepInProgress(build: Build, progress: Progress): Promise<void> {
    const executionArn = build.executionArn ?? this.executions.executionArnOf(executionName(build));
    const execution = await this.executions.describe(executionArn);
    if (execution === undefined) {
      const errorMsg = `execution ${executionArn} does not exist: Step Functions has no record of this build's execution`;
      const record = await this.builds.recordCompletion(build, { status: 'FAILED', errorMsg }, this.clock.now());
      if (record.outcome === 'completed') {
        progress.completed += 1;
        this.logger.warn('Build recorded FAILED by the sweeper: its execution does not exist', { buildId: buildIdOf(build), executionArn });
      }
      return;
    }
    if (!isClosedExecutionStatus(execution.status)) return;
    const outcome = await this.reconciler.reconcileDescribed(execution);
    if (outcome.outcome === 'completed') progress.completed += 1;
  }

  private async sweepPending(build: Build, s3Bucket: string | undefined, progress: Progress): Promise<void> {
    if (s3Bucket === undefined) {
      progress.pendingNotStarted += 1;
      this.logger.warn('PENDING build not started by the sweeper: it has no artifacts bucket', { buildId: buildIdOf(build) });
      return;
    }
    const outcome = await this.trigger.trigger(build, { s3Bucket });
    if (outcome.outcome === 'started' && outcome.transitioned) progress.started += 1;
    if (outcome.outcome === 'failed' || outcome.outcome === 'ended') progress.completed += 1;
    if (outcome.outcome !== 'skipped') this.logger.warn('PENDING build taken up by the sweeper', { buildId: buildIdOf(build), ...outcome });
  }

  private async sweepExecutionWindow(unavailable: BuildsByStatusUnavailableError, options: OpenBuildsSweepOptions): Promise<OpenBuildsSweepSummary> {
    if (!this.warnedOfNoListingByStatus) {
      this.warnedOfNoListingByStatus = true;
      // The message says what the store lacks and how to add it, in the store's terms.
      this.logger.warn(`${unavailable.message}. Sweeping recent executions only until then: an open build outside their window is missed.`, {
        code: unavailable.code,
      });
    }
    const { examined, completed, failed } = await this.reconciler.sweep({ lookbackMs: options.lookbackMs, maxExecutions: options.maxExecutions });
    return { mode: 'execution-window', examined, started: 0, completed, failed, pendingNotStarted: 0 };
  }

  private done(progress: Progress, continuation: string | undefined): OpenBuildsSweepSummary {
    const summary = { mode: 'status-index' as const, ...progress, ...(continuation === undefined ? {} : { continuation }) };
    this.logger.info('Sweep of open builds done', { ...summary });
    return summary;
  }
}

/** Where a sweep stopped: the status it was sweeping and the page it was about to read. */
interface Continuation {
  readonly status: OpenStatus;
  readonly cursor: string | undefined;
}

function encodeContinuation(continuation: Continuation): string {
  return Buffer.from(JSON.stringify(continuation), 'utf8').toString('base64url');
}

/** A continuation that does not read (another version's, damaged) starts from the beginning: a sweep is idempotent. */
function decodeContinuation(continuation: string | undefined): Continuation {
  if (continuation !== undefined) {
    try {
      const parsed = JSON.parse(Buffer.from(continuation, 'base64url').toString('utf8')) as Partial<Continuation>;
      if (OPEN_STATUSES.includes(parsed.status as OpenStatus) && (parsed.cursor === undefined || typeof parsed.cursor === 'string')) {
        return { status: parsed.status as OpenStatus, cursor: parsed.cursor };
      }
    } catch {
      // start from the beginning
    }
  }
  return { status: OPEN_STATUSES[0], cursor: undefined };
}
