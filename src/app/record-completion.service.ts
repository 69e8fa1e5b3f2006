import {
  BuildNotFoundError,
  BuildRecordTooLargeError,
  buildIdOf,
  locksEnvironment,
  type Build,
  type BuildKey,
  type BuildStatus,
  type Completion,
  type ConcurrencyPolicy,
} from '../domain/index.js';
import type { BuildRepository, Clock, CompletionRecord, Logger } from '../ports/index.js';
import { isOwnExecution, notOwnReason } from './execution-completion.js';

export type CompletionResult =
  /** `refused`: the build had already ended otherwise; first writer wins and nothing changed. */
  | CompletionRecord
  /**
   * The reporting execution is not the build's own (an operator's manual run
   * with the same input...): nothing changed; `status` is the build's.
   */
  | { readonly outcome: 'not-a-build'; readonly status: BuildStatus; readonly reason: string };

/**
 * The update-build-status use case: record how a build's execution ended.
 * Idempotent, and never moves a build backwards: a completion that conflicts
 * with one already recorded is refused and reported, not thrown.
 *
 * @example
 * ```ts
 * const completions = container.get(RecordCompletionService);
 * await completions.record({ repo: 'myapp', env: 'prd', sk }, { status: 'FAILED', errorMsg: 'stack rolled back' });
 * ```
 */
export class RecordCompletionService {
  constructor(
    private readonly builds: BuildRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly concurrency: ConcurrencyPolicy,
  ) {}

  /**
   * @param executionArn The reporting execution, when the caller knows it. It
   *   must be the build's own (its derived name, or the ARN the build
   *   records), or nothing changes (`not-a-build`). A build whose start was
   *   never recorded (a crash between the start and its write) gains it.
   */
  async record(key: BuildKey, completion: Completion, executionArn?: string | undefined): Promise<CompletionResult> {
    const buildId = buildIdOf(key);
    if (executionArn !== undefined && !isOwnExecution(key, undefined, executionArn)) {
      // Not the derived name: only the ARN the build records makes it the build's own.
      const build = await this.builds.get(key);
      if (!build) throw new BuildNotFoundError(key);
      if (!isOwnExecution(key, build, executionArn)) {
        const reason = notOwnReason(key, executionArn);
        this.logger.warn('Build completion ignored: reported by another execution', { buildId, executionArn, status: build.status });
        return { outcome: 'not-a-build', status: build.status, reason };
      }
    }
    const now = this.clock.now();
    // Under queue and supersede the end releases the environment's lock in the same write: the next build's turn.
    const record = await this.builds.recordCompletion(key, executionArn === undefined ? completion : { ...completion, executionArn }, now, {
      releaseEnvironmentLock: locksEnvironment(this.concurrency),
    });
    if (record.outcome === 'refused') {
      this.logger.warn('Build completion refused', { buildId, status: record.status, requested: completion.status });
      if (completion.status === 'SUCCESS' && record.status === 'FAILED') await this.markRedrivePending(record.build, executionArn, now);
      return { ...record, reason: `Build ${buildId} cannot become ${completion.status}: ${record.reason}` };
    }
    // A start never recorded (a crash between the start and its write) gains its ARN with the
    // completion; a build that had already ended without it gains it here.
    if (executionArn !== undefined && record.outcome === 'already-completed') await this.builds.recordStart(key, executionArn, now);
    this.logger.info('Build completion recorded', { buildId, outcome: record.outcome, status: record.status, executionArn });
    return record;
  }

  /**
   * A `SUCCESS` from the build's own execution while the build is `FAILED`:
   * the execution may have been redriven (same ARN, `redriveCount` grows) and
   * succeeded, which only Step Functions can confirm. A callback never moves
   * `FAILED` to `SUCCESS`; it marks the build, so the sweeper asks
   * `DescribeExecution` about it even if the execution's end event is lost.
   * The mark names the reporting execution (a payload without one reports
   * for the build's recorded execution) and is written only while the build
   * is `FAILED` and records it. A failure to mark throws (the state machine
   * retries the callback, which marks again), except an item with no room
   * left for the mark: that is logged, and the refusal stands.
   */
  private async markRedrivePending(build: Build, reportedBy: string | undefined, now: Date): Promise<void> {
    const buildId = buildIdOf(build);
    const executionArn = reportedBy ?? build.executionArn;
    if (executionArn === undefined) {
      this.logger.warn('SUCCESS refused for a FAILED build that records no execution: nothing to ask Step Functions about', { buildId });
      return;
    }
    let mark;
    try {
      mark = await this.builds.markRedrivePending(build, executionArn, now);
    } catch (error) {
      if (!(error instanceof BuildRecordTooLargeError)) throw error;
      this.logger.error('FAILED build not marked for a redrive: its record has no room for the mark', { buildId, executionArn });
      return;
    }
    if (mark.outcome === 'marked') {
      this.logger.warn('FAILED build marked: its execution reported SUCCESS, perhaps after a redrive; the sweeper asks Step Functions', {
        buildId,
        executionArn,
      });
    } else {
      this.logger.info('FAILED build not marked for a redrive', { buildId, executionArn, reason: mark.reason });
    }
  }
}
