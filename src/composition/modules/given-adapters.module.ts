import { ContainerModule } from 'inversify';
import type { InversifyContainerModule } from './container-module-type.js';
import { parseConcurrencyPolicy, type ConcurrencyPolicy } from '../../domain/index.js';
import type { BuildRepository, Clock, ExecutionController, ExecutionInspector, ExecutionStarter, IdempotencyStore, Logger } from '../../ports/index.js';
import { TOKENS } from '../tokens.js';

/** Adapters you made yourself, one per port; the optional ones fall back to orchestratorModule's defaults. */
export interface GivenAdapters {
  readonly buildRepository: BuildRepository;
  readonly executionStarter: ExecutionStarter;
  /** Needed by reconciliation: `ReconcileExecutionService` and `SweepOpenBuildsService`. */
  readonly executionInspector?: ExecutionInspector | undefined;
  /** Needed by a forced `cancel` and by `redrive`: `CancelBuildService` and `RedriveBuildService`. */
  readonly executionController?: ExecutionController | undefined;
  /** Where manual deployments keep idempotency keys; without one, a request with a key is refused. */
  readonly idempotencyStore?: IdempotencyStore | undefined;
  /** Defaults to the system clock. */
  readonly clock?: Clock | undefined;
  /**
   * Defaults to a Powertools JSON logger: from INFO in a Lambda function,
   * WARN and above in any other process; `POWERTOOLS_LOG_LEVEL` sets the level.
   */
  readonly logger?: Logger | undefined;
  /**
   * How the builds of one environment share it: `queue` (the default: one
   * deployment at a time, in order), `supersede` (one at a time, only the
   * newest waiting build deploys) or `parallel` (every build at once, as Go
   * does). One policy per table: see docs/deploy.md.
   */
  readonly concurrency?: ConcurrencyPolicy | undefined;
}

/** Binds each adapter given under its port's token: how `createContainer` takes its options. */
export function givenAdaptersModule(adapters: GivenAdapters): InversifyContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.BuildRepository).toConstantValue(adapters.buildRepository);
    bind(TOKENS.ExecutionStarter).toConstantValue(adapters.executionStarter);
    if (adapters.executionInspector !== undefined) bind(TOKENS.ExecutionInspector).toConstantValue(adapters.executionInspector);
    if (adapters.executionController !== undefined) bind(TOKENS.ExecutionController).toConstantValue(adapters.executionController);
    if (adapters.idempotencyStore !== undefined) bind(TOKENS.IdempotencyStore).toConstantValue(adapters.idempotencyStore);
    if (adapters.clock !== undefined) bind(TOKENS.Clock).toConstantValue(adapters.clock);
    if (adapters.logger !== undefined) bind(TOKENS.Logger).toConstantValue(adapters.logger);
    if (adapters.concurrency !== undefined) bind(TOKENS.ConcurrencyPolicy).toConstantValue(parseConcurrencyPolicy(adapters.concurrency));
  });
}
