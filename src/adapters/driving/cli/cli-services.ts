import type { ReconcileExecutionService, RecordCompletionService, SweepOpenBuildsService, TriggerBuildService } from '../../../app/index.js';
import type { BuildRepository, ExecutionInspector, Logger } from '../../../ports/index.js';
import type { ConnectionConfig } from './config.js';

/** What the commands use. */
export interface CliServices {
  readonly builds: BuildRepository;
  readonly inspector: ExecutionInspector;
  readonly trigger: TriggerBuildService;
  readonly completions: RecordCompletionService;
  readonly reconciler: ReconcileExecutionService;
  readonly sweeper: SweepOpenBuildsService;
}

/**
 * Builds the commands' services from the connection settings. The composition
 * layer gives it (src/composition/cli/compose.ts, on AWS clients); tests give
 * one on in-memory adapters.
 */
export type ComposeServices = (config: ConnectionConfig, logger: Logger) => CliServices;
