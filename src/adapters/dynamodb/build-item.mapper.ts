import * as z from 'zod';
import {
  BUILD_STATUSES,
  buildIdOf,
  fromEpochSeconds,
  parseWith,
  partitionKeyOf,
  toEpochSeconds,
  type Build,
  type BuildKey,
  type BuildStatus,
} from '../../domain/index.js';
import { withoutUndefined } from '../without-undefined.js';

/**
 * The build item exactly as the Go implementation writes it: snake_case
 * attributes, epoch seconds as numbers. New attributes may be added; none may
 * be renamed or change type, or the two implementations stop sharing a table.
 */
export interface BuildItem {
  pk: string;
  sk: string;
  repo: string;
  env: string;
  build_number?: number;
  branch: string;
  version: string;
  commit_hash: string;
  status: BuildStatus;
  stack_name?: string;
  execution_arn?: string;
  error_msg?: string;
  created_at: number;
  updated_at: number;
  finished_at?: number;
}

/** The "latest" pointer of one repo in one env: `pk = latest/{env}`, `sk = {repo}/{env}`. */
export interface LatestPointerItem {
  pk: string;
  sk: string;
  id: string;
  repo: string;
  env: string;
  status: BuildStatus;
  updated_at: number;
}

const LATEST_PARTITION_PREFIX = 'latest/';

export function buildItemKey(key: BuildKey): { pk: string; sk: string } {
  return { pk: partitionKeyOf(key), sk: key.sk };
}

export function latestPointerKey(key: Pick<BuildKey, 'repo' | 'env'>): { pk: string; sk: string } {
  return { pk: `${LATEST_PARTITION_PREFIX}${key.env}`, sk: partitionKeyOf(key) };
}

export function isLatestPointerPartition(pk: string): boolean {
  return pk.startsWith(LATEST_PARTITION_PREFIX);
}

export function latestPointerItem(key: BuildKey, status: BuildStatus, updatedAt: Date): LatestPointerItem {
  return {
    ...latestPointerKey(key),
    id: buildIdOf(key),
    repo: key.repo,
    env: key.env,
    status,
    updated_at: toEpochSeconds(updatedAt),
  };
}

export function toBuildItem(build: Build): BuildItem {
  return withoutUndefined({
    ...buildItemKey(build),
    repo: build.repo,
    env: build.env,
    build_number: build.buildNumber,
    branch: build.branch,
    version: build.version,
    commit_hash: build.commitHash,
    status: build.status,
    stack_name: build.stackName,
    execution_arn: build.executionArn,
    error_msg: build.errorMsg,
    created_at: toEpochSeconds(build.createdAt),
    updated_at: toEpochSeconds(build.updatedAt),
    finished_at: build.finishedAt === undefined ? undefined : toEpochSeconds(build.finishedAt),
  });
}

// Go's `omitempty` is not guaranteed on every writer: an empty string means "absent".
const optionalText = z
  .string({ error: 'must be a string' })
  .optional()
  .transform((value) => (value === '' ? undefined : value));
const epochSeconds = z.number({ error: 'must be a number of epoch seconds' }).int({ error: 'must be whole seconds' });

const buildItemSchema = z.object({
  repo: z.string({ error: 'must be a string' }),
  env: z.string({ error: 'must be a string' }),
  sk: z.string({ error: 'must be a string' }),
  build_number: z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).optional(),
  branch: z.string({ error: 'must be a string' }),
  version: z.string({ error: 'must be a string' }),
  commit_hash: z.string({ error: 'must be a string' }),
  status: z.enum(BUILD_STATUSES, { error: `must be one of ${BUILD_STATUSES.join(', ')}` }),
  stack_name: optionalText,
  execution_arn: optionalText,
  error_msg: optionalText,
  created_at: epochSeconds,
  updated_at: epochSeconds,
  finished_at: epochSeconds.optional(),
});

/**
 * Reads a build item (from DynamoDB or a stream image), throwing a
 * `ValidationError` that names the offending attribute.
 */
export function fromBuildItem(item: Record<string, unknown>): Build {
  const parsed = parseWith(buildItemSchema, item);
  return withoutUndefined({
    repo: parsed.repo,
    env: parsed.env,
    sk: parsed.sk,
    buildNumber: parsed.build_number,
    branch: parsed.branch,
    version: parsed.version,
    commitHash: parsed.commit_hash,
    status: parsed.status,
    stackName: parsed.stack_name,
    executionArn: parsed.execution_arn,
    errorMsg: parsed.error_msg,
    createdAt: fromEpochSeconds(parsed.created_at),
    updatedAt: fromEpochSeconds(parsed.updated_at),
    finishedAt: parsed.finished_at === undefined ? undefined : fromEpochSeconds(parsed.finished_at),
  }) as Build;
}

