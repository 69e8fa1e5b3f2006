import { Metrics } from '@aws-lambda-powertools/metrics';
import { PowertoolsLogger } from '../../adapters/driven/logging/powertools-logger.js';
import { SystemClock } from '../../adapters/driven/clock/system-clock.js';
import {
  createExecutionStatusChangeHandler,
  type ExecutionStatusChangeHandler,
} from '../../adapters/driving/lambda/reconciliation/execution-status-change.handler.js';
import { createSweeperHandler, type SweeperHandler } from '../../adapters/driving/lambda/reconciliation/sweeper.handler.js';
import { createHttpApiHandler, type HttpApiHandler } from '../../adapters/driving/lambda/http-api/http-api.handler.js';
import { createTriggerBuildHandler, type TriggerBuildHandler } from '../../adapters/driving/lambda/trigger-build/trigger-build.handler.js';
import {
  createUpdateBuildStatusHandler,
  type UpdateBuildStatusHandler,
} from '../../adapters/driving/lambda/update-build-status/update-build-status.handler.js';
import { httpApiServicesOf } from './http-api-services.js';
import { loadTracer } from './tracer.js';
import { createAwsAdapters } from '../aws-adapters.js';
import { portBinding, resolveServices, type ResolvedServices } from '../resolve-services.js';
import { TOKENS } from '../tokens.js';
import {
  cancelBuildWiring,
  orchestratorWiring,
  reconcileExecutionWiring,
  recordCompletionWiring,
  redeployBuildWiring,
  redriveBuildWiring,
  rollBackEnvironmentWiring,
  sweepOpenBuildsWiring,
  triggerBuildWiring,
  type AnyServiceWiring,
} from '../wiring.js';
import {
  readConcurrencyPolicy,
  readHttpApiEnvironment,
  readObservabilityEnvironment,
  readSweeperEnvironment,
  readTableEnvironment,
  readTriggerBuildEnvironment,
  type Environment,
  type TableEnvironment,
} from './environment.js';

// Each function builds its dependencies once: await it at module scope (the
// bundles do, with top-level await), so a cold start pays for them and warm
// invocations reuse them. A missing or bad variable fails the cold start
// with an error that names it.
//
// The services come from the wiring table (../wiring.ts), resolved without a
// DI container: a cold start loads neither inversify nor a service its
// function never calls. The inversify modules bind the same table.

interface FunctionParts {
  readonly services: ResolvedServices;
  readonly logger: PowertoolsLogger;
  readonly metrics: Metrics | undefined;
}

/** A function's services (from `wirings`), logger and metrics; `serviceName` names it in its logs, metrics and traces. */
async function functionParts(
  env: Environment,
  table: TableEnvironment & { readonly idempotencyTableName?: string | undefined },
  serviceName: string,
  wirings: readonly AnyServiceWiring[],
): Promise<FunctionParts> {
  const concurrency = readConcurrencyPolicy(env);
  const { metricsNamespace, tracing } = readObservabilityEnvironment(env);
  const tracer = tracing ? await loadTracer(serviceName) : undefined;
  const logger = new PowertoolsLogger({ serviceName });
  const adapters = createAwsAdapters({ ...table, logger, tracer });
  const services = resolveServices(
    [
      portBinding(TOKENS.BuildRepository, adapters.buildRepository),
      portBinding(TOKENS.ExecutionStarter, adapters.executionStarter),
      portBinding(TOKENS.ExecutionInspector, adapters.executionInspector),
      portBinding(TOKENS.ExecutionController, adapters.executionController),
      // Only the HTTP API's function has an idempotency table; the manual deployments read `null` as none.
      portBinding(TOKENS.IdempotencyStore, adapters.idempotencyStore ?? null),
      portBinding(TOKENS.Clock, new SystemClock()),
      portBinding(TOKENS.Logger, logger),
      // A value, not an adapter: every service reads the policy (DEPLOYMENT_CONCURRENCY).
      portBinding(TOKENS.ConcurrencyPolicy, concurrency),
    ],
    wirings,
  );
  return {
    services,
    logger,
    metrics: metricsNamespace === undefined ? undefined : new Metrics({ namespace: metricsNamespace, serviceName }),
  };
}

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
  const { services, logger } = await functionParts(env, readHttpApiEnvironment(env), 'http-api', [
    redeployBuildWiring,
    rollBackEnvironmentWiring,
    redriveBuildWiring,
    cancelBuildWiring,
  ]);
  return createHttpApiHandler({ services: httpApiServicesOf(services), logger });
}
