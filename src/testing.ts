/**
 * `@aws-deployer/orchestrator/testing`: in-memory adapters and test clocks
 * for your own tests. They pass the same contract suites as the AWS adapters.
 */
export {
  InMemoryBuildRepository,
  type BuildChange,
  type InMemoryBuildRepositoryOptions,
} from './adapters/driven/in-memory/in-memory-build-repository.js';
export {
  InMemoryExecutionStarter,
  type ExecutionEnd,
  type InMemoryExecutionStarterOptions,
  type RecordedExecution,
  type RedriveStatus,
} from './adapters/driven/in-memory/in-memory-execution-starter.js';
export { InMemoryExecutionController, type ControlOperation } from './adapters/driven/in-memory/in-memory-execution-controller.js';
export {
  InMemoryIdempotencyStore,
  type InMemoryIdempotencyStoreOptions,
} from './adapters/driven/in-memory/in-memory-idempotency-store.js';
export { InMemoryExecutionInspector } from './adapters/driven/in-memory/in-memory-execution-inspector.js';
export { ManualClock } from './adapters/driven/clock/manual-clock.js';
export { RecordingLogger, type LogEntry, type RecordingLoggerOptions } from './adapters/driven/logging/recording-logger.js';
export { inMemoryModule, type InMemoryModuleOptions } from './composition/modules/in-memory.module.js';
