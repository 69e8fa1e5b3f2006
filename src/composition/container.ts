import { Container } from 'inversify';
import { givenAdaptersModule, type GivenAdapters } from './modules/given-adapters.module.js';
import { loadModulesSync } from './modules/inversify-loading.js';
import { orchestratorModule } from './modules/orchestrator.module.js';
import { InversifyServiceContainer, type ServiceContainer } from './service-container.js';

/** The adapters to build the services on, one per port. */
export type ContainerOptions = GivenAdapters;

/**
 * Builds the module's container from adapters you made: an inversify
 * container that loads a module binding them and `orchestratorModule`, the
 * same bindings a host's own container loads. Build it once per process (for
 * a Lambda, outside the handler) and get services from it; each is a
 * singleton of its container.
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
  const container = new Container();
  loadModulesSync(container, givenAdaptersModule(options), orchestratorModule);
  return new InversifyServiceContainer(container);
}
