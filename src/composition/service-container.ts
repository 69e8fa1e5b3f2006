import type { Container } from 'inversify';
import { MissingBindingError } from './missing-binding.error.js';
import { TOKENS, type Token } from './tokens.js';
import { SERVICE_WIRING } from './wiring.js';

/** A service of this module, by its class (`Orchestrator`, `TriggerBuildService`...). */
export type ServiceClass<Service> = abstract new (...args: never[]) => Service;

/** What a container is asked for: a service by its class or token, or a port's adapter by its token. */
export type ServiceKey<Service> = ServiceClass<Service> | Token<Service>;

/**
 * The services `createContainer` built, and the adapters it built them with.
 * Every one is a singleton of its container. The type names no DI library, so
 * the public declarations of the main entry point read the same from `import`
 * and `require()` under any TypeScript module setting.
 */
export interface ServiceContainer {
  /**
   * @throws MissingBindingError naming what is missing, when the container
   *   has no such service (reconciliation needs an `executionInspector`).
   */
  get<Service>(key: ServiceKey<Service>): Service;
  /** Whether {@link get} has `key`. */
  isBound(key: ServiceKey<unknown>): boolean;
}

const INSPECTOR_HINT = 'reconciliation needs an execution inspector (pass `executionInspector` to createContainer)';
const NOT_OURS = 'it is not a service or port of this module';
const NEEDS_AN_INSPECTOR: ReadonlySet<ServiceKey<unknown>> = new Set([
  TOKENS.ExecutionInspector,
  TOKENS.ReconcileExecutionService,
  TOKENS.SweepOpenBuildsService,
]);

/** A {@link ServiceContainer} over an inversify container that loaded this module's modules. */
export class InversifyServiceContainer implements ServiceContainer {
  constructor(private readonly container: Container) {}

  get<Service>(key: ServiceKey<Service>): Service {
    if (!this.container.isBound(key)) throw this.missing(key);
    return this.container.get<Service>(key as never);
  }

  isBound(key: ServiceKey<unknown>): boolean {
    return this.container.isBound(key);
  }

  private missing(key: ServiceKey<unknown>): MissingBindingError {
    const token = typeof key === 'symbol' ? key : SERVICE_WIRING.find((wiring) => wiring.service === key)?.token;
    if (token === undefined) return new MissingBindingError((key as ServiceClass<unknown>).name, 'this container', NOT_OURS);
    return MissingBindingError.of(token, 'this container', NEEDS_AN_INSPECTOR.has(token) ? INSPECTOR_HINT : NOT_OURS);
  }
}
