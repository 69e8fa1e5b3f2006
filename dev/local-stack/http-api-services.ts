/**
 * What the local stack's HTTP API handler works with, from one container:
 * the build store's reads and the four manual deployment services, as the
 * HTTP API's Lambda function composes them in AWS.
 */
import { TOKENS, type ServiceContainer } from '../../src/index.js';
import type { HttpApiServices } from '../../src/lambda.js';

/** Who every request to the local HTTP API is recorded as (`requested_by`): nobody signs requests locally. */
export const LOCAL_CALLER = 'local';

/**
 * The handler's services from `container` (`createAwsContainer` with an
 * `idempotencyTableName`). Each service is resolved now, so a container
 * that lacks one (redrive and cancel need the execution controller) fails
 * here, naming it.
 */
export function httpApiServicesOf(container: ServiceContainer): HttpApiServices {
  const redeploy = container.get(TOKENS.RedeployBuildService);
  const rollBack = container.get(TOKENS.RollBackEnvironmentService);
  const redrive = container.get(TOKENS.RedriveBuildService);
  const cancel = container.get(TOKENS.CancelBuildService);
  return {
    builds: container.get(TOKENS.BuildRepository),
    redeploy: (request) => redeploy.redeploy(request),
    rollBack: (request) => rollBack.rollBack(request),
    redrive: (request) => redrive.redrive(request),
    cancel: (request) => cancel.cancel(request),
  };
}
