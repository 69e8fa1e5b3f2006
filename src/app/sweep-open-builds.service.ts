import {
  BuildsByStatusUnavailableError,
  buildIdOf,
  executionName,
  holderIdOf,
  isClosedExecutionStatus,
  locksEnvironment,
  parseBuildId,
  type Build,
  type Completion,
  type ConcurrencyPolicy,
  type EnvironmentLock,
} from '../domain/index.js';
import type { BuildRepository, Clock, ExecutionInspector, Logger, RedrivePendingBuild, UnreadableBuild } from '../ports/index.js';
import { lockHolderOf, releaseLeftOverLock } from './environment-lock-holder.js';
import { type ReconcileExecutionService, type SweepOptions } from './reconcile-execution.service.js';
import { type TriggerBuildService, type TriggerOutcome } from './trigger-build.service.js';

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
  /**
   * Told of the sweep's counts as they grow, and of its mode as soon as it is
   * known, so what a sweep did is known even when it throws later (a page
   * that cannot be read...). The sweeper handler publishes its metrics from
   * it.
   */
  readonly progress?: OpenBuildsSweepProgress | undefined;
}

/** The counts of a sweep, as {@link OpenBuildsSweepSummary} reports them. */
export type OpenBuildsSweepCount =
  | 'examined'
  | 'started'
  | 'completed'
  | 'failed'
  | 'pendingNotStarted'
  | 'stuck'
  | 'unreadable'
  | 'redrivePending'
  | 'locksReleased';

/** What a sweep tells its caller while it runs. */
export interface OpenBuildsSweepProgress {
  /**
   * How the sweep finds builds, told once: `status-index` as soon as the
   * repository has listed a page by status, `execution-window` when it
   * cannot.
   */
  mode(mode: OpenBuildsSweepSummary['mode']): void;
  /** `count` grew by `by`, just now. */
  count(count: OpenBuildsSweepCount, by: number): void;
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
  /** Builds this sweep recorded as ended (`SUCCESS` or `FAILED`), a redriven success included. */
  readonly completed: number;
  /**
   * Builds whose handling failed, or whose execution could not be matched to
   * them (logged with the build id); the next sweep tries them again.
   */
  readonly failed: number;
  /** `PENDING` builds left alone because no artifacts bucket was given. */
  readonly pendingNotStarted: number;
  /**
   * Open builds past their grace period found stuck (the `StuckBuilds`
   * metric): a `PENDING` build nothing started, an `IN_PROGRESS` build whose
   * own execution has ended or does not exist, an open item that does not
   * read as a build, an `IN_PROGRESS` build whose execution cannot be matched
   * to it. Counted whether this sweep then moved the build or not, once it
   * has found the build still open (the status index lags the table); a
   * deployment still running, however long, is not stuck. Each is logged as
   * "Stuck build found by the sweeper", with `stuck` saying why.
   */
  readonly stuck: number;
  /**
   * Open items that do not read as builds (the `UnreadableOpenItems`
   * metric; also in `stuck`, and in `failed` when they stay open).
   */
  readonly unreadable: number;
  /**
   * `FAILED` builds marked for a possibly redriven success
   * (`BuildRepository.markRedrivePending`) that this sweep asked Step
   * Functions about.
   */
  readonly redrivePending: number;
  /**
   * Environment locks this sweep released because their holder had ended
   * (or was gone) without releasing them: its execution ended with no
   * report, or a writer that does not release locks recorded its end (the
   * Go implementation, 0.2.0, a hand edit). Each release hands the
   * environment on to its next build.
   */
  readonly locksReleased: number;
  /** Present when the time budget ran out: pass it as `continuation` to the next sweep. */
  readonly continuation?: string;
}

const MINUTE_MS = 60_000;
const DEFAULT_GRACE_MS = 5 * MINUTE_MS;
const DEFAULT_PAGE_SIZE = 25;
const DEFAULT_TIME_BUDGET_MS = MINUTE_MS;
/** Step Functions redrives a closed STANDARD execution only within 14 days of its end: marks are read that far back. */
const REDRIVE_WINDOW_MS = 14 * 24 * 60 * MINUTE_MS;
// IN_PROGRESS first: they cost one read each, and each end they record releases its lock; then
// the held environment locks (one whose holder ended without releasing it is released); PENDING
// builds then start (or wait their turn); last, the FAILED builds marked for a redriven success.
const PHASES = ['IN_PROGRESS', 'LOCKS', 'PENDING', 'FAILED'] as const;
type Phase = (typeof PHASES)[number];
type OpenStatus = 'IN_PROGRESS' | 'PENDING';

/** Why a build counts as stuck, as its log line says. */
type StuckReason = 'not-started' | 'execution-ended' | 'execution-missing' | 'unreadable' | 'undecided';

/**
 * The sweep of open builds, table first: every build left `PENDING` or
 * `IN_PROGRESS` past a grace period reaches a true status with no person
 * involved, whatever was lost (a stream record Lambda gave up on, a callback
 * and its event, an execution older than any look-back window), and what only
 * a person can settle is counted and logged as stuck.
 *
 * - `IN_PROGRESS`: `DescribeExecution` on the recorded ARN (or the derived
 *   name). A closed execution is recorded as it ended: the execution whose
 *   ARN the build records is its own whatever its input says, and the write
 *   is conditional on that ARN; without a recorded ARN, the execution under
 *   the derived name must carry the build's input, or the build is left
 *   open, counted stuck and logged. A running execution is left alone, one
 *   that does not exist is recorded `FAILED` saying so.
 * - `PENDING`: started through the trigger-build use case (same claim, same
 *   idempotency, same permanent/transient handling).
 * - Held environment locks (queue and supersede), in every policy: one
 *   whose holder has ended or is gone without releasing it is released, so
 *   its environment's next build starts.
 * - `FAILED` builds marked because their own execution reported `SUCCESS`
 *   (it may have been redriven), updated within the last 14 days:
 *   `DescribeExecution` decides; a redriven success is recorded, the mark is
 *   cleared once the execution has ended without one.
 *
 * The builds come from `BuildRepository.listBuildsByStatus` and
 * `listRedrivePending`, so a sweep costs what the open builds (and the
 * failures of the last 14 days) cost, never what the table holds. When the
 * repository cannot list builds by status it falls back to the
 * execution-window sweep and warns once per process.
 *
 * @example
 * ```ts
 * const sweeper = container.get(SweepOpenBuildsService);
 * const summary = await sweeper.sweep({ s3Bucket: 'my-artifacts-bucket' });
 * // { mode: 'status-index', examined: 3, started: 1, completed: 1, failed: 0, pendingNotStarted: 0,
 * //   stuck: 2, unreadable: 0, redrivePending: 0, locksReleased: 0 }
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
    private readonly concurrency: ConcurrencyPolicy,
  ) {}

  async sweep(options: OpenBuildsSweepOptions = {}): Promise<OpenBuildsSweepSummary> {
    const startedAt = this.clock.now().getTime();
    const updatedBefore = new Date(startedAt - (options.graceMs ?? DEFAULT_GRACE_MS));
    const redriveWindowStart = new Date(startedAt - REDRIVE_WINDOW_MS);
    const deadline = startedAt + (options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS);
    const limit = options.pageSize ?? DEFAULT_PAGE_SIZE;
    const tally = new Tally(options.progress);
    const from = decodeContinuation(options.continuation);
    try {
      for (const phase of PHASES.slice(PHASES.indexOf(from.status))) {
        let cursor = phase === from.status ? from.cursor : undefined;
        do {
          if (this.clock.now().getTime() >= deadline) {
            return this.done(tally, encodeContinuation({ status: phase, cursor }));
          }
          if (phase === 'LOCKS') {
            cursor = await this.sweepLockPage(limit, cursor, tally);
          } else if (phase === 'FAILED') {
            const page = await this.builds.listRedrivePending({ updatedSince: redriveWindowStart, limit, cursor });
            tally.mode('status-index');
            for (const item of page.unreadable ?? []) {
              this.logger.error('Marked FAILED item not checked for a redrive: it does not read as a build', { buildId: item.id, reason: item.reason });
            }
            for (const marked of page.builds) await this.sweepRedrivePending(marked, tally);
            cursor = page.nextCursor;
          } else {
            const page = await this.builds.listBuildsByStatus(phase, { updatedBefore, limit, cursor });
            tally.mode('status-index');
            for (const item of page.unreadable ?? []) await this.sweepUnreadable(phase, item, options.s3Bucket, tally);
            for (const build of page.builds) await this.sweepBuild(phase, build, options, tally);
            cursor = page.nextCursor;
          }
        } while (cursor !== undefined);
      }
    } catch (error) {
      // Only a repository that never listed by status falls back; a later failure is this sweep's own.
      if (!(error instanceof BuildsByStatusUnavailableError) || tally.modeKnown) throw error;
      return this.sweepExecutionWindow(error, options, tally);
    }
    return this.done(tally, undefined);
  }

  /** One build on its own: an error is logged and counted, and the sweep goes on. */
  private async sweepBuild(status: OpenStatus, build: Build, options: OpenBuildsSweepOptions, tally: Tally): Promise<void> {
    tally.add('examined');
    try {
      if (status === 'IN_PROGRESS') await this.sweepInProgress(build, tally);
      else await this.sweepPending(build, options.s3Bucket, tally);
    } catch (error) {
      tally.add('failed');
      this.logger.error('Open build not swept; the next sweep tries again', {
        buildId: buildIdOf(build),
        status,
        error: describeError(error),
      });
    }
  }

  /**
   * An open item that does not read as a build: stuck, and counted apart,
   * for nothing but a person can make it read. A `PENDING` one goes the
   * trigger-build way, which records it `FAILED` with the reason while it is
   * still `PENDING`; any other stays open and is logged as an error, with its
   * id and the reason, by every sweep until a person repairs or completes it.
   */
  private async sweepUnreadable(status: OpenStatus, item: UnreadableBuild, s3Bucket: string | undefined, tally: Tally): Promise<void> {
    tally.add('examined');
    tally.add('unreadable');
    this.stuck(tally, item.id, status, 'unreadable', { reason: item.reason });
    if (status === 'PENDING' && s3Bucket !== undefined) {
      try {
        const outcome = await this.trigger.trigger(parseBuildId(item.id), { s3Bucket });
        if (outcome.outcome === 'failed') {
          tally.add('completed');
          return;
        }
      } catch (error) {
        this.logger.warn('Unreadable open build could not be recorded FAILED', { buildId: item.id, reason: item.reason, error: String(error) });
      }
    }
    tally.add('failed');
    this.logger.error('Open build not swept: its item does not read as a build', { buildId: item.id, reason: item.reason, status });
  }

  private async sweepInProgress(build: Build, tally: Tally): Promise<void> {
    const buildId = buildIdOf(build);
    const executionArn = build.executionArn ?? this.executions.executionArnOf(executionName(build));
    const execution = await this.executions.describe(executionArn);
    if (execution === undefined) {
      const errorMsg = `execution ${executionArn} does not exist: Step Functions has no record of this build's execution`;
      const completion: Completion = { status: 'FAILED', errorMsg };
      const now = this.clock.now();
      // An execution the build records is its own: the write is conditional on the build still recording it.
      const release = { releaseEnvironmentLock: locksEnvironment(this.concurrency) };
      const record =
        build.executionArn === undefined
          ? await this.builds.recordCompletion(build, completion, now, release)
          : await this.builds.recordExecutionEnd(build, build.executionArn, completion, now, release);
      if (record.outcome === 'completed') {
        tally.add('completed');
        this.stuck(tally, buildId, 'IN_PROGRESS', 'execution-missing', { executionArn });
        this.logger.warn('Build recorded FAILED by the sweeper: its execution does not exist', { buildId, executionArn });
      }
      return;
    }
    // A running execution is a deployment at work, however long it takes: not stuck.
    if (!isClosedExecutionStatus(execution.status)) return;
    const outcome = await this.reconciler.reconcileBuild(build, execution);
    if (outcome.outcome === 'completed') {
      tally.add('completed');
      this.stuck(tally, buildId, 'IN_PROGRESS', 'execution-ended', { executionArn, executionStatus: execution.status });
    } else if (outcome.outcome === 'not-a-build') {
      // Neither the ARN the build records nor its name and input tie the execution to it: a person decides.
      tally.add('failed');
      this.stuck(tally, buildId, 'IN_PROGRESS', 'undecided', { executionArn, executionStatus: execution.status, reason: outcome.reason });
      this.logger.error('IN_PROGRESS build not swept: its execution cannot be matched to it', {
        buildId,
        executionArn,
        executionStatus: execution.status,
        reason: outcome.reason,
      });
    }
    // `already-completed` or `refused`: the build had moved on since the status index was read.
  }

  /**
   * A held environment lock whose holder has ended, or is gone, without
   * releasing it: released, conditional on that holder, so the environment's
   * next build starts (trigger-build hands it on from the release; this
   * sweep's PENDING phase starts it too). A holder still `PENDING` (its start
   * crashed after the claim) is started by the PENDING phase; an
   * `IN_PROGRESS` one deploys, or its end is recorded by the IN_PROGRESS
   * phase.
   */
  /** One page of the held locks, each checked on its own; returns the cursor of the next page. */
  private async sweepLockPage(limit: number, cursor: string | undefined, tally: Tally): Promise<string | undefined> {
    const page = await this.builds.listEnvironmentLocks({ limit, cursor });
    for (const item of page.unreadable ?? []) {
      this.logger.error('Environment lock not checked: its item does not read as a lock', { environment: item.id, reason: item.reason });
    }
    for (const lock of page.locks) await this.sweepLock(lock, tally);
    return page.nextCursor;
  }

  private async sweepLock(lock: EnvironmentLock, tally: Tally): Promise<void> {
    const holderId = holderIdOf(lock);
    try {
      const { state, holder } = await lockHolderOf(this.builds, lock);
      if (state === 'redriving' && holder?.executionArn !== undefined) {
        // A redrive's lock goes with the end of its run (the redrive rule clears its mark and releases it); a run
        // that ended while that was lost leaves the lock over.
        const execution = await this.executions.describe(holder.executionArn);
        if (execution !== undefined && !isClosedExecutionStatus(execution.status)) return;
      } else if (state !== 'ended') return;
      if (await releaseLeftOverLock(this.builds, this.clock, this.logger, lock, 'the sweeper', holder)) tally.add('locksReleased');
    } catch (error) {
      tally.add('failed');
      this.logger.error('Environment lock not checked; the next sweep tries again', { holder: holderId, error: describeError(error) });
    }
  }

  private async sweepPending(build: Build, s3Bucket: string | undefined, tally: Tally): Promise<void> {
    const buildId = buildIdOf(build);
    let outcome: TriggerOutcome | undefined;
    try {
      if (s3Bucket === undefined) {
        tally.add('pendingNotStarted');
        this.logger.warn('PENDING build not started by the sweeper: it has no artifacts bucket', { buildId });
        return;
      }
      outcome = await this.trigger.trigger(build, { s3Bucket });
      if (outcome.outcome === 'started' && outcome.transitioned) tally.add('started');
      if (outcome.outcome === 'failed' || outcome.outcome === 'superseded' || outcome.outcome === 'ended') tally.add('completed');
      if (outcome.outcome === 'waiting') this.logger.info('PENDING build waits for its environment', { buildId, holder: outcome.holder });
      else if (outcome.outcome !== 'skipped') this.logger.warn('PENDING build taken up by the sweeper', { buildId, ...outcome });
    } finally {
      if (stuckWhilePending(outcome)) this.stuck(tally, buildId, 'PENDING', 'not-started', outcome === undefined ? {} : { outcome: outcome.outcome });
    }
  }

  /**
   * A `FAILED` build marked because its own execution reported `SUCCESS`:
   * `DescribeExecution` on the ARN it records decides. A redriven success is
   * recorded (`FAILED -> SUCCESS`, the transition table's one exception),
   * which removes the mark; an execution still running (or waiting to be
   * redriven) keeps it for the next sweep; one that ended otherwise, or no
   * longer exists, clears it. A mark older than 14 days is past any redrive
   * and is no longer read.
   */
  private async sweepRedrivePending({ build, since }: RedrivePendingBuild, tally: Tally): Promise<void> {
    tally.add('redrivePending');
    const buildId = buildIdOf(build);
    try {
      const execution = build.executionArn === undefined ? undefined : await this.executions.describe(build.executionArn);
      if (execution !== undefined && !isClosedExecutionStatus(execution.status)) return;
      const redrivenSuccess = execution?.status === 'SUCCEEDED' && (execution.redriveCount ?? 0) > 0;
      if (execution !== undefined && redrivenSuccess) {
        const outcome = await this.reconciler.reconcileBuild(build, execution);
        if (outcome.outcome === 'completed') {
          tally.add('completed');
          return;
        }
      }
      const { outcome } = await this.builds.clearRedrivePending(build, since, { releaseEnvironmentLock: locksEnvironment(this.concurrency) });
      const attributes = {
        buildId,
        executionArn: build.executionArn,
        executionStatus: execution?.status ?? 'does not exist',
        redriveCount: execution?.redriveCount,
        cleared: outcome === 'cleared',
      };
      // SUCCEEDED without a redrive: another writer recorded FAILED, and the first writer wins.
      if (execution?.status === 'SUCCEEDED' && !redrivenSuccess) this.logger.warn('Redrive mark cleared: the execution succeeded without a redrive, the build stays FAILED', attributes);
      else this.logger.info('Redrive mark cleared: no redriven success to record', attributes);
    } catch (error) {
      tally.add('failed');
      this.logger.error('Marked FAILED build not checked for a redrive; the next sweep tries again', { buildId, error: describeError(error) });
    }
  }

  private async sweepExecutionWindow(
    unavailable: BuildsByStatusUnavailableError,
    options: OpenBuildsSweepOptions,
    tally: Tally,
  ): Promise<OpenBuildsSweepSummary> {
    tally.mode('execution-window');
    if (!this.warnedOfNoListingByStatus) {
      this.warnedOfNoListingByStatus = true;
      // The message says what the store lacks and how to add it, in the store's terms.
      this.logger.warn(`${unavailable.message}. Sweeping recent executions only until then: an open build outside their window is missed.`, {
        code: unavailable.code,
      });
    }
    const { examined, completed, failed } = await this.reconciler.sweep({ lookbackMs: options.lookbackMs, maxExecutions: options.maxExecutions });
    tally.add('examined', examined);
    tally.add('completed', completed);
    tally.add('failed', failed);
    // Locks are items of their own, listed without the status index.
    let cursor: string | undefined;
    do cursor = await this.sweepLockPage(options.pageSize ?? DEFAULT_PAGE_SIZE, cursor, tally);
    while (cursor !== undefined);
    return { mode: 'execution-window', ...tally.counts };
  }

  /** Counts a stuck build and logs it: one line per stuck build, whatever else is logged about it. */
  private stuck(tally: Tally, buildId: string, status: OpenStatus, why: StuckReason, details: Readonly<Record<string, unknown>> = {}): void {
    tally.add('stuck');
    this.logger.warn('Stuck build found by the sweeper', { buildId, status, stuck: why, ...details });
  }

  private done(tally: Tally, continuation: string | undefined): OpenBuildsSweepSummary {
    tally.mode('status-index');
    const summary = { mode: 'status-index' as const, ...tally.counts, ...(continuation === undefined ? {} : { continuation }) };
    this.logger.info('Sweep of open builds done', { ...summary });
    return summary;
  }
}

/**
 * Whether a `PENDING` build the sweep found past its grace period was stuck.
 * Nothing holds a `PENDING` build back (trigger-build starts it within
 * seconds), so it was, unless the sweep found it had moved on meanwhile (the
 * status index lags the table): another attempt had claimed it (`skipped`)
 * or recorded its start first (`transitioned: false`). A sweep that failed
 * or had no artifacts bucket (`undefined`) leaves it stuck.
 *
 * A build waiting for its environment's turn (queue or supersede) is held
 * back by a deployment at work, not stuck.
 */
function stuckWhilePending(outcome: TriggerOutcome | undefined): boolean {
  if (outcome === undefined) return true;
  if (outcome.outcome === 'skipped' || outcome.outcome === 'waiting') return false;
  return !(outcome.outcome === 'started' && !outcome.transitioned);
}

/** A sweep's counts, told to the caller's progress as they grow. */
class Tally {
  readonly counts: Record<OpenBuildsSweepCount, number> = {
    examined: 0,
    started: 0,
    completed: 0,
    failed: 0,
    pendingNotStarted: 0,
    stuck: 0,
    unreadable: 0,
    redrivePending: 0,
    locksReleased: 0,
  };
  private modeTold = false;

  constructor(private readonly progress: OpenBuildsSweepProgress | undefined) {}

  /** Whether the mode was told: the repository listed a page by status, or the sweep fell back. */
  get modeKnown(): boolean {
    return this.modeTold;
  }

  mode(mode: OpenBuildsSweepSummary['mode']): void {
    if (this.modeTold) return;
    this.modeTold = true;
    this.progress?.mode(mode);
  }

  add(count: OpenBuildsSweepCount, by = 1): void {
    this.counts[count] += by;
    if (by !== 0) this.progress?.count(count, by);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Where a sweep stopped: the status it was sweeping (`FAILED`: the marked ones) and the page it was about to read. */
interface Continuation {
  readonly status: Phase;
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
      if (PHASES.includes(parsed.status as Phase) && (parsed.cursor === undefined || typeof parsed.cursor === 'string')) {
        return { status: parsed.status as Phase, cursor: parsed.cursor };
      }
    } catch {
      // start from the beginning
    }
  }
  return { status: PHASES[0], cursor: undefined };
}
