import {
  RecordCompletionService,
  ReconcileExecutionService,
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
import type { CliServices } from '../../adapters/driving/cli/cli-services.js';

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
};

/** The CLI's services on real AWS clients, configured from the command line and the environment. */
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
  return servicesOf(container);
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
  };
}

/** What the commands use, from any container (tests hand in one on their own clients). */
export function servicesOf(container: ServiceContainer): CliServices {
  return {
    builds: container.get<BuildRepository>(TOKENS.BuildRepository),
    inspector: container.get<ExecutionInspector>(TOKENS.ExecutionInspector),
    trigger: container.get(TriggerBuildService),
    completions: container.get(RecordCompletionService),
    reconciler: container.get(ReconcileExecutionService),
    sweeper: container.get(SweepOpenBuildsService),
  };
}
