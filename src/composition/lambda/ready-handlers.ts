import { Metrics } from '@aws-lambda-powertools/metrics';
import type { ServiceContainer } from '../service-container.js';
import { createAwsContainer } from '../aws-container.js';
import { PowertoolsLogger } from '../../adapters/driven/logging/powertools-logger.js';
import {
  readObservabilityEnvironment,
  readSweeperEnvironment,
  readTableEnvironment,
  readTriggerBuildEnvironment,
  type Environment,
  type TableEnvironment,
} from './environment.js';
import { loadTracer } from '../../adapters/driving/lambda/observability/tracer.js';
import { createExecutionStatusChangeHandler, type ExecutionStatusChangeHandler } from '../../adapters/driving/lambda/reconciliation/execution-status-change.handler.js';
import { createSweeperHandler, type SweeperHandler } from '../../adapters/driving/lambda/reconciliation/sweeper.handler.js';
import { createTriggerBuildHandler, type TriggerBuildHandler } from '../../adapters/driving/lambda/trigger-build/trigger-build.handler.js';
import { createUpdateBuildStatusHandler, type UpdateBuildStatusHandler } from '../../adapters/driving/lambda/update-build-status/update-build-status.handler.js';

// Each function builds its dependencies once: await it at module scope (the
// bundles do, with top-level await), so a cold start pays for them and warm
// invocations reuse them. A missing or bad variable fails the cold start
// with an error that names it.

interface FunctionParts {
  readonly container: ServiceContainer;
  readonly metrics: Metrics | undefined;
}

/** A function's container and metrics; `serviceName` names it in its logs, metrics and traces. */
async function functionParts(env: Environment, table: TableEnvironment, serviceName: string): Promise<FunctionParts> {
  const { metricsNamespace, tracing } = readObservabilityEnvironment(env);
  const tracer = tracing ? await loadTracer(serviceName) : undefined;
  return {
    container: createAwsContainer({ ...table, logger: new PowertoolsLogger({ serviceName }), tracer }),
    metrics: metricsNamespace === undefined ? undefined : new Metrics({ namespace: metricsNamespace, serviceName }),
  };
}

/**
 * The trigger-build handler configured from `BUILDS_TABLE_NAME`,
 * `STATE_MACHINE_ARN`, `ARTIFACT_BUCKET`, optionally `TRIGGER_CONCURRENCY`,
 * and Powertools' variables (docs/lambda.md).
 *
 * @example
 * ```ts
 * export const handler = await triggerBuildHandlerFromEnvironment();
 * ```
 */
export async function triggerBuildHandlerFromEnvironment(env: Environment = process.env): Promise<TriggerBuildHandler> {
  const { s3Bucket, concurrency, ...table } = readTriggerBuildEnvironment(env);
  return createTriggerBuildHandler({ ...(await functionParts(env, table, 'trigger-build')), s3Bucket, concurrency });
}

/**
 * The update-build-status handler configured from `BUILDS_TABLE_NAME`,
 * `STATE_MACHINE_ARN` and Powertools' variables (docs/lambda.md).
 *
 * @example
 * ```ts
 * export const handler = await updateBuildStatusHandlerFromEnvironment();
 * ```
 */
export async function updateBuildStatusHandlerFromEnvironment(env: Environment = process.env): Promise<UpdateBuildStatusHandler> {
  return createUpdateBuildStatusHandler(await functionParts(env, readTableEnvironment(env), 'update-build-status'));
}

/**
 * The execution-end reconciliation handler configured from
 * `BUILDS_TABLE_NAME`, `STATE_MACHINE_ARN` and Powertools' variables (docs/lambda.md).
 *
 * @example
 * ```ts
 * export const handler = await executionStatusChangeHandlerFromEnvironment();
 * ```
 */
export async function executionStatusChangeHandlerFromEnvironment(env: Environment = process.env): Promise<ExecutionStatusChangeHandler> {
  const table = readTableEnvironment(env);
  return createExecutionStatusChangeHandler({
    ...(await functionParts(env, table, 'execution-status-change')),
    stateMachineArn: table.stateMachineArn,
  });
}

/**
 * The sweeper configured from `BUILDS_TABLE_NAME`, `STATE_MACHINE_ARN`,
 * optionally `ARTIFACT_BUCKET`, `BUILDS_STATUS_INDEX_NAME`,
 * `SWEEP_GRACE_MINUTES`, `SWEEP_PAGE_SIZE`, `SWEEP_TIME_BUDGET_SECONDS`,
 * `SWEEP_LOOKBACK_MINUTES`, `SWEEP_MAX_EXECUTIONS`, and Powertools'
 * variables (docs/lambda.md).
 *
 * @example
 * ```ts
 * export const handler = await sweeperHandlerFromEnvironment();
 * ```
 */
export async function sweeperHandlerFromEnvironment(env: Environment = process.env): Promise<SweeperHandler> {
  const { tableName, stateMachineArn, statusIndexName, ...sweep } = readSweeperEnvironment(env);
  return createSweeperHandler({ ...(await functionParts(env, { tableName, stateMachineArn, statusIndexName }, 'sweeper')), ...sweep });
}
