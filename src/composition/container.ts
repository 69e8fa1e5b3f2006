import { Container } from 'inversify';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { PowertoolsLogger } from '../adapters/logging/powertools-logger.js';
import type { BuildRepository, Clock, ExecutionInspector, ExecutionStarter, Logger } from '../ports/index.js';
import { Orchestrator } from '../app/orchestrator.service.js';
import { ReconcileExecutionService } from '../app/reconcile-execution.service.js';
import { RecordCompletionService } from '../app/record-completion.service.js';
import { SweepOpenBuildsService } from '../app/sweep-open-builds.service.js';
import { TriggerBuildService } from '../app/trigger-build.service.js';
import { TOKENS } from '../ports/tokens.js';

export interface ContainerOptions {
  readonly buildRepository: BuildRepository;
  readonly executionStarter: ExecutionStarter;
  /** Needed only by `ReconcileExecutionService`. */
  readonly executionInspector?: ExecutionInspector | undefined;
  /** Defaults to the system clock. */
  readonly clock?: Clock | undefined;
  /** Defaults to a Powertools JSON logger (level from `POWERTOOLS_LOG_LEVEL`, else INFO). */
  readonly logger?: Logger | undefined;
}

/**
 * Builds the module's container: the one place that names adapter classes.
 * Build it once per process (for a Lambda, outside the handler) and get
 * services from it; every binding is a singleton.
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
export function createContainer(options: ContainerOptions): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind<BuildRepository>(TOKENS.BuildRepository).toConstantValue(options.buildRepository);
  container.bind<ExecutionStarter>(TOKENS.ExecutionStarter).toConstantValue(options.executionStarter);
  container.bind<Clock>(TOKENS.Clock).toConstantValue(options.clock ?? new SystemClock());
  container.bind<Logger>(TOKENS.Logger).toConstantValue(options.logger ?? new PowertoolsLogger());
  if (options.executionInspector) {
    container.bind<ExecutionInspector>(TOKENS.ExecutionInspector).toConstantValue(options.executionInspector);
    container.bind(ReconcileExecutionService).toSelf();
    container.bind(SweepOpenBuildsService).toSelf();
  }
  container.bind(Orchestrator).toSelf();
  container.bind(TriggerBuildService).toSelf();
  container.bind(RecordCompletionService).toSelf();
  return container;
}
