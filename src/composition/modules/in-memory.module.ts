import { ContainerModule } from 'inversify';
import type { InversifyContainerModule } from './container-module-type.js';
import { InMemoryBuildRepository } from '../../adapters/driven/in-memory/in-memory-build-repository.js';
import { InMemoryExecutionController } from '../../adapters/driven/in-memory/in-memory-execution-controller.js';
import { InMemoryExecutionInspector } from '../../adapters/driven/in-memory/in-memory-execution-inspector.js';
import { InMemoryIdempotencyStore } from '../../adapters/driven/in-memory/in-memory-idempotency-store.js';
import { InMemoryExecutionStarter } from '../../adapters/driven/in-memory/in-memory-execution-starter.js';
import { RecordingLogger } from '../../adapters/driven/logging/recording-logger.js';
import type { Clock, Logger } from '../../ports/index.js';
import { TOKENS } from '../tokens.js';

export interface InMemoryModuleOptions {
  /** The state machine the in-memory executions belong to (their ARNs derive from it). Ignored when `starter` is given. */
  readonly stateMachineArn?: string | undefined;
  /** Your repository, to seed builds and read them back (default: a new, empty one). */
  readonly builds?: InMemoryBuildRepository | undefined;
  /** Your starter, to see or end its executions (default: a new one on `stateMachineArn`). */
  readonly starter?: InMemoryExecutionStarter | undefined;
  /** Your idempotency store, to see its records (default: a new, empty one). */
  readonly idempotencyStore?: InMemoryIdempotencyStore | undefined;
  /** Bound as `TOKENS.Clock` when given (e.g. a `ManualClock`); otherwise `orchestratorModule` binds the system clock. */
  readonly clock?: Clock | undefined;
  /** Default: a `RecordingLogger`, so tests print nothing. */
  readonly logger?: Logger | undefined;
}

const DEFAULT_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:deployment';

/**
 * Binds every port to an in-memory adapter that passes the same contract
 * suites as the AWS ones: the repository, the starter, an inspector and a
 * controller over that starter, an idempotency store, a recording logger and,
 * when given, your clock. For your own tests
 * of code that embeds the module; rebind one port to test against it.
 *
 * @example
 * ```ts
 * import { Container } from 'inversify';
 * import { Orchestrator, orchestratorModule } from '@aws-deployer/orchestrator';
 * import { InMemoryBuildRepository, ManualClock, inMemoryModule } from '@aws-deployer/orchestrator/testing';
 *
 * const builds = new InMemoryBuildRepository();
 * const container = new Container();
 * container.load(inMemoryModule({ builds, clock: new ManualClock() }), orchestratorModule); // inversify 7: loadSync
 * const orchestrator = container.get(Orchestrator);
 * ```
 */
export function inMemoryModule(options: InMemoryModuleOptions = {}): InversifyContainerModule {
  const builds = options.builds ?? new InMemoryBuildRepository();
  const starter = options.starter ?? new InMemoryExecutionStarter({ stateMachineArn: options.stateMachineArn ?? DEFAULT_STATE_MACHINE_ARN });
  const inspector = new InMemoryExecutionInspector(starter);
  const controller = new InMemoryExecutionController(starter);
  const idempotencyStore = options.idempotencyStore ?? new InMemoryIdempotencyStore();
  const logger = options.logger ?? new RecordingLogger();
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.BuildRepository).toConstantValue(builds);
    bind(TOKENS.ExecutionStarter).toConstantValue(starter);
    bind(TOKENS.ExecutionInspector).toConstantValue(inspector);
    bind(TOKENS.ExecutionController).toConstantValue(controller);
    bind(TOKENS.IdempotencyStore).toConstantValue(idempotencyStore);
    bind(TOKENS.Logger).toConstantValue(logger);
    if (options.clock !== undefined) bind(TOKENS.Clock).toConstantValue(options.clock);
  });
}
