import { stringValue, UsageError, type ParsedArgs } from './args.js';

/** Where the CLI finds the table and the state machine: flags first, then the environment. */
export interface ConnectionConfig {
  readonly tableName: string;
  /** Absent for commands that never touch Step Functions, and when an optional one is not configured. */
  readonly stateMachineArn?: string | undefined;
  readonly region?: string | undefined;
  readonly dynamodbEndpoint?: string | undefined;
  readonly stepFunctionsEndpoint?: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** How a command uses the state machine (`--state-machine-arn`, `STATE_MACHINE_ARN`). */
export type StateMachineUse = 'required' | 'optional' | 'unused';

export function resolveConnection(args: ParsedArgs, env: Env, needs: { readonly stateMachine: StateMachineUse }): ConnectionConfig {
  const tableName = fromFlagOrEnv(args, 'table', env, 'BUILDS_TABLE_NAME');
  if (tableName === undefined) throw new UsageError('missing the builds table: pass --table or set BUILDS_TABLE_NAME');
  const stateMachineArn = needs.stateMachine === 'unused' ? undefined : fromFlagOrEnv(args, 'state-machine-arn', env, 'STATE_MACHINE_ARN');
  if (needs.stateMachine === 'required' && stateMachineArn === undefined) {
    throw new UsageError('missing the state machine: pass --state-machine-arn or set STATE_MACHINE_ARN');
  }
  const region = fromFlagOrEnv(args, 'region', env, 'AWS_REGION');
  const dynamodbEndpoint = nonEmpty(stringValue(args, 'dynamodb-endpoint'));
  const stepFunctionsEndpoint = nonEmpty(stringValue(args, 'sfn-endpoint'));
  return { tableName, stateMachineArn, region, dynamodbEndpoint, stepFunctionsEndpoint };
}

/** The artifacts bucket `start` passes to the execution. */
export function resolveArtifactBucket(args: ParsedArgs, env: Env): string {
  const bucket = optionalArtifactBucket(args, env);
  if (bucket === undefined) throw new UsageError('missing the artifacts bucket: pass --s3-bucket or set ARTIFACT_BUCKET');
  return bucket;
}

/** The artifacts bucket when one is configured (`sweep` starts PENDING builds only with one). */
export function optionalArtifactBucket(args: ParsedArgs, env: Env): string | undefined {
  return fromFlagOrEnv(args, 's3-bucket', env, 'ARTIFACT_BUCKET');
}

function fromFlagOrEnv(args: ParsedArgs, flagName: string, env: Env, variable: string): string | undefined {
  return nonEmpty(stringValue(args, flagName)) ?? nonEmpty(env[variable]);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
