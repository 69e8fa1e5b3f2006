import type { BuildRepository } from './build-repository.port.js';
import type { Clock } from './clock.port.js';
import type { ExecutionInspector } from './execution-inspector.port.js';
import type { ExecutionStarter } from './execution-starter.port.js';
import type { Logger } from './logger.port.js';

/** The key a container holds a port's adapter under; its type says which port. */
export type PortToken<Port> = symbol & { readonly __port?: Port };

/**
 * The ports' keys in a container: `container.get(TOKENS.Logger)` is the
 * logger the services were built with.
 */
export const TOKENS = {
  BuildRepository: Symbol.for('@aws-deployer/orchestrator/BuildRepository') as PortToken<BuildRepository>,
  ExecutionStarter: Symbol.for('@aws-deployer/orchestrator/ExecutionStarter') as PortToken<ExecutionStarter>,
  ExecutionInspector: Symbol.for('@aws-deployer/orchestrator/ExecutionInspector') as PortToken<ExecutionInspector>,
  Clock: Symbol.for('@aws-deployer/orchestrator/Clock') as PortToken<Clock>,
  Logger: Symbol.for('@aws-deployer/orchestrator/Logger') as PortToken<Logger>,
} as const;
