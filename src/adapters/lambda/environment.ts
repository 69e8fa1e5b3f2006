import * as z from 'zod';
import { TABLE_NAME, TABLE_NAME_RULE } from '../arguments.js';
import type { SweeperHandlerDeps } from './reconciliation/sweeper.handler.js';
import { OrchestratorError, ValidationError, parseStateMachineArn, parseWith } from '../../domain/index.js';

/** A Lambda environment variable is missing or invalid; the message names it. */
export class EnvironmentVariableError extends OrchestratorError {
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

/** The table variables and the sweeper's settings, as `createSweeperHandler` takes them. */
export interface SweeperEnvironment extends TableEnvironment, Omit<SweeperHandlerDeps, 'container'> {}

const required = (what: string) =>
  z.string({ error: `is not set: it must hold ${what}` }).trim().min(1, { error: `is empty: it must hold ${what}` });

const positiveInteger = (what: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/, { error: `is invalid: it must be a positive integer (${what})` })
    .transform(Number)
    .optional();

const tableSchema = z.object({
  BUILDS_TABLE_NAME: required('the builds table name').regex(TABLE_NAME, {
    error: `is invalid: a DynamoDB table name is ${TABLE_NAME_RULE}`,
  }),
  STATE_MACHINE_ARN: required('the deployment state machine ARN'),
  BUILDS_STATUS_INDEX_NAME: z
    .string()
    .regex(TABLE_NAME, { error: `is invalid: a DynamoDB index name is ${TABLE_NAME_RULE}` })
    .optional(),
});

const artifactBucket = required('the S3 bucket of the build artifacts').regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
  error: 'is invalid: an S3 bucket name is 3-63 of a-z 0-9 . -',
});

const triggerBuildSchema = z.object({
  ARTIFACT_BUCKET: artifactBucket,
  TRIGGER_CONCURRENCY: positiveInteger('items processed at the same time'),
});

const sweeperSchema = z.object({
  ARTIFACT_BUCKET: artifactBucket.optional(),
  SWEEP_GRACE_MINUTES: positiveInteger('minutes an open build is left alone'),
  SWEEP_PAGE_SIZE: positiveInteger('builds read per query'),
  SWEEP_TIME_BUDGET_SECONDS: positiveInteger('seconds a sweep may read new pages'),
  SWEEP_LOOKBACK_MINUTES: positiveInteger('how far back each sweep looks'),
  SWEEP_MAX_EXECUTIONS: positiveInteger('executions examined per sweep'),
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

function read<T extends z.ZodType>(schema: T, env: Environment): z.output<T> {
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
