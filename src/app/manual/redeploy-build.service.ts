import { buildIdOf, newKsuidAfter } from '../../domain/index.js';
import type { BuildRepository, Clock, IdempotencyStore, Logger } from '../../ports/index.js';
import { IdempotentRequests } from './idempotent-requests.js';
import type { ManualDeploymentResult, RedeployRequest } from './manual-deployment-result.js';
import { recordRedeployment } from './record-redeployment.js';
import { parseRequest, readBuild, refusal } from './request-parts.js';

/**
 * The redeploy use case: deploys a build's version again, as a new build
 * (a new KSUID; the source's `branch`, `version`, `commitHash`,
 * `buildNumber` and `stackName`; `kind: redeploy`, `redeployOf`,
 * `requestedBy`). The new build is recorded `PENDING` and nothing else:
 * trigger-build starts it from the table's stream (or the sweeper does),
 * so it waits its environment's turn like any build, and there is one path
 * to start, never two. The artifacts at `{repo}/{branch}/{version}` must
 * still be in the bucket: the module never reads it.
 *
 * Expected refusals are returned (`ok: false`), never thrown: the build is
 * missing or unreadable, the request is invalid, or its idempotency key was
 * used for another request or is in use.
 *
 * @example
 * ```ts
 * const redeploy = container.get(RedeployBuildService);
 * const result = await redeploy.redeploy({
 *   build: { repo: 'myapp', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXyZa01234' },
 *   requestedBy: 'arn:aws:iam::123456789012:user/alice',
 *   idempotencyKey: '5f0c1c4e-1b7e-4a55-9f43-3f6f2c0b9d11',
 * });
 * if (result.ok) console.log(result.build.sk); // the new build, PENDING
 * ```
 */
export class RedeployBuildService {
  private readonly requests: IdempotentRequests;

  constructor(
    private readonly builds: BuildRepository,
    idempotencyStore: IdempotencyStore | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.requests = new IdempotentRequests(idempotencyStore, clock);
  }

  async redeploy(request: RedeployRequest): Promise<ManualDeploymentResult> {
    const parsed = parseRequest(request.build, request.requestedBy);
    if (!parsed.ok) return refusal(parsed.error);
    const { key, requestedBy } = parsed.value;
    return this.requests.run(
      'redeploy',
      request,
      { build: buildIdOf(key) },
      async ({ plan }) => {
        const source = await readBuild(this.builds, key);
        if (!source.ok) return refusal(source.error);
        const build = await recordRedeployment(this.builds, source.value, 'redeploy', plan ?? (await this.newBuildKeyOf(key)), requestedBy, this.clock.now());
        this.logger.info('Redeploy recorded: the new build starts in its turn', { buildId: buildIdOf(build), redeployOf: buildIdOf(key), requestedBy });
        return { ok: true, build, created: true, replayed: false };
      },
      () => this.newBuildKeyOf(key),
    );
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
