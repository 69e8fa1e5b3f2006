import * as z from 'zod/mini';
import { TABLE_NAME, TABLE_NAME_RULE } from '../../adapters/driven/arguments.js';
import { DEFAULT_METRICS_NAMESPACE } from '../../adapters/driving/lambda/observability/build-metrics.js';
import type { SweeperHandlerDeps } from '../../adapters/driving/lambda/reconciliation/sweeper.handler.js';
import {
  CONCURRENCY_POLICIES,
  DEFAULT_CONCURRENCY_POLICY,
  OrchestratorError,
  ValidationError,
  parseStateMachineArn,
  parseWith,
  type ConcurrencyPolicy,
} from '../../domain/index.js';
import { S3_BUCKET_NAME_RULE, isS3BucketName } from '../../domain/s3-bucket-name.js';

/** A Lambda environment variable is missing or invalid; the message names it. */
export class EnvironmentVariableError extends OrchestratorError {
  static override readonly stableName: string = 'EnvironmentVariableError';
  override readonly name: string = 'EnvironmentVariableError';
  readonly code = 'INVALID_ENVIRONMENT_VARIABLE';

  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(`Environment variable ${variable} ${reason}`);
  }
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** What every ready handler reads. */
export interface TableEnvironment {
  readonly tableName: string;
  readonly stateMachineArn: string;
  /** The table's status index, when not `status-updated_at-index`. */
  readonly statusIndexName?: string | undefined;
}

export interface TriggerBuildEnvironment extends TableEnvironment {
  readonly s3Bucket: string;
  readonly concurrency?: number | undefined;
}

/** The table variables and the idempotency table of the HTTP API's manual deployments. */
export interface HttpApiEnvironment extends TableEnvironment {
  /** The table idempotency keys are kept in (partition key `id`, TTL on `expiration`), never the builds table. */
  readonly idempotencyTableName: string;
}

/** The table variables and the sweeper's settings, as `createSweeperHandler` takes them. */
export interface SweeperEnvironment extends TableEnvironment, Omit<SweeperHandlerDeps, 'sweeper' | 'logger' | 'metrics'> {}

/** How a ready handler is observed, from Powertools' own variables. */
export interface ObservabilityEnvironment {
  /** The CloudWatch namespace of the metrics; `undefined` when `POWERTOOLS_METRICS_DISABLED` turns them off. */
  readonly metricsNamespace: string | undefined;
  /** The AWS SDK clients are traced with Powertools Tracer. */
  readonly tracing: boolean;
}

const required = (what: string) =>
  z.string({ error: `is not set: it must hold ${what}` }).check(z.trim(), z.minLength(1, { error: `is empty: it must hold ${what}` }));

const positiveInteger = (what: string) =>
  z.optional(
    z.pipe(
      z.string().check(z.regex(/^[1-9][0-9]{0,8}$/, { error: `is invalid: it must be a positive integer (${what})` })),
      z.transform(Number),
    ),
  );

// The words Powertools reads as booleans, in any case (getBooleanFromEnv with
// extendedParsing, @aws-lambda-powertools/commons), so a value means the same to both.
const TRUE_WORDS = ['1', 'y', 'yes', 't', 'true', 'on'];
const FALSE_WORDS = ['0', 'n', 'no', 'f', 'false', 'off'];

const flag = z.optional(
  z.pipe(
    z.string().check(z.trim(), z.toLowerCase()),
    z.pipe(
      z.enum([...TRUE_WORDS, ...FALSE_WORDS], { error: 'is invalid: it must be true or false (or 1/0, yes/no, on/off, as Powertools reads it)' }),
      z.transform((word: string) => TRUE_WORDS.includes(word)),
    ),
  ),
);

const tableSchema = z.object({
  BUILDS_TABLE_NAME: required('the builds table name').check(
    z.regex(TABLE_NAME, { error: `is invalid: a DynamoDB table name is ${TABLE_NAME_RULE}` }),
  ),
  STATE_MACHINE_ARN: required('the deployment state machine ARN'),
  BUILDS_STATUS_INDEX_NAME: z.optional(
    z.string().check(z.regex(TABLE_NAME, { error: `is invalid: a DynamoDB index name is ${TABLE_NAME_RULE}` })),
  ),
});

// Only named in the execution input, never called: any name S3 accepts, the legacy names of
// older us-east-1 buckets (capitals, underscores) included, as the Go implementation takes them.
const artifactBucket = required('the S3 bucket of the build artifacts').check(
  z.refine(isS3BucketName, { error: `is invalid: an S3 bucket name is ${S3_BUCKET_NAME_RULE}` }),
);

const triggerBuildSchema = z.object({
  ARTIFACT_BUCKET: artifactBucket,
  TRIGGER_CONCURRENCY: positiveInteger('items processed at the same time'),
});

const httpApiSchema = z.object({
  IDEMPOTENCY_TABLE_NAME: required('the idempotency table name').check(
    z.regex(TABLE_NAME, { error: `is invalid: a DynamoDB table name is ${TABLE_NAME_RULE}` }),
  ),
});

const sweeperSchema = z.object({
  ARTIFACT_BUCKET: z.optional(artifactBucket),
  SWEEP_GRACE_MINUTES: positiveInteger('minutes an open build is left alone'),
  SWEEP_PAGE_SIZE: positiveInteger('builds read per query'),
  SWEEP_TIME_BUDGET_SECONDS: positiveInteger('seconds a sweep may read new pages'),
  SWEEP_LOOKBACK_MINUTES: positiveInteger('how far back each sweep looks'),
  SWEEP_MAX_EXECUTIONS: positiveInteger('executions examined per sweep'),
});

const concurrencySchema = z.object({
  // Exactly as the CDK construct's `concurrency` prop writes it: one policy per table, so a
  // value this function might read differently from the others is refused, not guessed at.
  DEPLOYMENT_CONCURRENCY: z.optional(
    z.enum(CONCURRENCY_POLICIES, { error: `is invalid: it must be one of ${CONCURRENCY_POLICIES.join(', ')}` }),
  ),
});

const observabilitySchema = z.object({
  // CloudWatch's rule for a namespace: 1 to 255 ASCII characters, no control
  // characters, not starting with ":"; "AWS/" is reserved for AWS services
  // (PutMetricData and Metric in the CloudWatch API Reference).
  POWERTOOLS_METRICS_NAMESPACE: z.optional(
    z.string().check(
      z.regex(/^(?!AWS\/)[\x20-\x39\x3b-\x7e][\x20-\x7e]{0,254}$/, {
        error: 'is invalid: a CloudWatch namespace is 1 to 255 printable ASCII characters, not starting with ":" or "AWS/"',
      }),
    ),
  ),
  POWERTOOLS_METRICS_DISABLED: flag,
  POWERTOOLS_TRACE_ENABLED: flag,
});

/**
 * Reads `BUILDS_TABLE_NAME` and `STATE_MACHINE_ARN`.
 *
 * @throws EnvironmentVariableError naming the variable.
 */
export function readTableEnvironment(env: Environment): TableEnvironment {
  const vars = read(tableSchema, env);
  asEnvironmentError(() => parseStateMachineArn(vars.STATE_MACHINE_ARN, 'STATE_MACHINE_ARN'));
  return { tableName: vars.BUILDS_TABLE_NAME, stateMachineArn: vars.STATE_MACHINE_ARN, statusIndexName: vars.BUILDS_STATUS_INDEX_NAME };
}

/** Reads the table variables plus `ARTIFACT_BUCKET` and `TRIGGER_CONCURRENCY`. */
export function readTriggerBuildEnvironment(env: Environment): TriggerBuildEnvironment {
  const table = readTableEnvironment(env);
  const vars = read(triggerBuildSchema, env);
  return {
    ...table,
    s3Bucket: vars.ARTIFACT_BUCKET,
    concurrency: vars.TRIGGER_CONCURRENCY,
  };
}

/**
 * Reads the table variables plus `IDEMPOTENCY_TABLE_NAME`, the table the
 * manual deployments keep idempotency keys in: a table of its own, never the
 * builds table.
 *
 * @throws EnvironmentVariableError naming the variable.
 */
export function readHttpApiEnvironment(env: Environment): HttpApiEnvironment {
  const table = readTableEnvironment(env);
  const { IDEMPOTENCY_TABLE_NAME: idempotencyTableName } = read(httpApiSchema, env);
  if (idempotencyTableName === table.tableName) {
    throw new EnvironmentVariableError('IDEMPOTENCY_TABLE_NAME', 'is invalid: it names the builds table; idempotency keys need a table of their own');
  }
  return { ...table, idempotencyTableName };
}

/**
 * Reads the table variables plus the optional `ARTIFACT_BUCKET` (to start
 * `PENDING` builds), `SWEEP_GRACE_MINUTES`, `SWEEP_PAGE_SIZE`,
 * `SWEEP_TIME_BUDGET_SECONDS`, and for a table without the status index
 * `SWEEP_LOOKBACK_MINUTES` and `SWEEP_MAX_EXECUTIONS`.
 */
export function readSweeperEnvironment(env: Environment): SweeperEnvironment {
  const table = readTableEnvironment(env);
  const vars = read(sweeperSchema, env);
  const times = (value: number | undefined, unitMs: number) => (value === undefined ? undefined : value * unitMs);
  return {
    ...table,
    s3Bucket: vars.ARTIFACT_BUCKET,
    graceMs: times(vars.SWEEP_GRACE_MINUTES, 60_000),
    pageSize: vars.SWEEP_PAGE_SIZE,
    timeBudgetMs: times(vars.SWEEP_TIME_BUDGET_SECONDS, 1_000),
    lookbackMs: times(vars.SWEEP_LOOKBACK_MINUTES, 60_000),
    maxExecutions: vars.SWEEP_MAX_EXECUTIONS,
  };
}

/**
 * Reads `DEPLOYMENT_CONCURRENCY`: how the builds of one environment share it,
 * `queue` (the default), `supersede` or `parallel`. Every function on one
 * table must read the same policy.
 *
 * @throws EnvironmentVariableError naming `DEPLOYMENT_CONCURRENCY` and the allowed values.
 */
export function readConcurrencyPolicy(env: Environment): ConcurrencyPolicy {
  return read(concurrencySchema, env).DEPLOYMENT_CONCURRENCY ?? DEFAULT_CONCURRENCY_POLICY;
}

/**
 * Reads Powertools' `POWERTOOLS_METRICS_NAMESPACE` (default
 * `AwsDeployerOrchestrator`), `POWERTOOLS_METRICS_DISABLED` (metrics are on
 * unless it is true) and `POWERTOOLS_TRACE_ENABLED`. Tracing is off unless it
 * is true, where Powertools would default to on: the tracer is an optional
 * peer dependency, loaded only when asked for.
 */
export function readObservabilityEnvironment(env: Environment): ObservabilityEnvironment {
  const vars = read(observabilitySchema, env);
  return {
    metricsNamespace: vars.POWERTOOLS_METRICS_DISABLED === true ? undefined : (vars.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE),
    tracing: vars.POWERTOOLS_TRACE_ENABLED ?? false,
  };
}

function read<T extends z.core.$ZodType>(schema: T, env: Environment): z.output<T> {
  return asEnvironmentError(() => parseWith(schema, env));
}

/** Validation errors name the variable as their field. */
function asEnvironmentError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ValidationError) throw new EnvironmentVariableError(error.field, error.reason);
    throw error;
  }
}
