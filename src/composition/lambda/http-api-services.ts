import type { HttpApiServices } from '../../adapters/driving/lambda/http-api/http-api.handler.js';
import { TOKENS, type Token } from '../tokens.js';

/** Where the services come from: a container (`createAwsContainer`...) or the services a ready handler resolved. */
export interface ServiceSource {
  get<Service>(token: Token<Service>): Service;
}

/**
 * What the HTTP API handler works with, from a container: the build store's
 * reads and the four manual deployment services (`RedeployBuildService`,
 * `RollBackEnvironmentService`, `RedriveBuildService`, `CancelBuildService`).
 * Each service is asked for now, so a container that lacks one (`redrive`
 * and `cancel` need an execution controller) fails here, naming it.
 *
 * @example
 * ```ts
 * import { TOKENS } from '@aws-deployer/orchestrator';
 * import { createAwsContainer, createHttpApiHandler, httpApiServicesOf } from '@aws-deployer/orchestrator/lambda';
 *
 * const container = createAwsContainer({ tableName, stateMachineArn, idempotencyTableName });
 * export const handler = createHttpApiHandler({ services: httpApiServicesOf(container), logger: container.get(TOKENS.Logger) });
 * ```
 */
export function httpApiServicesOf(source: ServiceSource): HttpApiServices {
  const redeploy = source.get(TOKENS.RedeployBuildService);
  const rollBack = source.get(TOKENS.RollBackEnvironmentService);
  const redrive = source.get(TOKENS.RedriveBuildService);
  const cancel = source.get(TOKENS.CancelBuildService);
  return {
    builds: source.get(TOKENS.BuildRepository),
    redeploy: (request) => redeploy.redeploy(request),
    rollBack: (request) => rollBack.rollBack(request),
    redrive: (request) => redrive.redrive(request),
    cancel: (request) => cancel.cancel(request),
  };
}
