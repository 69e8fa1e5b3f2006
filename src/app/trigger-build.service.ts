import { randomUUID } from 'node:crypto';
import {
  BuildNotFoundError,
  BuildRecordTooLargeError,
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
import type { BuildRepository, Clock, Logger, StartClaim } from '../ports/index.js';
import { type Orchestrator } from './orchestrator.service.js';

export type TriggerOutcome =
  | {
      readonly outcome: 'started';
      readonly executionArn: string;
      /**
       * Whether this attempt's write moved the build `PENDING -> IN_PROGRESS`;
       * `false` when a concurrent attempt (the sweeper, a redelivery) recorded
       * the same execution first. Count started builds by it: one per execution.
       */
      readonly transitioned: boolean;
    }
  /** The build is no longer PENDING (or is gone): a redelivery, nothing to start. */
  | { readonly outcome: 'skipped'; readonly status?: BuildStatus; readonly executionArn?: string }
  /** A permanent error: the build was recorded FAILED with this reason. */
  | { readonly outcome: 'failed'; readonly reason: string }
  /**
   * A newer build of the environment had already deployed (`SUCCESS`): this
   * one was recorded FAILED, naming it, instead of being deployed over it.
   */
  | { readonly outcome: 'superseded'; readonly supersededBy: string; readonly reason: string }
  /**
   * The execution that holds the build's name had already closed (its item
   * was deleted and put back, restored...): the build now records how it
   * ended, and a new build is needed to deploy again.
   */
  | { readonly outcome: 'ended'; readonly executionArn: string; readonly status: BuildStatus };

export interface TriggerOptions {
  /** The artifacts bucket; the key is `{repo}/{branch}/{version}`. */
  readonly s3Bucket: string;
  readonly traceHeader?: string | undefined;
}

/**
 * The trigger-build use case: start the deployment of a new build, shared by
 * every entry point that reacts to new builds.
 *
 * - Each attempt first claims the `PENDING` build (a conditional write that
 *   also reads it). A build that is no longer `PENDING` is not started again:
 *   a redelivered record must not deploy a `FAILED` build.
 * - A stale build is never deployed over a newer one: when a newer build of
 *   its repo and env has already ended `SUCCESS` (a `PENDING` record left
 *   behind for days, a redelivery after the newer build deployed), it is
 *   recorded `FAILED` with `supersededBy` naming that build, and nothing
 *   starts. A person can still deploy its version on purpose, with a new build.
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
export class TriggerBuildService {
  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly builds: BuildRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts the build as the table holds it now: only its key is taken from
   * `build`, so a stale or odd stream image never decides what is deployed.
   * A build whose item does not read as a build is recorded `FAILED` with the
   * reason while it is still `PENDING`.
   */
  async trigger(build: BuildKey, options: TriggerOptions): Promise<TriggerOutcome> {
    const buildId = buildIdOf(build);
    const attempt = randomUUID();
    let claim: StartClaim;
    try {
      claim = await this.builds.claimStart(build, attempt);
    } catch (error) {
      if (error instanceof BuildRecordTooLargeError) return this.recordUnclaimable(build, error);
      if (!(error instanceof ValidationError)) throw error;
      return this.recordUnreadable(build, error);
    }
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
      const input = executionInputFor(claim.build, options.s3Bucket);
      const newer = await this.builds.newestSuccessAfter(claim.build);
      // An execution an earlier attempt started (and crashed before recording) is the build's own: record it, whatever came since.
      if (newer !== undefined && !(await this.orchestrator.wasStarted(input))) return await this.recordSuperseded(claim.build, attempt, newer);
      const started = await this.orchestrator.start(input, { traceHeader: options.traceHeader });
      if (started.outcome === 'ended') return { outcome: 'ended', executionArn: started.executionArn, status: started.status };
      return { outcome: 'started', executionArn: started.executionArn, transitioned: started.transitioned };
    } catch (error) {
      if (!(error instanceof PermanentExecutionStartError || error instanceof ValidationError)) throw error;
      return this.recordStartFailure(build, attempt, error);
    }
  }

  /** A newer build already deployed: starting this one would put an older version over it. */
  private async recordSuperseded(build: Build, attempt: string, newer: Build): Promise<TriggerOutcome> {
    const supersededBy = buildIdOf(newer);
    const reason = boundErrorMessage(
      `Not deployed: the newer build ${supersededBy} (version ${newer.version}) has deployed since, and this build ` +
        `(version ${build.version}) would have replaced it. To deploy this version on purpose, create a new build of it.`,
    );
    const { outcome } = await this.builds.recordStartFailure(build, attempt, reason, this.clock.now(), { supersededBy });
    if (outcome === 'superseded') {
      // Another attempt claimed the build since: it decides (and finds the same newer build).
      throw new TransientExecutionStartError('ConcurrentStartAttempt', `another attempt holds build ${buildIdOf(build)}`);
    }
    this.logger.warn('Stale build not deployed: a newer build of its environment has deployed', { buildId: buildIdOf(build), supersededBy });
    return { outcome: 'superseded', supersededBy, reason };
  }

  /**
   * The build's record has no room for the start's own attribute (another
   * writer filled it to the store's size limit): every attempt would fail
   * alike, so it can never start. The failure write is smaller than the
   * record it replaces (the store writes it in its smallest form).
   */
  private async recordUnclaimable(key: BuildKey, error: BuildRecordTooLargeError): Promise<TriggerOutcome> {
    const reason = boundErrorMessage(`The build record cannot be started: it has no room left for the start (${error.message})`);
    return (await this.failUnstartable(key, reason)) === 'failed' ? { outcome: 'failed', reason } : { outcome: 'skipped' };
  }

  /** The build's item does not read as a build: it can never start. */
  private async recordUnreadable(key: BuildKey, error: ValidationError): Promise<TriggerOutcome> {
    const reason = boundErrorMessage(`The build record is invalid: ${error.message}`);
    return (await this.failUnstartable(key, reason)) === 'failed' ? { outcome: 'failed', reason } : { outcome: 'skipped' };
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
   * Records a build whose record can never start (it does not read as a
   * build) as `FAILED` with the reason, only while it is still `PENDING`: a
   * stale or redelivered record never fails a build that was started or has
   * ended. Returns the reason as recorded.
   */
  async markUnstartable(key: BuildKey, reason: string): Promise<string> {
    const errorMsg = boundErrorMessage(reason);
    await this.failUnstartable(key, errorMsg);
    return errorMsg;
  }

  private async failUnstartable(key: BuildKey, reason: string): Promise<'failed' | 'superseded' | 'missing'> {
    const buildId = buildIdOf(key);
    try {
      const { outcome } = await this.builds.recordUnstartable(key, reason, this.clock.now());
      if (outcome === 'failed') this.logger.error('Build cannot start; recorded FAILED', { buildId, reason });
      else this.logger.warn('Build cannot start but is no longer PENDING; left as it is', { buildId, reason });
      return outcome;
    } catch (error) {
      if (!(error instanceof BuildNotFoundError)) throw error;
      this.logger.warn('Build cannot start and no longer exists', { buildId, reason });
      return 'missing';
    }
  }
}
