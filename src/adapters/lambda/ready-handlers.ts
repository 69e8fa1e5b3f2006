import type { Container } from 'inversify';
import { createAwsContainer } from '../../composition/aws-container.js';
import { PowertoolsLogger } from '../logging/powertools-logger.js';
import {
  readSweeperEnvironment,
  readTableEnvironment,
  readTriggerBuildEnvironment,
  type Environment,
  type TableEnvironment,
} from './environment.js';
import { createExecutionStatusChangeHandler, type ExecutionStatusChangeHandler } from './reconciliation/execution-status-change.handler.js';
import { createSweeperHandler, type SweeperHandler } from './reconciliation/sweeper.handler.js';
import { createTriggerBuildHandler, type TriggerBuildHandler } from './trigger-build/trigger-build.handler.js';
import { createUpdateBuildStatusHandler, type UpdateBuildStatusHandler } from './update-build-status/update-build-status.handler.js';

// Each function builds its dependencies once: call it at module scope, so a
// cold start pays for them and warm invocations reuse them. A missing or bad
// variable fails the cold start with an error that names it.

function awsContainer(env: TableEnvironment, serviceName: string): Container {
  return createAwsContainer({ ...env, logger: new PowertoolsLogger({ serviceName }) });
}

/**
 * The trigger-build handler configured from `BUILDS_TABLE_NAME`,
 * `STATE_MACHINE_ARN`, `ARTIFACT_BUCKET` and optionally `TRIGGER_CONCURRENCY`.
 *
 * @example
 * ```ts
 * export const handler = triggerBuildHandlerFromEnvironment();
 * ```
 */
export function triggerBuildHandlerFromEnvironment(env: Environment = process.env): TriggerBuildHandler {
  const { s3Bucket, concurrency, ...table } = readTriggerBuildEnvironment(env);
  return createTriggerBuildHandler({
    container: awsContainer(table, 'trigger-build'),
    s3Bucket,
    concurrency,
  });
}

/**
 * The update-build-status handler configured from `BUILDS_TABLE_NAME` and `STATE_MACHINE_ARN`.
 *
 * @example
 * ```ts
 * export const handler = updateBuildStatusHandlerFromEnvironment();
 * ```
 */
export function updateBuildStatusHandlerFromEnvironment(env: Environment = process.env): UpdateBuildStatusHandler {
  return createUpdateBuildStatusHandler({ container: awsContainer(readTableEnvironment(env), 'update-build-status') });
}

/**
 * The execution-end reconciliation handler configured from `BUILDS_TABLE_NAME` and `STATE_MACHINE_ARN`.
 *
 * @example
 * ```ts
 * export const handler = executionStatusChangeHandlerFromEnvironment();
 * ```
 */
export function executionStatusChangeHandlerFromEnvironment(env: Environment = process.env): ExecutionStatusChangeHandler {
  const table = readTableEnvironment(env);
  return createExecutionStatusChangeHandler({
    container: awsContainer(table, 'execution-status-change'),
    stateMachineArn: table.stateMachineArn,
  });
}

/**
 * The sweeper configured from `BUILDS_TABLE_NAME`, `STATE_MACHINE_ARN` and
 * optionally `ARTIFACT_BUCKET`, `BUILDS_STATUS_INDEX_NAME`,
 * `SWEEP_GRACE_MINUTES`, `SWEEP_PAGE_SIZE`, `SWEEP_TIME_BUDGET_SECONDS`,
 * `SWEEP_LOOKBACK_MINUTES` and `SWEEP_MAX_EXECUTIONS`.
 *
 * @example
 * ```ts
 * export const handler = sweeperHandlerFromEnvironment();
 * ```
 */
export function sweeperHandlerFromEnvironment(env: Environment = process.env): SweeperHandler {
  const { tableName, stateMachineArn, statusIndexName, ...sweep } = readSweeperEnvironment(env);
  return createSweeperHandler({ container: awsContainer({ tableName, stateMachineArn, statusIndexName }, 'sweeper'), ...sweep });
}
