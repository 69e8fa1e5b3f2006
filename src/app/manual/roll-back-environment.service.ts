import {
  NothingToRollBackToError,
  ValidationError,
  buildIdOf,
  executionName,
  newKsuidAfter,
  parseEnvironment,
  parseRecordedBuildKey,
  rollbackTargetIn,
  rolledBackOverReason,
  whyNotRollbackTarget,
  type Build,
} from '../../domain/index.js';
import type { BuildRepository, Clock, ExecutionInspector, IdempotencyStore, Logger } from '../../ports/index.js';
import { IdempotentRequests } from './idempotent-requests.js';
import type { ManualDeploymentResult, RollbackRequest } from './manual-deployment-result.js';
import { recordRedeployment } from './record-redeployment.js';
import { parseRequestedBy, readBuild, refusal, type Step } from './request-parts.js';

/** Successful builds read per page while looking for the version to roll back to. */
const SUCCESS_PAGE = 50;

/**
 * The rollback use case: deploys an environment's previous version again,
 * as a new build (`kind: rollback`) recorded `PENDING` and started by the
 * normal path, like a redeploy. The version is that of the newest `SUCCESS`
 * build older than the environment's newest `SUCCESS` whose `version`
 * differs from it, or of the `SUCCESS` build named by `to`.
 *
 * A rollback goes before the builds that wait for the environment: each
 * `PENDING` build older than it that no start holds is recorded `FAILED`,
 * naming it (`supersededBy`), whatever the concurrency policy, and the
 * environment's line gives a waiting rollback the next turn.
 *
 * Nothing to roll back to is refused with {@link NothingToRollBackToError},
 * saying why.
 *
 * @example
 * ```ts
 * const rollback = container.get(RollBackEnvironmentService);
 * const result = await rollback.rollBack({ repo: 'myapp', env: 'prd', requestedBy: 'arn:aws:iam::123456789012:user/alice' });
 * if (!result.ok) console.error(result.error.message); // e.g. "Nothing to roll back to in myapp/prd: ..."
 * ```
 */
export class RollBackEnvironmentService {
  private readonly requests: IdempotentRequests;

  constructor(
    private readonly builds: BuildRepository,
    private readonly inspector: ExecutionInspector,
    idempotencyStore: IdempotencyStore | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.requests = new IdempotentRequests(idempotencyStore, clock);
  }

  async rollBack(request: RollbackRequest): Promise<ManualDeploymentResult> {
    let environment: { repo: string; env: string };
    let requestedBy: string | undefined;
    try {
      environment = parseEnvironment({ repo: request.repo, env: request.env });
      if (request.to !== undefined) parseRecordedBuildKey({ ...environment, sk: request.to });
      requestedBy = parseRequestedBy(request.requestedBy);
    } catch (error) {
      if (error instanceof ValidationError) return refusal(error.field === 'sk' ? new ValidationError('to', error.reason) : error);
      throw error;
    }
    return this.requests.run(
      'rollback',
      request,
      { environment: `${environment.repo}/${environment.env}`, to: request.to ?? null },
      async ({ plan }) => {
        const target = await this.targetOf(environment, request.to);
        if (!target.ok) return refusal(target.error);
        const build = await recordRedeployment(this.builds, target.value, 'rollback', plan ?? (await this.newBuildKeyOf(environment)), requestedBy, this.clock.now());
        this.logger.info('Rollback recorded: it deploys before the builds that waited', {
          buildId: buildIdOf(build),
          redeployOf: buildIdOf(target.value),
          version: build.version,
          requestedBy,
        });
        await this.supersedeWaiting(build, requestedBy);
        return { ok: true, build, created: true, replayed: false };
      },
      () => this.newBuildKeyOf(environment),
    );
  }

  /** The build whose version the rollback deploys: `to`, or the previous deployed version. */
  private async targetOf(environment: { repo: string; env: string }, to: string | undefined): Promise<Step<Build>> {
    const successes = this.successesOf(environment);
    if (to === undefined) {
      const found = await rollbackTargetIn(successes);
      if (found.target === undefined) return { ok: false, error: new NothingToRollBackToError(environment, found.reason) };
      return { ok: true, value: found.target };
    }
    const named = await readBuild(this.builds, { ...environment, sk: to });
    if (!named.ok) return named;
    const { value: current } = await successes.next();
    const why = whyNotRollbackTarget(named.value, current);
    return why === undefined ? named : { ok: false, error: new NothingToRollBackToError(environment, why) };
  }

  /** The environment's `SUCCESS` builds, newest first, a page at a time as they are needed. */
  private async *successesOf(environment: { repo: string; env: string }): AsyncGenerator<Build, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.builds.listBuilds(environment.repo, environment.env, { status: 'SUCCESS', limit: SUCCESS_PAGE, cursor });
      yield* page.builds;
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return undefined;
  }

  /**
   * The builds waiting for the environment that are older than the rollback
   * end `FAILED`, naming it. One a start attempt holds is left to it (its
   * execution may be starting), and so is one whose execution exists (its
   * item was put back since it ran); the line's turn puts the rollback first
   * anyway.
   */
  private async supersedeWaiting(rollback: Build, requestedBy: string | undefined): Promise<void> {
    const line = await this.builds.readEnvironmentLine(rollback.repo, rollback.env);
    const reason = rolledBackOverReason(rollback, requestedBy);
    for (const waiting of line.waiting) {
      if (waiting.sk >= rollback.sk) continue;
      // A build whose execution ran before its item was put back is that execution's to record, never superseded.
      if ((await this.inspector.describe(this.inspector.executionArnOf(executionName(waiting)))) !== undefined) continue;
      const cancelled = await this.builds.cancelPending(waiting, { reason, at: this.clock.now(), supersededBy: buildIdOf(rollback) });
      if (cancelled.outcome === 'cancelled') this.logger.info('Waiting build superseded by a rollback', { buildId: buildIdOf(waiting), supersededBy: buildIdOf(rollback) });
    }
  }
  /**
   * The key of the build the request records: a KSUID newer than every build
   * of the environment, so it deploys (a build older than a deployed one
   * never does).
   */
  private async newBuildKeyOf(environment: { readonly repo: string; readonly env: string }): Promise<string> {
    const [newest] = (await this.builds.listBuilds(environment.repo, environment.env, { limit: 1 })).builds;
    return newKsuidAfter(newest?.sk, this.clock.now());
  }
}
