// The handler factories `./lambda` exports: each takes the services its
// handler uses, or (deprecated, CHANGELOG 0.3.0) a whole container instead,
// which is resolved here so no adapter names the container type. The HTTP
// API's, newer than that form, takes its services only (`httpApiServicesOf`
// makes them from a container).
export { createHttpApiHandler } from '../../adapters/driving/lambda/http-api/http-api.handler.js';
export { httpApiServicesOf } from './http-api-services.js';
import {
  createExecutionStatusChangeHandler as executionStatusChangeHandlerOf,
  type ExecutionStatusChangeHandler,
  type ExecutionStatusChangeHandlerDeps,
} from '../../adapters/driving/lambda/reconciliation/execution-status-change.handler.js';
import {
  createSweeperHandler as sweeperHandlerOf,
  type SweeperHandler,
  type SweeperHandlerDeps,
} from '../../adapters/driving/lambda/reconciliation/sweeper.handler.js';
import {
  createTriggerBuildHandler as triggerBuildHandlerOf,
  type TriggerBuildHandler,
  type TriggerBuildHandlerDeps,
} from '../../adapters/driving/lambda/trigger-build/trigger-build.handler.js';
import {
  createUpdateBuildStatusHandler as updateBuildStatusHandlerOf,
  type UpdateBuildStatusHandler,
  type UpdateBuildStatusHandlerDeps,
} from '../../adapters/driving/lambda/update-build-status/update-build-status.handler.js';
import type { ServiceContainer } from '../service-container.js';
import { TOKENS } from '../tokens.js';

/** The deprecated form of a handler factory's dependencies: a container in place of the services and the logger. */
export type ContainerHandlerDeps<Deps> = Omit<Deps, 'logger' | ServiceName<Deps>> & {
  /** What `createContainer` (or `createAwsContainer`) returns. */
  readonly container: ServiceContainer;
};

type ServiceName<Deps> = Extract<keyof Deps, 'trigger' | 'completions' | 'reconciler' | 'sweeper'>;

function hasContainer<Deps>(deps: Deps | ContainerHandlerDeps<Deps>): deps is ContainerHandlerDeps<Deps> {
  return (deps as { container?: unknown }).container !== undefined;
}

/**
 * The trigger-build Lambda handler: see the adapter's documentation (docs/lambda.md).
 *
 * @example
 * ```ts
 * import { TOKENS, TriggerBuildService } from '@aws-deployer/orchestrator';
 * import { createAwsContainer, createTriggerBuildHandler } from '@aws-deployer/orchestrator/lambda';
 *
 * const container = createAwsContainer({ tableName: 'prd-aws-deployer--builds', stateMachineArn });
 * export const handler = createTriggerBuildHandler({
 *   trigger: container.get(TriggerBuildService),
 *   logger: container.get(TOKENS.Logger),
 *   s3Bucket: 'my-artifacts-bucket',
 * });
 * ```
 */
export function createTriggerBuildHandler(deps: TriggerBuildHandlerDeps): TriggerBuildHandler;
/** @deprecated since 0.3.0: pass `trigger` (`container.get(TriggerBuildService)`) and `logger` (`container.get(TOKENS.Logger)`). */
export function createTriggerBuildHandler(deps: ContainerHandlerDeps<TriggerBuildHandlerDeps>): TriggerBuildHandler;
export function createTriggerBuildHandler(deps: TriggerBuildHandlerDeps | ContainerHandlerDeps<TriggerBuildHandlerDeps>): TriggerBuildHandler {
  if (!hasContainer(deps)) return triggerBuildHandlerOf(deps);
  const { container, ...rest } = deps;
  return triggerBuildHandlerOf({ ...rest, trigger: container.get(TOKENS.TriggerBuildService), logger: container.get(TOKENS.Logger) });
}

/**
 * The update-build-status Lambda handler: see the adapter's documentation (docs/lambda.md).
 *
 * @example
 * ```ts
 * import { RecordCompletionService, TOKENS } from '@aws-deployer/orchestrator';
 * import { createAwsContainer, createUpdateBuildStatusHandler } from '@aws-deployer/orchestrator/lambda';
 *
 * const container = createAwsContainer({ tableName, stateMachineArn });
 * export const handler = createUpdateBuildStatusHandler({
 *   completions: container.get(RecordCompletionService),
 *   logger: container.get(TOKENS.Logger),
 * });
 * ```
 */
export function createUpdateBuildStatusHandler(deps: UpdateBuildStatusHandlerDeps): UpdateBuildStatusHandler;
/** @deprecated since 0.3.0: pass `completions` (`container.get(RecordCompletionService)`) and `logger` (`container.get(TOKENS.Logger)`). */
export function createUpdateBuildStatusHandler(deps: ContainerHandlerDeps<UpdateBuildStatusHandlerDeps>): UpdateBuildStatusHandler;
export function createUpdateBuildStatusHandler(
  deps: UpdateBuildStatusHandlerDeps | ContainerHandlerDeps<UpdateBuildStatusHandlerDeps>,
): UpdateBuildStatusHandler {
  if (!hasContainer(deps)) return updateBuildStatusHandlerOf(deps);
  const { container, ...rest } = deps;
  return updateBuildStatusHandlerOf({ ...rest, completions: container.get(TOKENS.RecordCompletionService), logger: container.get(TOKENS.Logger) });
}

/**
 * The execution-end reconciliation handler: see the adapter's documentation (docs/lambda.md).
 *
 * @example
 * ```ts
 * import { ReconcileExecutionService, TOKENS } from '@aws-deployer/orchestrator';
 * import { createAwsContainer, createExecutionStatusChangeHandler } from '@aws-deployer/orchestrator/lambda';
 *
 * const container = createAwsContainer({ tableName, stateMachineArn });
 * export const handler = createExecutionStatusChangeHandler({
 *   reconciler: container.get(ReconcileExecutionService),
 *   logger: container.get(TOKENS.Logger),
 *   stateMachineArn,
 * });
 * ```
 */
export function createExecutionStatusChangeHandler(deps: ExecutionStatusChangeHandlerDeps): ExecutionStatusChangeHandler;
/** @deprecated since 0.3.0: pass `reconciler` (`container.get(ReconcileExecutionService)`) and `logger` (`container.get(TOKENS.Logger)`). */
export function createExecutionStatusChangeHandler(deps: ContainerHandlerDeps<ExecutionStatusChangeHandlerDeps>): ExecutionStatusChangeHandler;
export function createExecutionStatusChangeHandler(
  deps: ExecutionStatusChangeHandlerDeps | ContainerHandlerDeps<ExecutionStatusChangeHandlerDeps>,
): ExecutionStatusChangeHandler {
  if (!hasContainer(deps)) return executionStatusChangeHandlerOf(deps);
  const { container, ...rest } = deps;
  return executionStatusChangeHandlerOf({
    ...rest,
    reconciler: container.get(TOKENS.ReconcileExecutionService),
    logger: container.get(TOKENS.Logger),
  });
}

/**
 * The scheduled sweeper: see the adapter's documentation (docs/lambda.md).
 *
 * @example
 * ```ts
 * import { SweepOpenBuildsService, TOKENS } from '@aws-deployer/orchestrator';
 * import { createAwsContainer, createSweeperHandler } from '@aws-deployer/orchestrator/lambda';
 *
 * const container = createAwsContainer({ tableName, stateMachineArn });
 * export const handler = createSweeperHandler({
 *   sweeper: container.get(SweepOpenBuildsService),
 *   logger: container.get(TOKENS.Logger),
 *   s3Bucket: 'my-artifacts-bucket',
 * });
 * ```
 */
export function createSweeperHandler(deps: SweeperHandlerDeps): SweeperHandler;
/** @deprecated since 0.3.0: pass `sweeper` (`container.get(SweepOpenBuildsService)`) and `logger` (`container.get(TOKENS.Logger)`). */
export function createSweeperHandler(deps: ContainerHandlerDeps<SweeperHandlerDeps>): SweeperHandler;
export function createSweeperHandler(deps: SweeperHandlerDeps | ContainerHandlerDeps<SweeperHandlerDeps>): SweeperHandler {
  if (!hasContainer(deps)) return sweeperHandlerOf(deps);
  const { container, ...rest } = deps;
  return sweeperHandlerOf({ ...rest, sweeper: container.get(TOKENS.SweepOpenBuildsService), logger: container.get(TOKENS.Logger) });
}
