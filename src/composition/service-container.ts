import type { PortToken } from '../ports/tokens.js';

/** A service of this module, by its class (`Orchestrator`, `TriggerBuildService`...). */
export type ServiceClass<Service> = abstract new (...args: never[]) => Service;

/** What a container is asked for: a service by its class, or a port's adapter by its token. */
export type ServiceKey<Service> = ServiceClass<Service> | PortToken<Service>;

/**
 * The services the composition root built, and the adapters it built them
 * with. Every one is a singleton of its container. The type names no DI
 * library, so the public declarations read the same from `import` and
 * `require()` under any TypeScript module setting.
 */
export interface ServiceContainer {
  /**
   * @throws Error naming what is missing, when the container has no such
   *   service (reconciliation needs an `executionInspector`).
   */
  get<Service>(key: ServiceKey<Service>): Service;
  /** Whether {@link get} has `key`. */
  isBound(key: ServiceKey<unknown>): boolean;
}

/** A container of what it is given, keyed by class or token. */
export class ServiceRegistry implements ServiceContainer {
  private readonly entries = new Map<ServiceKey<unknown>, unknown>();

  add<Service>(key: ServiceKey<Service>, service: Service): this {
    this.entries.set(key, service);
    return this;
  }

  get<Service>(key: ServiceKey<Service>): Service {
    if (!this.entries.has(key)) throw new Error(`This container has no ${nameOf(key)}${MISSING_HINTS[nameOf(key)] ?? ''}`);
    return this.entries.get(key) as Service;
  }

  isBound(key: ServiceKey<unknown>): boolean {
    return this.entries.has(key);
  }
}

function nameOf(key: ServiceKey<unknown>): string {
  return typeof key === 'symbol' ? (Symbol.keyFor(key) ?? String(key.description)).split('/').pop() ?? 'port' : key.name;
}

const INSPECTOR_HINT = ': reconciliation needs an execution inspector (pass `executionInspector` to createContainer)';
const MISSING_HINTS: Readonly<Record<string, string>> = {
  ExecutionInspector: INSPECTOR_HINT,
  ReconcileExecutionService: INSPECTOR_HINT,
  SweepOpenBuildsService: INSPECTOR_HINT,
};
