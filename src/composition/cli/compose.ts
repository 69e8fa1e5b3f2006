import {
  CancelBuildService,
  RecordCompletionService,
  ReconcileExecutionService,
  RedeployBuildService,
  RedriveBuildService,
  RollBackEnvironmentService,
  SweepOpenBuildsService,
  TriggerBuildService,
} from '../../app/index.js';
import type { ServiceContainer } from '../service-container.js';
import { TOKENS } from '../tokens.js';
import { createAwsContainer, type AwsContainerOptions } from '../aws-container.js';
import { ValidationError } from '../../domain/index.js';
import type { BuildRepository, ExecutionInspector, Logger } from '../../ports/index.js';
import { UsageError } from '../../adapters/driving/cli/args.js';
import type { ConnectionConfig } from '../../adapters/driving/cli/config.js';
import type { CliServices, WhoAmI } from '../../adapters/driving/cli/cli-services.js';
import { callerIdentity } from './caller-identity.js';

/**
 * Commands that only read or write the table never call Step Functions, so
 * they do not make people configure it: the container gets this placeholder,
 * which no call ever reaches (`complete` describes only the execution ARN a
 * build records, unless a state machine is configured).
 */
const UNUSED_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:not-configured';

/** The flag a configuration error is about, in the CLI's terms. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  tableName: '--table (BUILDS_TABLE_NAME)',
  stateMachineArn: '--state-machine-arn (STATE_MACHINE_ARN)',
  concurrency: '--concurrency (DEPLOYMENT_CONCURRENCY)',
  idempotencyTableName: '--idempotency-table (IDEMPOTENCY_TABLE_NAME)',
};

/**
 * The CLI's services on real AWS clients, configured from the command line
 * and the environment; who asks is the credentials' ARN (`sts:GetCallerIdentity`),
 * or `local` against a table that is not on AWS (`config.callerIdentity`).
 */
export function composeServices(config: ConnectionConfig, logger: Logger): CliServices {
  let container: ServiceContainer;
  try {
    container = createAwsContainer(awsContainerOptionsOf(config, logger));
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new UsageError(`invalid ${FLAG_OF_FIELD[error.field] ?? error.field}: ${error.reason}`);
    }
    throw error;
  }
  return servicesOf(container, callerIdentity({ source: config.callerIdentity ?? 'sts', region: config.region }));
}

/**
 * What `createAwsContainer` is given for a command: the connection, the
 * logger, and the concurrency policy the command resolved (`--concurrency`,
 * `DEPLOYMENT_CONCURRENCY`; the container's default, `queue`, for a command
 * that neither starts nor ends builds).
 */
export function awsContainerOptionsOf(config: ConnectionConfig, logger: Logger): AwsContainerOptions {
  return {
    tableName: config.tableName,
    stateMachineArn: config.stateMachineArn ?? UNUSED_STATE_MACHINE_ARN,
    logger,
    region: config.region,
    dynamodbEndpoint: config.dynamodbEndpoint,
    stepFunctionsEndpoint: config.stepFunctionsEndpoint,
    concurrency: config.concurrency,
    idempotencyTableName: config.idempotencyTableName,
  };
}

/**
 * What the commands use, from any container (tests hand in one on their own
 * clients), and who asks (`whoAmI`: tests give a fixed one). The manual
 * deployments' services are got when a command first uses them, so a
 * container without an execution controller serves the other commands.
 */
export function servicesOf(container: ServiceContainer, whoAmI: WhoAmI = nobody): CliServices {
  return {
    builds: container.get<BuildRepository>(TOKENS.BuildRepository),
    inspector: container.get<ExecutionInspector>(TOKENS.ExecutionInspector),
    trigger: container.get(TriggerBuildService),
    completions: container.get(RecordCompletionService),
    reconciler: container.get(ReconcileExecutionService),
    sweeper: container.get(SweepOpenBuildsService),
    get redeploys() {
      return container.get(RedeployBuildService);
    },
    get rollbacks() {
      return container.get(RollBackEnvironmentService);
    },
    get redrives() {
      return container.get(RedriveBuildService);
    },
    get cancellations() {
      return container.get(CancelBuildService);
    },
    whoAmI,
  };
}

/** A composition that was given no caller identity: a command that needs one says so. */
async function nobody(): Promise<string> {
  throw new Error('This composition of the CLI knows no caller identity (servicesOf was given no whoAmI): pass --by where a command takes it');
}
