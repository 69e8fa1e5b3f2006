/**
 * `@aws-deployer/orchestrator/lambda`: the Lambda handlers (trigger-build,
 * update-build-status, execution-end reconciliation, sweeper, the HTTP API) as factories
 * over the services they use, their ready-made versions configured from environment
 * variables, and `createAwsContainer`. See docs/lambda.md for IAM policies,
 * event sources, variables, logs and metrics.
 */
export { createAwsContainer, type AwsClientTracer, type AwsContainerOptions } from './composition/aws-container.js';
export type { AwsAdapterOptions } from './composition/aws-adapters.js';
export type { HandlerObservability } from './adapters/driving/lambda/observability/observed-handler.js';
export {
  createExecutionStatusChangeHandler,
  createHttpApiHandler,
  createSweeperHandler,
  createTriggerBuildHandler,
  createUpdateBuildStatusHandler,
  httpApiServicesOf,
  type ContainerHandlerDeps,
} from './composition/lambda/handler-factories.js';
export type {
  HttpApiBuildReads,
  HttpApiHandler,
  HttpApiHandlerDeps,
  HttpApiServices,
} from './adapters/driving/lambda/http-api/http-api.handler.js';
export type { HttpApiEvent } from './adapters/driving/lambda/http-api/http-api-request.js';
export type {
  TriggerBuildHandler,
  TriggerBuildHandlerDeps,
} from './adapters/driving/lambda/trigger-build/trigger-build.handler.js';
export type {
  UpdateBuildStatusHandler,
  UpdateBuildStatusHandlerDeps,
  UpdateBuildStatusResult,
} from './adapters/driving/lambda/update-build-status/update-build-status.handler.js';
export type { CallbackPayload } from './adapters/driving/lambda/update-build-status/callback-payload.js';
export type {
  ExecutionStatusChangeDetail,
  ExecutionStatusChangeEvent,
  ExecutionStatusChangeHandler,
  ExecutionStatusChangeHandlerDeps,
  ExecutionStatusChangeResult,
} from './adapters/driving/lambda/reconciliation/execution-status-change.handler.js';
export type {
  SweeperHandler,
  SweeperHandlerDeps,
  SweeperResult,
} from './adapters/driving/lambda/reconciliation/sweeper.handler.js';
export {
  executionStatusChangeHandlerFromEnvironment,
  sweeperHandlerFromEnvironment,
  triggerBuildHandlerFromEnvironment,
  updateBuildStatusHandlerFromEnvironment,
} from './composition/lambda/ready-handlers.js';
export { httpApiHandlerFromEnvironment } from './composition/lambda/http-api-ready-handler.js';
export { EnvironmentVariableError, type Environment } from './composition/lambda/environment.js';
export { LAMBDA_FUNCTIONS, type LambdaFunctionName } from './adapters/driving/lambda/permissions.js';
