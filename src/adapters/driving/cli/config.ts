import { CONCURRENCY_POLICIES, DEFAULT_CONCURRENCY_POLICY, type ConcurrencyPolicy } from '../../../domain/index.js';
import { stringValue, UsageError, type ParsedArgs } from './args.js';

/** Where the CLI finds the table and the state machine: flags first, then the environment. */
export interface ConnectionConfig {
  readonly tableName: string;
  /** Absent for commands that never touch Step Functions, and when an optional one is not configured. */
  readonly stateMachineArn?: string | undefined;
  readonly region?: string | undefined;
  readonly dynamodbEndpoint?: string | undefined;
  readonly stepFunctionsEndpoint?: string | undefined;
  /**
   * The concurrency policy the services start and end builds under
   * (`--concurrency`, `DEPLOYMENT_CONCURRENCY`, then `queue`): resolved for
   * the commands that start or end builds; absent for the others, whose
   * services never use it.
   */
  readonly concurrency?: ConcurrencyPolicy | undefined;
  /**
   * The table manual deployments keep idempotency keys in
   * (`--idempotency-table`, `IDEMPOTENCY_TABLE_NAME`): needed only with
   * `--idempotency-key`; absent when not configured.
   */
  readonly idempotencyTableName?: string | undefined;
  /**
   * Who the CLI says is asking (`requested_by`, `unlock`'s default `--by`):
   * `sts`, the ARN `sts:GetCallerIdentity` gives for the credentials; `local`,
   * the word `local`, when the builds table is reached at an endpoint that is
   * not AWS's (`--dynamodb-endpoint`) and no STS endpoint is configured
   * (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`): there is no AWS identity to
   * ask for, and the CLI never makes one up.
   */
  readonly callerIdentity?: CallerIdentitySource | undefined;
}

/** Where the caller's identity comes from: see {@link ConnectionConfig.callerIdentity}. */
export type CallerIdentitySource = 'sts' | 'local';

type Env = Readonly<Record<string, string | undefined>>;

/** How a command uses the state machine (`--state-machine-arn`, `STATE_MACHINE_ARN`). */
export type StateMachineUse = 'required' | 'optional' | 'unused';

export function resolveConnection(
  args: ParsedArgs,
  env: Env,
  needs: { readonly stateMachine: StateMachineUse; readonly concurrency?: boolean },
): ConnectionConfig {
  const tableName = fromFlagOrEnv(args, 'table', env, 'BUILDS_TABLE_NAME');
  if (tableName === undefined) throw new UsageError('missing the builds table: pass --table or set BUILDS_TABLE_NAME');
  const stateMachineArn = needs.stateMachine === 'unused' ? undefined : fromFlagOrEnv(args, 'state-machine-arn', env, 'STATE_MACHINE_ARN');
  if (needs.stateMachine === 'required' && stateMachineArn === undefined) {
    throw new UsageError('missing the state machine: pass --state-machine-arn or set STATE_MACHINE_ARN');
  }
  const region = fromFlagOrEnv(args, 'region', env, 'AWS_REGION');
  const dynamodbEndpoint = nonEmpty(stringValue(args, 'dynamodb-endpoint'));
  const stepFunctionsEndpoint = nonEmpty(stringValue(args, 'sfn-endpoint'));
  const concurrency = needs.concurrency === true ? resolveConcurrency(args, env) : undefined;
  const idempotencyTableName = resolveIdempotencyTable(args, env);
  return {
    tableName,
    stateMachineArn,
    region,
    dynamodbEndpoint,
    stepFunctionsEndpoint,
    ...(concurrency ? { concurrency } : {}),
    ...(idempotencyTableName ? { idempotencyTableName } : {}),
    callerIdentity: callerIdentitySource(dynamodbEndpoint, env),
  };
}

/**
 * `local` when the builds table is not on AWS (an endpoint whose host is not
 * an AWS one: DynamoDB Local, a container) and nothing says where STS is;
 * `sts` otherwise. A VPC or FIPS endpoint of DynamoDB is AWS's: the caller is
 * asked for there too.
 */
export function callerIdentitySource(dynamodbEndpoint: string | undefined, env: Env): CallerIdentitySource {
  if (dynamodbEndpoint === undefined || isAwsEndpoint(dynamodbEndpoint)) return 'sts';
  const ignored = nonEmpty(env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'])?.toLowerCase() === 'true';
  const stsConfigured = !ignored && (nonEmpty(env['AWS_ENDPOINT_URL_STS']) ?? nonEmpty(env['AWS_ENDPOINT_URL'])) !== undefined;
  return stsConfigured ? 'sts' : 'local';
}

/** Whether `url` names a host of AWS's own (`*.amazonaws.com`, `*.amazonaws.com.cn`, `*.api.aws`...). */
function isAwsEndpoint(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return AWS_DOMAINS.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

// The partitions' DNS suffixes (aws, aws-cn, aws-us-gov, aws-iso...) and their dual-stack one.
const AWS_DOMAINS = ['amazonaws.com', 'amazonaws.com.cn', 'api.aws', 'c2s.ic.gov', 'sc2s.sgov.gov', 'cloud.adc-e.uk', 'csp.hci.ic.gov'];

/**
 * The concurrency policy: `--concurrency`, then `DEPLOYMENT_CONCURRENCY`,
 * then `queue`. An invalid value is a usage error naming where it came from
 * and the policies there are.
 */
export function resolveConcurrency(args: ParsedArgs, env: Env): ConcurrencyPolicy {
  const allowed = CONCURRENCY_POLICIES.join(', ');
  const given = stringValue(args, 'concurrency');
  if (given !== undefined) {
    const policy = given.trim();
    if (!isConcurrencyPolicy(policy)) throw new UsageError(`--concurrency must be one of ${allowed}, got "${given}"`);
    return policy;
  }
  const fromEnv = nonEmpty(env['DEPLOYMENT_CONCURRENCY']);
  if (fromEnv === undefined) return DEFAULT_CONCURRENCY_POLICY;
  if (!isConcurrencyPolicy(fromEnv)) {
    throw new UsageError(`DEPLOYMENT_CONCURRENCY must be one of ${allowed}, got "${fromEnv}" (or pass --concurrency, which wins)`);
  }
  return fromEnv;
}

function isConcurrencyPolicy(value: string): value is ConcurrencyPolicy {
  return (CONCURRENCY_POLICIES as readonly string[]).includes(value);
}

/** The idempotency table (`--idempotency-table`, then `IDEMPOTENCY_TABLE_NAME`), when one is configured. */
export function resolveIdempotencyTable(args: ParsedArgs, env: Env): string | undefined {
  return fromFlagOrEnv(args, 'idempotency-table', env, 'IDEMPOTENCY_TABLE_NAME');
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
