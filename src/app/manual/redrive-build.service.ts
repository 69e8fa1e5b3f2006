import {
  EnvironmentBusyError,
  NotRedrivableError,
  buildIdOf,
  locksEnvironment,
  type Build,
  type ConcurrencyPolicy,
} from '../../domain/index.js';
import type { BuildRepository, Clock, ExecutionController, ExecutionInspector, IdempotencyStore, Logger } from '../../ports/index.js';
import { IdempotentRequests } from './idempotent-requests.js';
import type { ManualDeploymentResult, RedriveRequest } from './manual-deployment-result.js';
import { parseRequest, readBuild, refusal } from './request-parts.js';

/** Newer builds read per page while checking that none has started since. */
const NEWER_PAGE = 25;

/**
 * The redrive use case: Step Functions runs a `FAILED` build's own execution
 * again from the state it stopped in (`RedriveExecution`: same ARN, same
 * input), when all of these hold:
 *
 * - the execution was stopped or timed out (`ABORTED`, `TIMED_OUT`): one
 *   that `FAILED` ended in the shipped workflow's failure path, where a
 *   redrive would fail again at once, so it is refused (redeploy instead);
 * - Step Functions says it can (`redriveStatus: REDRIVABLE`); a refusal
 *   quotes its `redriveStatusReason`;
 * - no newer build of the environment has started since: a redrive never
 *   puts an older version over a newer one;
 * - the environment's lock can be taken for it (queue and supersede).
 *
 * While it runs again the build stays `FAILED` and carries `redrivenBy`,
 * `redrivenAt` and the sweeper's redrive mark; the redrive rule records how
 * it ends (a redriven `SUCCESS` replaces `FAILED`), releasing the lock.
 *
 * A redrive resumes at the state the execution stopped in: with the shipped
 * workflow, whose every task catches its errors, that deploys again only an
 * execution that was stopped or timed out; a stack that failed to deploy
 * needs a `redeploy`.
 */
export class RedriveBuildService {
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

  async redrive(request: RedriveRequest): Promise<ManualDeploymentResult> {
    const parsed = parseRequest(request.build, request.requestedBy);
    if (!parsed.ok) return refusal(parsed.error);
    const { key, requestedBy } = parsed.value;
    return this.requests.run(
      'redrive',
      request,
      { build: buildIdOf(key) },
      async ({ clientToken }) => {
        const found = await readBuild(this.builds, key);
        if (!found.ok) return refusal(found.error);
        const build = found.value;
        const { executionArn } = build;
        if (build.status !== 'FAILED') return refusal(new NotRedrivableError(build, `it is ${build.status}; only a FAILED build's execution is redriven`));
        if (executionArn === undefined) return refusal(new NotRedrivableError(build, 'it never ran (it records no execution): redeploy it instead'));
        const execution = await this.inspector.describe(executionArn);
        if (execution === undefined) return refusal(new NotRedrivableError(build, `its execution ${executionArn} no longer exists`));
        if (execution.status === 'RUNNING' && (execution.redriveCount ?? 0) > 0 && build.redrivenBy === requestedBy && build.redrivenAt !== undefined) {
          // This very redrive, asked before (its answer was lost): it runs.
          return { ok: true, build, created: false, replayed: false };
        }
        if (execution.status === 'FAILED') {
          // Every state of the shipped workflow catches its errors and ends in its failure path (ReportFailure,
          // then the DeploymentFailed Fail state): a redrive resumes in that Fail state and fails again at once.
          return refusal(
            new NotRedrivableError(
              build,
              'its execution ended in the workflow\'s failure path (the stack did not deploy, or a step failed and was reported): ' +
                'a redrive would resume in that failed state and fail again at once; redeploy the build instead',
            ),
          );
        }
        if (execution.redriveStatus !== 'REDRIVABLE') {
          return refusal(new NotRedrivableError(build, `Step Functions says: ${execution.redriveStatusReason ?? `its execution is ${execution.status}`}`));
        }
        const locking = locksEnvironment(this.concurrency) ? { policy: this.concurrency } : undefined;
        const begun = await this.builds.beginRedrive(build, executionArn, { at: this.clock.now(), redrivenBy: requestedBy, environmentLock: locking });
        if (begun.outcome === 'busy') return refusal(new EnvironmentBusyError(buildIdOf(build), begun.lock, locking?.policy ?? begun.lock.policy));
        if (begun.outcome === 'refused') return refusal(new NotRedrivableError(build, begun.reason));
        // Checked with the lock held: no build of the environment can start from now on.
        const newer = await this.newerStarted(build);
        if (newer !== undefined) {
          await this.undo(build, begun.since);
          return refusal(
            new NotRedrivableError(
              build,
              `the newer build ${buildIdOf(newer)} (version ${newer.version}) has started since; a redrive would put version ${build.version} over it`,
            ),
          );
        }
        const redriven = await this.executions.redrive(executionArn, clientToken);
        if (redriven.outcome === 'not-redrivable') {
          await this.undo(build, begun.since);
          return refusal(new NotRedrivableError(build, `Step Functions says: ${redriven.reason}`));
        }
        this.logger.info('Build execution redriven: it runs again from the state it failed in', { buildId: buildIdOf(build), executionArn, redrivenBy: requestedBy });
        return { ok: true, build: begun.build, created: false, replayed: false };
      },
    );
  }

  /** The newest build of the environment newer than `build` that started (it is running or ended after running). */
  private async newerStarted(build: Build): Promise<Build | undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.builds.listBuilds(build.repo, build.env, { limit: NEWER_PAGE, cursor });
      for (const other of page.builds) {
        if (other.sk <= build.sk) return undefined;
        if (other.status === 'IN_PROGRESS' || other.status === 'SUCCESS' || other.executionArn !== undefined) return other;
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return undefined;
  }

  /** The redrive did not happen: its marks go, and the lock it took is released. */
  private async undo(build: Build, since: Date): Promise<void> {
    await this.builds.clearRedrivePending(build, since, { forgetRedrive: true, releaseEnvironmentLock: locksEnvironment(this.concurrency) });
  }
}
