import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'inversify';
import {
  BuildNotFoundError,
  IllegalTransitionError,
  PermanentExecutionStartError,
  TransientExecutionStartError,
  ValidationError,
  boundErrorMessage,
  buildIdOf,
  executionInputFor,
  type Build,
  type BuildKey,
  type BuildStatus,
} from '../domain/index.js';
import type { BuildRepository, Clock, Logger } from '../ports/index.js';
import { TOKENS } from './di-tokens.js';
import { Orchestrator } from './orchestrator.service.js';

export type TriggerOutcome =
  | { readonly outcome: 'started'; readonly executionArn: string }
  /** The build is no longer PENDING (or is gone): a redelivery, nothing to start. */
  | { readonly outcome: 'skipped'; readonly status?: BuildStatus; readonly executionArn?: string }
  /** A permanent error: the build was recorded FAILED with this reason. */
  | { readonly outcome: 'failed'; readonly reason: string };

export interface TriggerOptions {
  /** The artifacts bucket; the key is `{repo}/{branch}/{version}`. */
  readonly s3Bucket: string;
  readonly traceHeader?: string;
}

/**
 * The trigger-build use case: start the deployment of a new build, shared by
 * every entry point that reacts to new builds.
 *
 * - Each attempt first claims the `PENDING` build (a conditional write that
 *   also reads it). A build that is no longer `PENDING` is not started again:
 *   a redelivered record must not deploy a `FAILED` build.
 * - A permanent error (bad input, Step Functions' permanent codes) is
 *   recorded on the build as `FAILED` with the reason, unless a concurrent
 *   attempt claimed the build since (it may have started it): then this
 *   attempt fails as transient, to be tried again.
 * - A transient error is thrown unchanged: the build stays `PENDING` and the
 *   caller retries (for a stream, by reporting the record as failed).
 *
 * @example
 * ```ts
 * const trigger = container.get(TriggerBuildService);
 * const result = await trigger.trigger(build, { s3Bucket: 'my-artifacts-bucket' });
 * // { outcome: 'started', executionArn: 'arn:aws:states:...' }
 * ```
 */
@injectable()
export class TriggerBuildService {
  constructor(
    @inject(Orchestrator) private readonly orchestrator: Orchestrator,
    @inject(TOKENS.BuildRepository) private readonly builds: BuildRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  async trigger(build: Build, options: TriggerOptions): Promise<TriggerOutcome> {
    const buildId = buildIdOf(build);
    const attempt = randomUUID();
    const claim = await this.builds.claimStart(build, attempt, this.clock.now());
    if (!claim.claimed) {
      const current = claim.build;
      this.logger.info('Build not started: it is no longer PENDING', { buildId, status: current?.status ?? 'deleted' });
      return {
        outcome: 'skipped',
        ...(current ? { status: current.status } : {}),
        ...(current?.executionArn ? { executionArn: current.executionArn } : {}),
      };
    }
    try {
      const executionArn = await this.orchestrator.startExecution(
        executionInputFor(claim.build, options.s3Bucket),
        options.traceHeader === undefined ? {} : { traceHeader: options.traceHeader },
      );
      return { outcome: 'started', executionArn };
    } catch (error) {
      if (!(error instanceof PermanentExecutionStartError || error instanceof ValidationError)) throw error;
      return this.recordStartFailure(build, attempt, error);
    }
  }

  /**
   * A permanent error failed this attempt. A concurrent attempt that claimed
   * the build since may have started the execution: then the failure is not
   * recorded, and this attempt fails as transient, so its record comes back
   * and finds the build started, or fails again and records it.
   */
  private async recordStartFailure(key: BuildKey, attempt: string, failure: Error): Promise<TriggerOutcome> {
    const buildId = buildIdOf(key);
    const reason = boundErrorMessage(failure.message);
    const { outcome } = await this.builds.recordStartFailure(key, attempt, reason, this.clock.now());
    if (outcome === 'superseded') {
      throw new TransientExecutionStartError(
        'ConcurrentStartAttempt',
        `another attempt holds build ${buildId}; this one failed with: ${reason}`,
        { cause: failure },
      );
    }
    this.logger.error('Build cannot start; recorded FAILED', { buildId, reason });
    return { outcome: 'failed', reason };
  }

  /**
   * Records a build that can never start (a permanent error, an invalid
   * record) as `FAILED` with the reason. Returns the reason as recorded.
   */
  async markUnstartable(key: BuildKey, reason: string): Promise<string> {
    const buildId = buildIdOf(key);
    const errorMsg = boundErrorMessage(reason);
    try {
      await this.builds.recordCompletion(key, { status: 'FAILED', errorMsg }, this.clock.now());
      this.logger.error('Build cannot start; recorded FAILED', { buildId, reason: errorMsg });
    } catch (error) {
      if (!(error instanceof IllegalTransitionError || error instanceof BuildNotFoundError)) throw error;
      this.logger.warn('Build cannot start and could not be marked FAILED', { buildId, reason: errorMsg, why: error.message });
    }
    return errorMsg;
  }
}
