import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  BuildAlreadyExistsError,
  ValidationError,
  buildIdOf,
  pendingBuild,
  type Build,
  type BuildKey,
  type BuildStatus,
  type Completion,
  type EnvironmentLock,
  type LockingPolicy,
  type NewBuild,
} from '../../../domain/index.js';
import type {
  BuildPage,
  BuildRepository,
  ClaimOptions,
  CompletionRecord,
  EnvironmentLine,
  EnvironmentLockPage,
  ListBuildsByStatusOptions,
  ListBuildsOptions,
  ListRedrivePendingOptions,
  ExecutionEndOptions,
  LockAdoption,
  LockKeeping,
  LockKeepingOptions,
  LockRelease,
  PendingCancellation,
  PendingCancellationOptions,
  RedriveBeginning,
  RedriveBeginningOptions,
  RedriveMarkClearingOptions,
  LockReleaseOptions,
  Logger,
  RedriveMarkClearing,
  RedriveMarkRecord,
  RedrivePendingPage,
  ReleaseOptions,
  StartClaim,
  StartFailureOptions,
  StartFailureRecord,
  StartRecord,
  WaitingRecord,
} from '../../../ports/index.js';
import { TABLE_NAME, TABLE_NAME_RULE } from '../arguments.js';
import { fromBuildItem, latestPointerItem, toBuildItem } from '../builds-table/build-item.js';
import { BuildQueries } from './build-queries.js';
import type { BuildsTable } from './builds-table-access.js';
import { CompletionWrites } from './completion-writes.js';
import { writeWithPointer } from './conditional-writes.js';
import { EnvironmentLineReads } from './environment-line.js';
import { EnvironmentLocks } from './environment-locks.js';
import { ExecutionEndWrites } from './execution-end-writes.js';
import { RedriveMarks } from './redrive-marks.js';
import { StartWrites } from './start-writes.js';

export interface DynamoDbBuildRepositoryOptions {
  /** A document client you own and configure (region, retries, tracing); default (un)marshall options. */
  readonly client: DynamoDBDocumentClient;
  /** The builds table (the Go deployment names it `{env}-aws-deployer--builds`). */
  readonly tableName: string;
  /**
   * The global secondary index on `status` (partition key) and `updated_at`
   * (sort key), projection ALL, that `listBuildsByStatus` queries (default
   * `status-updated_at-index`). Every item the Go implementation writes has
   * both attributes, so adding the index to an existing table is one online
   * change.
   */
  readonly statusIndexName?: string | undefined;
  /**
   * Told about items `latestBuilds` skips because they do not read as builds
   * (`listBuilds` reports them in its page instead). Default: none.
   */
  readonly logger?: Logger | undefined;
}

export const DEFAULT_STATUS_INDEX_NAME = 'status-updated_at-index';

/**
 * {@link BuildRepository} on a DynamoDB table shared with the Go
 * implementation (same item layout, same "latest" pointers).
 *
 * Every status change is one conditional write whose condition comes from the
 * domain's transition table, written in one `TransactWriteItems` with the
 * environment's latest pointer. When a condition fails, the record the
 * transaction saw (its cancellation reason) or one consistent read decides
 * the typed outcome.
 *
 * IAM: `dynamodb:GetItem`, `PutItem`, `UpdateItem`, `DeleteItem`,
 * `ConditionCheckItem`, `Query`, `BatchGetItem` on the table
 * (`TransactWriteItems` is authorised through `PutItem`, `UpdateItem`,
 * `DeleteItem` and `ConditionCheckItem`; the last two only for the
 * environment lock), and `Query` on its status index for
 * `listBuildsByStatus`.
 *
 * Environment locks are items of the partition `lock` (sort key
 * `{repo}/{env}`; `holder`, `policy`, `taken_at`, `adopted`), with no
 * `status`: the status index, the builds' partitions and the latest pointers
 * never hold one.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { DynamoDbBuildRepository } from '@aws-deployer/orchestrator/dynamodb';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const buildRepository = new DynamoDbBuildRepository({ client, tableName: 'prd-aws-deployer--builds' });
 * ```
 */
export class DynamoDbBuildRepository implements BuildRepository {
  // The work is split by concern: start-writes.ts (the claim, a failed start, the start),
  // completion-writes.ts (the end of a build, in smaller forms when the item is near its
  // size limit), build-queries.ts (reads and pages), conditional-writes.ts (one conditional
  // write with the latest pointer and its companions, and what a refusal found),
  // status-conditions.ts (the conditions the transition table gives), dynamodb-errors.ts
  // (DynamoDB's refusals as the module's errors), environment-locks.ts (the locks: read,
  // adopted, released, listed, and the release that goes with an end), environment-line.ts
  // (the builds a lock's next turn is decided from).
  private readonly table: BuildsTable;
  private readonly starts: StartWrites;
  private readonly completions: CompletionWrites;
  private readonly queries: BuildQueries;
  private readonly executionEnds: ExecutionEndWrites;
  private readonly redriveMarks: RedriveMarks;
  private readonly lines: EnvironmentLineReads;
  private readonly locks: EnvironmentLocks;

  constructor(options: DynamoDbBuildRepositoryOptions) {
    if (typeof options.tableName !== 'string' || !TABLE_NAME.test(options.tableName)) {
      throw new ValidationError('tableName', `must be a DynamoDB table name (${TABLE_NAME_RULE})`);
    }
    const statusIndexName = options.statusIndexName ?? DEFAULT_STATUS_INDEX_NAME;
    if (!TABLE_NAME.test(statusIndexName)) {
      throw new ValidationError('statusIndexName', `must be a DynamoDB index name (${TABLE_NAME_RULE})`);
    }
    this.table = { client: options.client, tableName: options.tableName };
    this.completions = new CompletionWrites(this.table, options.logger);
    this.lines = new EnvironmentLineReads(this.table);
    this.locks = new EnvironmentLocks(this.table);
    this.starts = new StartWrites(this.table, this.completions, this.lines);
    this.queries = new BuildQueries(this.table, statusIndexName, options.logger);
    this.executionEnds = new ExecutionEndWrites(this.table, options.logger);
    this.redriveMarks = new RedriveMarks(this.table, statusIndexName, this.locks);
  }

  async create(value: NewBuild, at: Date = new Date()): Promise<Build> {
    const build = pendingBuild(value, at);
    const result = await writeWithPointer(
      this.table,
      build,
      {
        Put: {
          TableName: this.table.tableName,
          Item: toBuildItem(build),
          // Guards: no build with this key exists yet.
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      latestPointerItem(build, build.status, build.updatedAt),
    );
    if (result.written) return build;
    if (!result.existing) throw new Error(`Creating ${buildIdOf(build)} was refused, yet no build exists`);
    throw new BuildAlreadyExistsError(fromBuildItem(result.existing));
  }

  get(key: BuildKey): Promise<Build | undefined> {
    return this.queries.get(key);
  }

  claimStart(key: BuildKey, attempt: string, options?: ClaimOptions): Promise<StartClaim> {
    return this.starts.claimStart(key, attempt, options);
  }

  recordStartFailure(key: BuildKey, attempt: string, reason: string, at: Date, options?: StartFailureOptions): Promise<StartFailureRecord> {
    return this.starts.recordStartFailure(key, attempt, reason, at, options);
  }

  newestSuccessAfter(key: BuildKey): Promise<Build | undefined> {
    return this.queries.newestSuccessAfter(key);
  }

  recordUnstartable(key: BuildKey, reason: string, at: Date, options?: ReleaseOptions): Promise<StartFailureRecord> {
    return this.starts.recordUnstartable(key, reason, at, options);
  }

  recordStart(key: BuildKey, executionArn: string, at: Date): Promise<StartRecord> {
    return this.starts.recordStart(key, executionArn, at);
  }

  recordCompletion(key: BuildKey, completion: Completion, at: Date, options?: ReleaseOptions): Promise<CompletionRecord> {
    return this.completions.recordCompletion(key, completion, at, options);
  }

  recordExecutionEnd(key: BuildKey, executionArn: string, completion: Completion, at: Date, options?: ExecutionEndOptions): Promise<CompletionRecord> {
    return this.executionEnds.recordExecutionEnd(key, executionArn, completion, at, options);
  }

  beginRedrive(key: BuildKey, executionArn: string, options: RedriveBeginningOptions): Promise<RedriveBeginning> {
    return this.redriveMarks.beginRedrive(key, executionArn, options);
  }

  cancelPending(key: BuildKey, options: PendingCancellationOptions): Promise<PendingCancellation> {
    return this.completions.cancelPending(key, options);
  }

  keepEnvironmentLock(key: BuildKey, executionArn: string, options: LockKeepingOptions): Promise<LockKeeping> {
    return this.locks.keepEnvironmentLock(key, executionArn, options);
  }

  markRedrivePending(key: BuildKey, executionArn: string, at: Date): Promise<RedriveMarkRecord> {
    return this.redriveMarks.markRedrivePending(key, executionArn, at);
  }

  listRedrivePending(options: ListRedrivePendingOptions): Promise<RedrivePendingPage> {
    return this.redriveMarks.listRedrivePending(options);
  }

  clearRedrivePending(key: BuildKey, since: Date, options?: RedriveMarkClearingOptions): Promise<RedriveMarkClearing> {
    return this.redriveMarks.clearRedrivePending(key, since, options);
  }

  listBuilds(repo: string, env: string, options?: ListBuildsOptions): Promise<BuildPage> {
    return this.queries.listBuilds(repo, env, options);
  }

  listBuildsByStatus(status: BuildStatus, options?: ListBuildsByStatusOptions): Promise<BuildPage> {
    return this.queries.listBuildsByStatus(status, options);
  }

  latestBuilds(env: string): Promise<Build[]> {
    return this.queries.latestBuilds(env);
  }

  readEnvironmentLine(repo: string, env: string, from?: string): Promise<EnvironmentLine> {
    return this.lines.readEnvironmentLine(repo, env, from);
  }

  recordWaiting(key: BuildKey, holderId: string): Promise<WaitingRecord> {
    return this.locks.recordWaiting(key, holderId);
  }

  getEnvironmentLock(repo: string, env: string): Promise<EnvironmentLock | undefined> {
    return this.locks.getEnvironmentLock(repo, env);
  }

  adoptEnvironmentLock(key: BuildKey, policy: LockingPolicy, at: Date): Promise<LockAdoption> {
    return this.locks.adoptEnvironmentLock(key, policy, at);
  }

  releaseEnvironmentLock(repo: string, env: string, holder: string, options: LockReleaseOptions): Promise<LockRelease> {
    return this.locks.releaseEnvironmentLock(repo, env, holder, options);
  }

  listEnvironmentLocks(options?: { readonly limit?: number | undefined; readonly cursor?: string | undefined }): Promise<EnvironmentLockPage> {
    return this.locks.listEnvironmentLocks(options);
  }
}
