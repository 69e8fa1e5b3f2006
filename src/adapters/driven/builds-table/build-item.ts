import * as z from 'zod/mini';
import {
  BUILD_STATUSES,
  DEPLOYMENT_KINDS,
  buildIdOf,
  fromEpochSeconds,
  isLatestPointerPartition,
  LATEST_POINTER_REPO,
  ValidationError,
  parseRecordedBuildKey,
  parseWith,
  partitionKeyOf,
  toEpochSeconds,
  type Build,
  type BuildKey,
  type BuildStatus,
  type DeploymentKind,
} from '../../../domain/index.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';

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
  /** A string (S), as Go writes it. */
  build_number?: string;
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
  /**
   * Added by this module, absent unless set (epoch seconds, N): a `FAILED`
   * build whose own execution may have been redriven to success, marked
   * since then, for the sweeper to ask Step Functions. Builds are never
   * created with it; `fromBuildItem` does not read it (the redrive queries do).
   */
  redrive_pending_since?: number;
  /** Added by this module, omitted when empty: the newer build a stale `PENDING` one was not deployed over. */
  superseded_by?: string;
  /**
   * Added by this module, omitted when empty: the id of the build a `PENDING`
   * build waits behind (its environment's lock holder). Removed by every
   * write that moves the build out of `PENDING`.
   */
  waiting_for?: string;
  /** Added by this module, omitted when empty: who released this build's environment lock by hand. */
  unlocked_by?: string;
  /** Added by this module (epoch seconds, N), only with `unlocked_by`: when. */
  unlocked_at?: number;
  /** Added by this module, omitted when empty: `redeploy` or `rollback`, a build a person asked for. */
  kind?: DeploymentKind;
  /** Added by this module, omitted when empty: the id of the build a redeploy or rollback deploys again. */
  redeploy_of?: string;
  /** Added by this module, omitted when empty: who asked for the build (an IAM ARN, `local`...). */
  requested_by?: string;
  /** Added by this module, omitted when empty: who cancelled the build. */
  cancelled_by?: string;
  /** Added by this module, omitted when empty: who redrove the build's execution. */
  redriven_by?: string;
  /** Added by this module (epoch seconds, N): when the build's execution was last redriven by a person. */
  redriven_at?: number;
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

export const LATEST_PARTITION_PREFIX = `${LATEST_POINTER_REPO}/`;

export function buildItemKey(key: BuildKey): { pk: string; sk: string } {
  return { pk: partitionKeyOf(key), sk: key.sk };
}

export function latestPointerKey(key: Pick<BuildKey, 'repo' | 'env'>): { pk: string; sk: string } {
  return { pk: `${LATEST_PARTITION_PREFIX}${key.env}`, sk: partitionKeyOf(key) };
}

export { isLatestPointerPartition };

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
    superseded_by: build.supersededBy,
    waiting_for: build.waitingFor,
    unlocked_by: build.unlockedBy,
    unlocked_at: build.unlockedAt === undefined ? undefined : toEpochSeconds(build.unlockedAt),
    kind: build.kind,
    redeploy_of: build.redeployOf,
    requested_by: build.requestedBy,
    cancelled_by: build.cancelledBy,
    redriven_by: build.redrivenBy,
    redriven_at: build.redrivenAt === undefined ? undefined : toEpochSeconds(build.redrivenAt),
  });
}

// Go tags every attribute of its build record `omitempty` (an empty string or a zero number is left out):
// any attribute but pk and sk may be absent, and absent means Go's zero value,
// "" or 0. An empty string some other writer left reads the same way.
const emptyAsAbsent = z.transform((value: string | undefined) => (value === '' ? undefined : value));
const optionalText = z.pipe(z.optional(z.string({ error: 'must be a string' })), emptyAsAbsent);
const textOrEmpty = z.pipe(
  z.optional(z.string({ error: 'must be a string' })),
  z.transform((value: string | undefined) => value ?? ''),
);
const epochSeconds = z.number({ error: 'must be a number of epoch seconds' }).check(z.int({ error: 'must be whole seconds' }));
const epochSecondsOrZero = z.pipe(z.optional(epochSeconds), z.transform((value: number | undefined) => value ?? 0));
// Go writes `build_number` as a string (S); items that hold it as a number (N) read as its decimal string too.
const buildNumber = z.pipe(
  z.optional(
    z.union([z.string(), z.pipe(z.number().check(z.int(), z.nonnegative()), z.transform((value: number) => String(value)))], {
      error: 'must be a string (or a whole number)',
    }),
  ),
  emptyAsAbsent,
);

const buildItemSchema = z.object({
  pk: z.string({ error: 'must be a string' }),
  sk: z.string({ error: 'must be a string' }),
  repo: optionalText,
  env: optionalText,
  build_number: buildNumber,
  branch: textOrEmpty,
  version: textOrEmpty,
  commit_hash: textOrEmpty,
  status: z.enum(BUILD_STATUSES, { error: `must be one of ${BUILD_STATUSES.join(', ')}` }),
  stack_name: optionalText,
  execution_arn: optionalText,
  error_msg: optionalText,
  created_at: epochSecondsOrZero,
  updated_at: epochSecondsOrZero,
  finished_at: z.optional(epochSeconds),
  // Added by this module (Go does not know it): the newer build a stale PENDING one was not deployed over.
  superseded_by: optionalText,
  // Added by this module for the environment lock (Go does not know them).
  waiting_for: optionalText,
  unlocked_by: optionalText,
  unlocked_at: z.optional(epochSeconds),
  // Added by this module for manual deployments (Go does not know them). A `kind` this version does
  // not know (a later one's) reads as none: the build stays readable.
  kind: optionalText,
  redeploy_of: optionalText,
  requested_by: optionalText,
  cancelled_by: optionalText,
  redriven_by: optionalText,
  redriven_at: z.optional(epochSeconds),
});

/**
 * Reads a build item (from DynamoDB or a stream image), throwing a
 * `ValidationError` that names the offending attribute.
 *
 * Every item Go can write reads: `repo` and `env` come from `pk` when absent;
 * an absent `branch`, `version` or `commit_hash` reads as `""` and an absent
 * timestamp as 0, Go's zero values (such a build cannot be deployed, see
 * `executionInputFor`, but it can be listed, read and finished).
 */
export function fromBuildItem(item: Record<string, unknown>): Build {
  const parsed = parseWith(buildItemSchema, item);
  const key = keyOfItem(parsed);
  return withoutUndefined({
    ...key,
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
    supersededBy: parsed.superseded_by,
    waitingFor: parsed.waiting_for,
    unlockedBy: parsed.unlocked_by,
    unlockedAt: parsed.unlocked_at === undefined ? undefined : fromEpochSeconds(parsed.unlocked_at),
    kind: DEPLOYMENT_KINDS.find((kind) => kind === parsed.kind),
    redeployOf: parsed.redeploy_of,
    requestedBy: parsed.requested_by,
    cancelledBy: parsed.cancelled_by,
    redrivenBy: parsed.redriven_by,
    redrivenAt: parsed.redriven_at === undefined ? undefined : fromEpochSeconds(parsed.redriven_at),
  }) as Build;
}

/** `pk` is `{repo}/{env}`, split at its first `/`; `repo` and `env`, when present, must agree with it. */
function keyOfItem(item: { pk: string; sk: string; repo?: string | undefined; env?: string | undefined }): BuildKey {
  const slash = item.pk.indexOf('/');
  if (slash < 0) throw new ValidationError('pk', `"${item.pk}" is not "{repo}/{env}"`);
  const key = parseRecordedBuildKey({ repo: item.pk.slice(0, slash), env: item.pk.slice(slash + 1), sk: item.sk });
  for (const part of ['repo', 'env'] as const) {
    const stored = item[part];
    if (stored !== undefined && stored !== key[part]) {
      throw new ValidationError(part, `"${stored}" does not match pk "${item.pk}"`);
    }
  }
  return key;
}
