export { Orchestrator, type ExecutionStartResult, type StartExecutionOptions } from './orchestrator.service.js';
export {
  ReconcileExecutionService,
  type ReconcileOutcome,
  type SweepFailure,
  type SweepOptions,
  type SweepSummary,
} from './reconcile-execution.service.js';
export { RecordCompletionService, type CompletionResult } from './record-completion.service.js';
export {
  SweepOpenBuildsService,
  type OpenBuildsSweepCount,
  type OpenBuildsSweepOptions,
  type OpenBuildsSweepProgress,
  type OpenBuildsSweepSummary,
} from './sweep-open-builds.service.js';
export { TriggerBuildService, type TriggerOptions, type TriggerOutcome } from './trigger-build.service.js';
export * from './manual/index.js';
