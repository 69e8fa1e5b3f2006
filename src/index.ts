/**
 * `@aws-deployer/orchestrator`: the domain, the ports, the `Orchestrator`
 * service and its composition. AWS adapters live in their own entry points
 * so a Lambda loads only what it uses.
 */
export * from './domain/index.js';
export type * from './ports/index.js';
export * from './app/index.js';
export { SystemClock } from './adapters/clock/system-clock.js';
export { PowertoolsLogger, type PowertoolsLoggerOptions } from './adapters/logging/powertools-logger.js';
