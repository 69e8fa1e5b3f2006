/**
 * `@aws-deployer/orchestrator`: the domain, the ports, the `Orchestrator`
 * service and its composition. AWS adapters live in their own entry points
 * so a Lambda loads only what it uses.
 */
export * from './domain/index.js';
// Step Functions' start error codes: the SFN adapter's knowledge, exported here as in 0.1.0.
export {
  PERMANENT_START_ERROR_CODES,
  TRANSIENT_START_ERROR_CODES,
  executionStartError,
  isPermanentStartErrorCode,
  mayFollowAnEarlierStart,
  type PermanentStartErrorCode,
} from './adapters/driven/sfn/start-error-codes.js';
export type * from './ports/index.js';
export { TOKENS, type PortToken } from './ports/tokens.js';
export * from './app/index.js';
export { createContainer, type ContainerOptions } from './composition/container.js';
export type { ServiceClass, ServiceContainer, ServiceKey } from './composition/service-container.js';
export { SystemClock } from './adapters/driven/clock/system-clock.js';
export { PowertoolsLogger, type PowertoolsLoggerOptions } from './adapters/driven/logging/powertools-logger.js';
