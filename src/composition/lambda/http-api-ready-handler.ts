import { createHttpApiHandler, type HttpApiHandler } from '../../adapters/driving/lambda/http-api/http-api.handler.js';
import { createAwsManualDeploymentAdapters, type AwsAdapterOptions, type AwsClients } from '../aws-adapters.js';
import { portBinding, type PortBinding } from '../resolve-services.js';
import { TOKENS } from '../tokens.js';
import { cancelBuildWiring, redeployBuildWiring, redriveBuildWiring, rollBackEnvironmentWiring } from '../wiring.js';
import { readHttpApiEnvironment, type Environment } from './environment.js';
import { functionParts } from './function-parts.js';
import { httpApiServicesOf } from './http-api-services.js';

// Apart from ready-handlers.ts: the other functions' bundles import that file,
// and must not reach the HTTP adapter (its schemas are built when its module
// loads) nor the manual deployments' adapters.

/** The ports only the HTTP API's function binds (the other functions never bundle their adapters). */
function manualDeploymentPorts(options: AwsAdapterOptions, clients: AwsClients): PortBinding[] {
  const adapters = createAwsManualDeploymentAdapters(options, clients);
  return [
    portBinding(TOKENS.ExecutionController, adapters.executionController),
    portBinding(TOKENS.IdempotencyStore, adapters.idempotencyStore ?? null),
  ];
}

/**
 * The HTTP API handler (API Gateway HTTP API, payload format 2.0, every route
 * authorized with AWS_IAM) configured from `BUILDS_TABLE_NAME`,
 * `STATE_MACHINE_ARN`, `IDEMPOTENCY_TABLE_NAME`, optionally
 * `DEPLOYMENT_CONCURRENCY`, and Powertools' variables (docs/lambda.md). It
 * reads builds and runs the manual deployments (redeploy, rollback, redrive,
 * cancel); it starts no execution: the builds it creates are started by
 * trigger-build or the sweeper.
 *
 * @example
 * ```ts
 * export const handler = await httpApiHandlerFromEnvironment();
 * ```
 */
export async function httpApiHandlerFromEnvironment(env: Environment = process.env): Promise<HttpApiHandler> {
  const wirings = [redeployBuildWiring, rollBackEnvironmentWiring, redriveBuildWiring, cancelBuildWiring];
  const { services, logger } = await functionParts(env, readHttpApiEnvironment(env), 'http-api', wirings, manualDeploymentPorts);
  return createHttpApiHandler({ services: httpApiServicesOf(services), logger });
}
