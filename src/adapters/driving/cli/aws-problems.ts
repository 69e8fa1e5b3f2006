import { OrchestratorError } from '../../../domain/index.js';
import { UsageError } from './args.js';
import type { ConnectionConfig } from './config.js';

/** DynamoDB found no builds table of that name where the CLI looked. */
export class BuildsTableNotFoundError extends OrchestratorError {
  static override readonly stableName: string = 'BuildsTableNotFoundError';
  override readonly name: string = 'BuildsTableNotFoundError';
  readonly code = 'TABLE_NOT_FOUND';
  readonly tableName: string;

  constructor(connection: ConnectionConfig, options: { cause: unknown }) {
    const where = connection.dynamodbEndpoint
      ? ` at ${connection.dynamodbEndpoint}`
      : connection.region
        ? ` in ${connection.region}`
        : '';
    super(
      `The builds table ${connection.tableName} was not found${where} (it does not exist there, or is not ACTIVE): ` +
        'check --table (BUILDS_TABLE_NAME), --region and the credentials',
      options,
    );
    this.tableName = connection.tableName;
  }
}

/**
 * An error of the AWS SDK restated in the CLI's terms (what to fix, with the
 * flag that fixes it), or `undefined` when it says enough as it is.
 */
export function restateAwsError(error: unknown, connection: ConnectionConfig): Error | undefined {
  if (!(error instanceof Error)) return undefined;
  // The SDK's way of saying the environment lacks a setting the CLI has a flag for.
  if (error.message === 'Region is missing') return new UsageError('missing the AWS region: pass --region or set AWS_REGION');
  // DynamoDB's error for "a nonexistent table or index [...] or its status might not be ACTIVE"
  // (DynamoDB API reference, common errors of every operation). The CLI queries one index, and a
  // missing index is a ValidationException (BuildsByStatusUnavailableError); Step Functions names its own
  // missing things otherwise (StateMachineDoesNotExist, ExecutionDoesNotExist, ResourceNotFound).
  if (error.name === 'ResourceNotFoundException') return new BuildsTableNotFoundError(connection, { cause: error });
  return undefined;
}
