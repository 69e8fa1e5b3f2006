import { SystemClock } from '../adapters/driven/clock/system-clock.js';
import { PowertoolsLogger } from '../adapters/driven/logging/powertools-logger.js';
import type { BuildRepository, Clock, ExecutionInspector, ExecutionStarter, Logger } from '../ports/index.js';
import { Orchestrator } from '../app/orchestrator.service.js';
import { ReconcileExecutionService } from '../app/reconcile-execution.service.js';
import { RecordCompletionService } from '../app/record-completion.service.js';
import { SweepOpenBuildsService } from '../app/sweep-open-builds.service.js';
import { TriggerBuildService } from '../app/trigger-build.service.js';
import { TOKENS } from '../ports/tokens.js';
import { ServiceRegistry, type ServiceContainer } from './service-container.js';

export interface ContainerOptions {
  readonly buildRepository: BuildRepository;
  readonly executionStarter: ExecutionStarter;
  /** Needed by reconciliation: `ReconcileExecutionService` and `SweepOpenBuildsService`. */
  readonly executionInspector?: ExecutionInspector | undefined;
  /** Defaults to the system clock. */
  readonly clock?: Clock | undefined;
  /** Defaults to a Powertools JSON logger (level from `POWERTOOLS_LOG_LEVEL`, else INFO). */
  readonly logger?: Logger | undefined;
}

/**
 * Builds the module's container: the one place that wires the services to
 * the adapters, by hand (the services take their ports as constructor
 * arguments; no DI library, which cost the Lambda bundles 97 KiB). Build it
 * once per process (for a Lambda, outside the handler) and get services from
 * it; each is a singleton of its container.
 *
 * @example
 * ```ts
 * const container = createContainer({
 *   buildRepository: new InMemoryBuildRepository(),
 *   executionStarter: new InMemoryExecutionStarter({ stateMachineArn }),
 * });
 * const orchestrator = container.get(Orchestrator);
 * ```
 */
export function createContainer(options: ContainerOptions): ServiceContainer {
  const { buildRepository: builds, executionStarter: starter, executionInspector: inspector } = options;
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? new PowertoolsLogger();
  const orchestrator = new Orchestrator(builds, starter, clock, logger);
  const trigger = new TriggerBuildService(orchestrator, builds, clock, logger);
  const container = new ServiceRegistry()
    .add(TOKENS.BuildRepository, builds)
    .add(TOKENS.ExecutionStarter, starter)
    .add(TOKENS.Clock, clock)
    .add(TOKENS.Logger, logger)
    .add(Orchestrator, orchestrator)
    .add(TriggerBuildService, trigger)
    .add(RecordCompletionService, new RecordCompletionService(builds, clock, logger));
  if (inspector) {
    const reconciler = new ReconcileExecutionService(inspector, builds, clock, logger);
    container
      .add(TOKENS.ExecutionInspector, inspector)
      .add(ReconcileExecutionService, reconciler)
      .add(SweepOpenBuildsService, new SweepOpenBuildsService(builds, inspector, trigger, reconciler, clock, logger));
  }
  return container;
}
