import { ContainerModule } from 'inversify';
import type { InversifyContainerModule } from './container-module-type.js';
import { SystemClock } from '../../adapters/driven/clock/system-clock.js';
import { DEFAULT_CONCURRENCY_POLICY } from '../../domain/index.js';
import { defaultLogger } from '../default-logger.js';
import { MissingBindingError } from '../missing-binding.error.js';
import { TOKENS } from '../tokens.js';
import { SERVICE_WIRING } from '../wiring.js';

const PORTS_FIRST = 'load an adapter module (dynamoDbModule and sfnModule, or inMemoryModule) or bind it before orchestratorModule';

/**
 * The module's services, for a host's own inversify container: `Orchestrator`,
 * `TriggerBuildService`, `RecordCompletionService`, the manual deployments'
 * services and, when an execution inspector is bound,
 * `ReconcileExecutionService` and `SweepOpenBuildsService`.
 * Each is a singleton, bound under its class and under its token in `TOKENS`.
 *
 * Load it after the modules that bind the ports (`dynamoDbModule` and
 * `sfnModule` from `./dynamodb` and `./sfn`, or `inMemoryModule` from
 * `./testing`): loading it checks that `TOKENS.BuildRepository` and
 * `TOKENS.ExecutionStarter` are bound and throws a `MissingBindingError`
 * naming the one that is not. `TOKENS.Clock` and `TOKENS.Logger` default to
 * the system clock and a Powertools logger (INFO in Lambda, WARN elsewhere,
 * `POWERTOOLS_LOG_LEVEL` anywhere) when nothing binds them, and
 * `TOKENS.ConcurrencyPolicy` to `queue` (bind `'supersede'` or `'parallel'`
 * to it before loading this module for another policy), and
 * `TOKENS.IdempotencyStore` to `null` (manual deployments without
 * idempotency keys). `RedeployBuildService` is always bound;
 * `RollBackEnvironmentService` when an execution inspector is bound, and
 * `CancelBuildService` and `RedriveBuildService` when
 * `TOKENS.ExecutionController` is bound too. Rebind
 * any port before the first `get` (a singleton keeps what it was made with).
 *
 * @example
 * ```ts
 * import { Container } from 'inversify';
 * import { Orchestrator, orchestratorModule } from '@aws-deployer/orchestrator';
 * import { dynamoDbModule } from '@aws-deployer/orchestrator/dynamodb';
 * import { sfnModule } from '@aws-deployer/orchestrator/sfn';
 *
 * const container = new Container();
 * container.load(
 *   dynamoDbModule({ client: documentClient, tableName: 'prd-aws-deployer--builds' }),
 *   sfnModule({ client: sfnClient, stateMachineArn }),
 *   orchestratorModule,
 * ); // inversify 7: loadSync
 * const orchestrator = container.get(Orchestrator);
 * ```
 */
export const orchestratorModule: InversifyContainerModule = new ContainerModule(({ bind, isBound }) => {
  for (const port of [TOKENS.BuildRepository, TOKENS.ExecutionStarter]) {
    if (!isBound(port)) throw MissingBindingError.of(port, 'orchestratorModule', PORTS_FIRST);
  }
  if (!isBound(TOKENS.Clock)) bind(TOKENS.Clock).toConstantValue(new SystemClock());
  if (!isBound(TOKENS.Logger)) bind(TOKENS.Logger).toDynamicValue(() => defaultLogger()).inSingletonScope();
  if (!isBound(TOKENS.ConcurrencyPolicy)) bind(TOKENS.ConcurrencyPolicy).toConstantValue(DEFAULT_CONCURRENCY_POLICY);
  // No store: manual deployment requests run, and one with an idempotency key is refused, naming the key.
  if (!isBound(TOKENS.IdempotencyStore)) bind(TOKENS.IdempotencyStore).toConstantValue(null);

  // The table lists each service after what it depends on, so a service's
  // dependencies are bound (a port, or a service bound in an earlier turn)
  // when its turn comes; without an inspector, reconciliation's services are
  // left out, as createContainer does.
  for (const wiring of SERVICE_WIRING) {
    if (!wiring.dependencies.every((dependency) => isBound(dependency))) continue;
    bind(wiring.token)
      .toDynamicValue((context) => wiring.create(...(wiring.dependencies.map((dependency) => context.get(dependency)) as never[])))
      .inSingletonScope();
    bind(wiring.service).toService(wiring.token);
  }
});
