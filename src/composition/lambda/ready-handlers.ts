import {
  createExecutionStatusChangeHandler,
  type ExecutionStatusChangeHandler,
} from '../../adapters/driving/lambda/reconciliation/execution-status-change.handler.js';
import { createSweeperHandler, type SweeperHandler } from '../../adapters/driving/lambda/reconciliation/sweeper.handler.js';
import { createTriggerBuildHandler, type TriggerBuildHandler } from '../../adapters/driving/lambda/trigger-build/trigger-build.handler.js';
import {
  createUpdateBuildStatusHandler,
  type UpdateBuildStatusHandler,
} from '../../adapters/driving/lambda/update-build-status/update-build-status.handler.js';
import { functionParts } from './function-parts.js';
import { TOKENS } from '../tokens.js';
import { orchestratorWiring, reconcileExecutionWiring, recordCompletionWiring, sweepOpenBuildsWiring, triggerBuildWiring } from '../wiring.js';
import { readSweeperEnvironment, readTableEnvironment, readTriggerBuildEnvironment, type Environment } from './environment.js';

/**
 * The trigger-build handler configured from `BUILDS_TABLE_NAME`,
 * `STATE_MACHINE_ARN`, `ARTIFACT_BUCKET`, optionally `TRIGGER_CONCURRENCY`
 * and `DEPLOYMENT_CONCURRENCY`, and Powertools' variables (docs/lambda.md).
 *
 * @example
 * ```ts
 * export const handler = await triggerBuildHandlerFromEnvironment();
 * ```
 */
export async function triggerBuildHandlerFromEnvironment(env: Environment = process.env): Promise<TriggerBuildHandler> {
  const { s3Bucket, concurrency, ...table } = readTriggerBuildEnvironment(env);
  const { services, logger, metrics } = await functionParts(env, table, 'trigger-build', [orchestratorWiring, triggerBuildWiring]);
  return createTriggerBuildHandler({ trigger: services.get(TOKENS.TriggerBuildService), logger, metrics, s3Bucket, concurrency });
}

/**
 * The update-build-status handler configured from `BUILDS_TABLE_NAME`,
 * `STATE_MACHINE_ARN`, optionally `DEPLOYMENT_CONCURRENCY`, and Powertools'
 * variables (docs/lambda.md).
 *
 * @example
 * ```ts
 * export const handler = await updateBuildStatusHandlerFromEnvironment();
 * ```
 */
export async function updateBuildStatusHandlerFromEnvironment(env: Environment = process.env): Promise<UpdateBuildStatusHandler> {
  const { services, logger, metrics } = await functionParts(env, readTableEnvironment(env), 'update-build-status', [recordCompletionWiring]);
  return createUpdateBuildStatusHandler({ completions: services.get(TOKENS.RecordCompletionService), logger, metrics });
}

/**
 * The execution-end reconciliation handler configured from
 * `BUILDS_TABLE_NAME`, `STATE_MACHINE_ARN`, optionally `DEPLOYMENT_CONCURRENCY`,
 * and Powertools' variables (docs/lambda.md).
 *
 * @example
 * ```ts
 * export const handler = await executionStatusChangeHandlerFromEnvironment();
 * ```
 */
export async function executionStatusChangeHandlerFromEnvironment(env: Environment = process.env): Promise<ExecutionStatusChangeHandler> {
  const table = readTableEnvironment(env);
  const { services, logger, metrics } = await functionParts(env, table, 'execution-status-change', [reconcileExecutionWiring]);
  return createExecutionStatusChangeHandler({
    reconciler: services.get(TOKENS.ReconcileExecutionService),
    logger,
    metrics,
    stateMachineArn: table.stateMachineArn,
  });
}

/**
 * The sweeper configured from `BUILDS_TABLE_NAME`, `STATE_MACHINE_ARN`,
 * optionally `ARTIFACT_BUCKET`, `BUILDS_STATUS_INDEX_NAME`,
 * `SWEEP_GRACE_MINUTES`, `SWEEP_PAGE_SIZE`, `SWEEP_TIME_BUDGET_SECONDS`,
 * `SWEEP_LOOKBACK_MINUTES`, `SWEEP_MAX_EXECUTIONS`, `DEPLOYMENT_CONCURRENCY`,
 * and Powertools' variables (docs/lambda.md).
 *
 * @example
 * ```ts
 * export const handler = await sweeperHandlerFromEnvironment();
 * ```
 */
export async function sweeperHandlerFromEnvironment(env: Environment = process.env): Promise<SweeperHandler> {
  const { tableName, stateMachineArn, statusIndexName, ...sweep } = readSweeperEnvironment(env);
  const { services, logger, metrics } = await functionParts(env, { tableName, stateMachineArn, statusIndexName }, 'sweeper', [
    orchestratorWiring,
    triggerBuildWiring,
    reconcileExecutionWiring,
    sweepOpenBuildsWiring,
  ]);
  return createSweeperHandler({ sweeper: services.get(TOKENS.SweepOpenBuildsService), logger, metrics, ...sweep });
}
