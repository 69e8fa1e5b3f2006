import {
  IllegalTransitionError,
  buildIdOf,
  cancellationReason,
  executionName,
  locksEnvironment,
  type Build,
  type ConcurrencyPolicy,
} from '../../domain/index.js';
import type { BuildRepository, Clock, ExecutionController, ExecutionInspector, IdempotencyStore, Logger } from '../../ports/index.js';
import { IdempotentRequests } from './idempotent-requests.js';
import type { CancelRequest, ManualDeploymentResult } from './manual-deployment-result.js';
import { parseRequest, readBuild, refusal } from './request-parts.js';

/** The error name a forced cancel stops an execution with (Step Functions records it with the cause). */
export const CANCELLED_ERROR = 'Cancelled';

/**
 * The cancel use case.
 *
 * - A `PENDING` build no start attempt holds (it waits for its environment,
 *   or was never started) ends `FAILED` "cancelled by {who}", and never
 *   starts. One a start attempt holds is refused for now: its execution may
 *   be starting; so is one whose execution exists already (its item was put
 *   back after it started).
 * - An `IN_PROGRESS` build is refused, for stopping its execution does not
 *   stop the stack operation it began, unless `force`: then its environment's
 *   lock is kept for a person first, the execution is stopped with the cause
 *   "cancelled by {who}", and the build recorded `FAILED` (only while it is
 *   `IN_PROGRESS` with that execution). The environment stays locked by it
 *   until a person runs `unlock`, once the stack has settled.
 * - A build that has ended is refused with its status
 *   ({@link IllegalTransitionError}).
 *
 * @example
 * ```ts
 * const cancel = container.get(CancelBuildService);
 * const result = await cancel.cancel({ build: { repo: 'myapp', env: 'prd', sk }, requestedBy: 'arn:aws:iam::123456789012:user/alice' });
 * ```
 */
export class CancelBuildService {
  private readonly requests: IdempotentRequests;

  constructor(
    private readonly builds: BuildRepository,
    private readonly inspector: ExecutionInspector,
    private readonly executions: ExecutionController,
    idempotencyStore: IdempotencyStore | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly concurrency: ConcurrencyPolicy,
  ) {
    this.requests = new IdempotentRequests(idempotencyStore, clock);
  }

  async cancel(request: CancelRequest): Promise<ManualDeploymentResult> {
    const parsed = parseRequest(request.build, request.requestedBy);
    if (!parsed.ok) return refusal(parsed.error);
    const { key, requestedBy } = parsed.value;
    const force = request.force === true;
    return this.requests.run(
      'cancel',
      request,
      { build: buildIdOf(key), force },
      async () => {
        const found = await readBuild(this.builds, key);
        if (!found.ok) return refusal(found.error);
        let build = found.value;
        if (build.status === 'PENDING') {
          const running = await this.executionOf(build);
          if (running !== undefined) {
            return refusal(
              new IllegalTransitionError(
                build,
                'FAILED',
                `its execution ${running} already ran or runs (its item was put back since): its start records it in a moment; cancel it with force then`,
              ),
            );
          }
          const cancelled = await this.builds.cancelPending(build, { reason: cancellationReason(requestedBy), cancelledBy: requestedBy, at: this.clock.now() });
          if (cancelled.outcome === 'cancelled') {
            this.logger.info('Build cancelled before it started', { buildId: buildIdOf(build), cancelledBy: requestedBy });
            return { ok: true, build: cancelled.build, created: false, replayed: false };
          }
          if (cancelled.outcome === 'starting') {
            return refusal(new IllegalTransitionError(build, 'FAILED', 'its start is under way; cancel it again in a moment (with force once it deploys)'));
          }
          build = cancelled.build;
        }
        if (build.status === 'IN_PROGRESS') return this.cancelDeploying(build, force, requestedBy);
        // Found ended: by this very cancel, when an earlier request of its key ended it before its answer was lost.
        if (build.status === 'FAILED' && build.cancelledBy === requestedBy && build.errorMsg === cancellationReason(requestedBy)) {
          return { ok: true, build, created: false, replayed: false };
        }
        return refusal(new IllegalTransitionError(build, 'FAILED', `it has already ended ${build.status}`));
      },
    );
  }

  /**
   * The ARN of the build's own execution when one exists although the build
   * is `PENDING`: an earlier start ran it and the item was put back since
   * (an operator, a restore). Such a build is its execution's, and a cancel
   * cannot stop what it began without force.
   */
  private async executionOf(build: Build): Promise<string | undefined> {
    const executionArn = this.inspector.executionArnOf(executionName(build));
    return (await this.inspector.describe(executionArn)) === undefined ? undefined : executionArn;
  }

  private async cancelDeploying(build: Build, force: boolean, requestedBy: string | undefined): Promise<ManualDeploymentResult> {
    if (!force) {
      return refusal(
        new IllegalTransitionError(
          build,
          'FAILED',
          'it is deploying, and stopping its execution would not stop the stack operation it began; cancel with force to stop it anyway',
        ),
      );
    }
    const { executionArn } = build;
    if (executionArn === undefined) return refusal(new IllegalTransitionError(build, 'FAILED', 'it records no execution to stop'));
    const reason = cancellationReason(requestedBy);
    const who = requestedBy ?? 'an unnamed caller';
    if (locksEnvironment(this.concurrency)) {
      // Kept first: the execution's end (its ABORTED event) then cannot release the lock while the stack may still change.
      const kept = await this.builds.keepEnvironmentLock(build, executionArn, { keptBy: who, policy: this.concurrency, at: this.clock.now() });
      if (kept.outcome === 'busy') this.logger.warn('Cancelled build deploys outside its environment lock: no lock is kept for it', { buildId: buildIdOf(build), holder: kept.lock.holder });
      if (kept.outcome === 'not-running') return this.afterItEnded(build, requestedBy);
    }
    const stop = await this.executions.stop(executionArn, { error: CANCELLED_ERROR, cause: reason });
    // It had closed on its own (its end not recorded yet): how it ended is the truth, and reconciliation records it.
    if (stop.outcome === 'not-running') return this.afterItEnded(build, requestedBy);
    const end = await this.builds.recordExecutionEnd(build, executionArn, { status: 'FAILED', errorMsg: reason }, this.clock.now(), {
      cancelledBy: requestedBy,
      releaseEnvironmentLock: false,
    });
    if (end.outcome === 'refused') return this.afterItEnded(build, requestedBy);
    const recorded = await readBuild(this.builds, build);
    this.logger.warn('Deploying build cancelled: its execution was stopped; its environment stays locked until a person unlocks it', {
      buildId: buildIdOf(build),
      executionArn,
      cancelledBy: requestedBy,
    });
    return { ok: true, build: recorded.ok ? recorded.value : build, created: false, replayed: false };
  }

  /**
   * The build's execution ended on its own before the cancel could stop it:
   * the build is not cancelled (its end, recorded or still to be, is the
   * execution's), and the lock kept for the cancel, if any, is released.
   */
  private async afterItEnded(build: Build, requestedBy: string | undefined): Promise<ManualDeploymentResult> {
    const found = await readBuild(this.builds, build);
    const current = found.ok ? found.value : build;
    if (locksEnvironment(this.concurrency)) {
      const lock = await this.builds.getEnvironmentLock(build.repo, build.env);
      if (lock?.holder === build.sk && lock.keptBy !== undefined) {
        await this.builds.releaseEnvironmentLock(build.repo, build.env, build.sk, { releasedBy: lock.keptBy, at: this.clock.now() });
      }
    }
    if (current.status === 'FAILED' && current.cancelledBy === requestedBy) return { ok: true, build: current, created: false, replayed: false };
    const ended = current.status === 'IN_PROGRESS' ? 'its execution ended (its end is being recorded)' : `it ended ${current.status}`;
    return refusal(new IllegalTransitionError(current, 'FAILED', `${ended} before it could be cancelled`));
  }
}
