import {
  BuildNotFoundError,
  buildIdOf,
  type BuildKey,
  type BuildStatus,
  type Completion,
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
    const record = await this.builds.recordCompletion(key, executionArn === undefined ? completion : { ...completion, executionArn }, now);
    if (record.outcome === 'refused') {
      this.logger.warn('Build completion refused', { buildId, status: record.status, requested: completion.status });
      return { ...record, reason: `Build ${buildId} cannot become ${completion.status}: ${record.reason}` };
    }
    // A start never recorded (a crash between the start and its write) gains its ARN with the
    // completion; a build that had already ended without it gains it here.
    if (executionArn !== undefined && record.outcome === 'already-completed') await this.builds.recordStart(key, executionArn, now);
    this.logger.info('Build completion recorded', { buildId, outcome: record.outcome, status: record.status, executionArn });
    return record;
  }
}
