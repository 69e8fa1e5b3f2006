/**
 * `@aws-deployer/orchestrator`: the domain, the ports, the services and
 * their composition (`createContainer`, and `orchestratorModule` for your
 * own inversify container). AWS adapters live in their own entry points
 * so a Lambda loads only what it uses.
 */
export * from './domain/index.js';
// Step Functions' start error codes and input limit: the SFN adapter's plain data, exported from the main entry point too.
export { MAX_EXECUTION_INPUT_BYTES } from './adapters/driven/sfn/execution-input-limit.js';
export {
  PERMANENT_START_ERROR_CODES,
  TRANSIENT_START_ERROR_CODES,
  executionStartError,
  isPermanentStartErrorCode,
  mayFollowAnEarlierStart,
  type PermanentStartErrorCode,
} from './adapters/driven/sfn/start-error-codes.js';
export type * from './ports/index.js';
export { TOKENS, type PortToken, type Token } from './composition/tokens.js';
export * from './app/index.js';
export { createContainer, type ContainerOptions } from './composition/container.js';
export type { ServiceClass, ServiceContainer, ServiceKey } from './composition/service-container.js';
export { orchestratorModule } from './composition/modules/orchestrator.module.js';
export { MissingBindingError } from './composition/missing-binding.error.js';
export { SystemClock } from './adapters/driven/clock/system-clock.js';
export { PowertoolsLogger, type PowertoolsLoggerOptions } from './adapters/driven/logging/powertools-logger.js';
// Build sort keys as the upload function writes them (the CLI's `create` makes its keys with it).
