import { Metrics } from '@aws-lambda-powertools/metrics';
import { SystemClock } from '../../adapters/driven/clock/system-clock.js';
import { PowertoolsLogger } from '../../adapters/driven/logging/powertools-logger.js';
import { createAwsAdapters, createAwsClients, type AwsAdapterOptions, type AwsClients } from '../aws-adapters.js';
import { portBinding, resolveServices, type PortBinding, type ResolvedServices } from '../resolve-services.js';
import { TOKENS } from '../tokens.js';
import type { AnyServiceWiring } from '../wiring.js';
import { readConcurrencyPolicy, readObservabilityEnvironment, type Environment, type TableEnvironment } from './environment.js';
import { loadTracer } from './tracer.js';

// Each function builds its dependencies once: await it at module scope (the
// bundles do, with top-level await), so a cold start pays for them and warm
// invocations reuse them. A missing or bad variable fails the cold start
// with an error that names it.
//
// The services come from the wiring table (../wiring.ts), resolved without a
// DI container: a cold start loads neither inversify nor a service its
// function never calls. The inversify modules bind the same table.

export interface FunctionParts {
  readonly services: ResolvedServices;
  readonly logger: PowertoolsLogger;
  readonly metrics: Metrics | undefined;
}

/** A function's services (from `wirings`), logger and metrics; `serviceName` names it in its logs, metrics and traces. */
export async function functionParts(
  env: Environment,
  table: TableEnvironment & { readonly idempotencyTableName?: string | undefined },
  serviceName: string,
  wirings: readonly AnyServiceWiring[],
  // Given by the one function that needs more ports: the others never reference (nor bundle) their adapters.
  morePorts?: (options: AwsAdapterOptions, clients: AwsClients) => PortBinding[],
): Promise<FunctionParts> {
  const concurrency = readConcurrencyPolicy(env);
  const { metricsNamespace, tracing } = readObservabilityEnvironment(env);
  const tracer = tracing ? await loadTracer(serviceName) : undefined;
  const logger = new PowertoolsLogger({ serviceName });
  const clients = createAwsClients({ ...table, tracer });
  const adapters = createAwsAdapters({ ...table, logger, tracer }, clients);
  const services = resolveServices(
    [
      portBinding(TOKENS.BuildRepository, adapters.buildRepository),
      portBinding(TOKENS.ExecutionStarter, adapters.executionStarter),
      portBinding(TOKENS.ExecutionInspector, adapters.executionInspector),
      ...(morePorts?.({ ...table, logger, tracer }, clients) ?? []),
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

