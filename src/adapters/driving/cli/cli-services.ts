import type {
  CancelBuildService,
  ReconcileExecutionService,
  RecordCompletionService,
  RedeployBuildService,
  RedriveBuildService,
  RollBackEnvironmentService,
  SweepOpenBuildsService,
  TriggerBuildService,
} from '../../../app/index.js';
import type { BuildRepository, ExecutionInspector, Logger } from '../../../ports/index.js';
import type { ConnectionConfig } from './config.js';

/**
 * Who runs the CLI, as recorded on the builds a command creates or ends
 * (`requested_by`, `cancelled_by`, `redriven_by`) and by `unlock` without
 * `--by`: the credentials' ARN (`sts:GetCallerIdentity`), or `local` against
 * a table that is not on AWS. Rejects when it cannot be told (the error of
 * the call that failed); never makes a name up.
 */
export type WhoAmI = () => Promise<string>;

/** What the commands use. */
export interface CliServices {
  readonly builds: BuildRepository;
  readonly inspector: ExecutionInspector;
  readonly trigger: TriggerBuildService;
  readonly completions: RecordCompletionService;
  readonly reconciler: ReconcileExecutionService;
  readonly sweeper: SweepOpenBuildsService;
  /** The manual deployments (`redeploy`, `rollback`, `redrive`, `cancel`). */
  readonly redeploys: RedeployBuildService;
  readonly rollbacks: RollBackEnvironmentService;
  readonly redrives: RedriveBuildService;
  readonly cancellations: CancelBuildService;
  readonly whoAmI: WhoAmI;
}

/**
 * Builds the commands' services from the connection settings. The composition
 * layer gives it (src/composition/cli/compose.ts, on AWS clients); tests give
 * one on in-memory adapters.
 */
export type ComposeServices = (config: ConnectionConfig, logger: Logger) => CliServices;
