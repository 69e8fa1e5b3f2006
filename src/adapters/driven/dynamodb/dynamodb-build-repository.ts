import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BuildAlreadyExistsError,
  BuildItemTooLargeError,
  BuildNotFoundError,
  TERMINAL_STATUSES,
  TRUNCATION_MARK,
  ValidationError,
  buildIdOf,
  completionEffect,
  parseBuildId,
  parseCompletion,
  parseRecordedBuildKey,
  StatusIndexMissingError,
  pendingBuild,
  startEffect,
  statusesThatMayBecome,
  toEpochSeconds,
  type Build,
  type BuildKey,
  type BuildStatus,
  type Completion,
  type NewBuild,
} from '../../../domain/index.js';
import type {
  Logger,
  BuildPage,
  BuildRepository,
  CompletionRecord,
  ListBuildsByStatusOptions,
  ListBuildsOptions,
  StartClaim,
  StartFailureRecord,
  StartRecord,
  UnreadableBuild,
} from '../../../ports/index.js';
import { TABLE_NAME, TABLE_NAME_RULE, requireText } from '../arguments.js';
import { decodeCursor, encodeCursor, pageLimit, type Position } from '../paging.js';
import {
  LATEST_PARTITION_PREFIX,
  buildItemKey,
  fromBuildItem,
  latestPointerItem,
  latestPointerKey,
  toBuildItem,
  type LatestPointerItem,
} from '../builds-table/build-item.js';
import { itemFrom } from './item-from.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';

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

type BuildWrite = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type WriteResult = { readonly written: true } | { readonly written: false; readonly existing?: Record<string, unknown> };

// Another transaction on the same item cancels ours with TransactionConflict;
// the SDK does not retry that, so we do, briefly.
const MAX_TRANSACTION_ATTEMPTS = 5;
// States only move forward, so a refused write needs at most one more round per status.
const MAX_RESOLUTION_ROUNDS = 4;
const MAX_BATCH_GET_KEYS = 100;
export const DEFAULT_STATUS_INDEX_NAME = 'status-updated_at-index';
// An error_msg cut to this many characters when the whole one does not fit the item.
const SHORT_ERROR_MESSAGE_LENGTH = 256;
// The reason a FAILED build keeps when not even the short one fits: a failure always says something.
const REASON_DID_NOT_FIT = 'reason left out: the item is at the 400 KB limit';

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
 * IAM: `dynamodb:GetItem`, `PutItem`, `UpdateItem`, `Query`, `BatchGetItem`
 * on the table (`TransactWriteItems` is authorised through `PutItem` and
 * `UpdateItem`), and `Query` on its status index for `listBuildsByStatus`.
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
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly logger: Logger | undefined;
  private readonly statusIndexName: string;

  constructor(options: DynamoDbBuildRepositoryOptions) {
    if (typeof options.tableName !== 'string' || !TABLE_NAME.test(options.tableName)) {
      throw new ValidationError('tableName', `must be a DynamoDB table name (${TABLE_NAME_RULE})`);
    }
    this.client = options.client;
    this.tableName = options.tableName;
    this.logger = options.logger;
    this.statusIndexName = options.statusIndexName ?? DEFAULT_STATUS_INDEX_NAME;
    if (!TABLE_NAME.test(this.statusIndexName)) {
      throw new ValidationError('statusIndexName', `must be a DynamoDB index name (${TABLE_NAME_RULE})`);
    }
  }

  async create(value: NewBuild, at: Date = new Date()): Promise<Build> {
    const build = pendingBuild(value, at);
    const result = await this.writeWithPointer(
      build,
      {
        Put: {
          TableName: this.tableName,
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

  async get(key: BuildKey): Promise<Build | undefined> {
    const item = await this.readItem(parseRecordedBuildKey(key));
    return item && fromBuildItem(item);
  }

  async claimStart(key: BuildKey, attempt: string): Promise<StartClaim> {
    const valid = parseRecordedBuildKey(key);
    requireText('attempt', attempt);
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: buildItemKey(valid),
          UpdateExpression: 'SET start_attempt = :attempt',
          // Guards: only a PENDING build can be claimed for a start (and a missing one never is).
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':attempt': attempt, ':pending': 'PENDING' },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true, build: fromBuildItem(Attributes ?? {}) };
    } catch (error) {
      if (isItemTooLarge(error)) throw new BuildItemTooLargeError(valid, { cause: error });
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Current DynamoDB returns the item; DynamoDB Local ignores the request, so read it.
      const existing = error.Item ? itemFrom(error.Item) : await this.readItem(valid);
      return { claimed: false, build: existing && fromBuildItem(existing) };
    }
  }

  async recordStartFailure(key: BuildKey, attempt: string, reason: string, at: Date): Promise<StartFailureRecord> {
    requireText('attempt', attempt);
    // Guards: no start was recorded, and no other attempt claimed the build since this one did.
    return this.failPendingBuild(key, reason, at, {
      expression: '#status = :pending AND start_attempt = :attempt',
      values: { ':pending': 'PENDING', ':attempt': attempt },
    });
  }

  async recordUnstartable(key: BuildKey, reason: string, at: Date): Promise<StartFailureRecord> {
    // Guards: the build is still PENDING; one that started or ended is never failed by its old record.
    return this.failPendingBuild(key, reason, at, { expression: '#status = :pending', values: { ':pending': 'PENDING' } });
  }

  /** `PENDING -> FAILED` with the reason, under `guard`; `superseded` when the guard no longer holds. */
  private async failPendingBuild(
    key: BuildKey,
    reason: string,
    at: Date,
    guard: { expression: string; values: Record<string, unknown> },
  ): Promise<StartFailureRecord> {
    const valid = parseRecordedBuildKey(key);
    const completion = parseCompletion({ status: 'FAILED', errorMsg: reason });
    const result = await this.writeCompletionThatFits(valid, completion, (shape) =>
      this.writeWithPointer(valid, this.completionWrite(valid, shape, at, guard), latestPointerItem(valid, 'FAILED', at)),
    );
    if (result.written) return { outcome: 'failed' };
    if (!result.existing) throw new BuildNotFoundError(valid);
    return { outcome: 'superseded' };
  }

  async recordStart(key: BuildKey, executionArn: string, at: Date): Promise<StartRecord> {
    const valid = parseRecordedBuildKey(key);
    requireText('executionArn', executionArn);
    let result = await this.writeWithPointer(valid, this.startWrite(valid, executionArn, at), latestPointerItem(valid, 'IN_PROGRESS', at));
    for (let round = 0; round < MAX_RESOLUTION_ROUNDS; round += 1) {
      if (result.written) return { outcome: 'started', status: 'IN_PROGRESS', executionArn };
      const build = this.existingBuild(valid, result.existing);
      const effect = startEffect(build, executionArn);
      switch (effect.kind) {
        case 'unchanged':
          return { outcome: 'already-started', status: build.status, executionArn };
        case 'illegal':
          return { outcome: 'refused', status: build.status, build, reason: effect.reason };
        case 'attach-arn':
          result = await this.writeAlone(valid, this.attachArnWrite(valid, executionArn, at));
          if (result.written) return { outcome: 'arn-attached', status: build.status, executionArn };
          break;
        case 'transition':
          result = await this.writeWithPointer(valid, this.startWrite(valid, executionArn, at), latestPointerItem(valid, 'IN_PROGRESS', at));
          break;
      }
    }
    throw new Error(`Build ${buildIdOf(valid)} kept changing while its start was recorded`);
  }

  async recordCompletion(key: BuildKey, value: Completion, at: Date): Promise<CompletionRecord> {
    const valid = parseRecordedBuildKey(key);
    const completion = parseCompletion(value);
    for (let round = 0; round < MAX_RESOLUTION_ROUNDS; round += 1) {
      const result = await this.writeCompletionThatFits(valid, completion, (shape) =>
        this.writeWithPointer(valid, this.completionWrite(valid, shape, at), latestPointerItem(valid, completion.status, at)),
      );
      if (result.written) return { outcome: 'completed', status: completion.status };
      const build = this.existingBuild(valid, result.existing);
      const effect = completionEffect(build, completion);
      if (effect.kind === 'unchanged') return { outcome: 'already-completed', status: completion.status };
      if (effect.kind === 'illegal') return { outcome: 'refused', status: build.status, build, reason: effect.reason };
    }
    throw new Error(`Build ${buildIdOf(valid)} kept changing while its completion was recorded`);
  }

  /**
   * Writes a completion in the first shape the item has room for: the status
   * must land even when the item is near DynamoDB's 400 KB limit, so the
   * reason is cut short, then replaced by a few words saying it did not fit,
   * then left out, and last `finished_at` is left out.
   */
  private async writeCompletionThatFits(
    key: BuildKey,
    completion: Completion,
    write: (shape: CompletionShape) => Promise<WriteResult>,
  ): Promise<WriteResult> {
    const shapes = completionShapes(completion);
    for (const [index, shape] of shapes.entries()) {
      try {
        return await write(shape);
      } catch (error) {
        if (!(error instanceof BuildItemTooLargeError) || index === shapes.length - 1) throw error;
        this.logger?.warn('Build item too large for the completion; writing a smaller one', {
          buildId: buildIdOf(key),
          status: completion.status,
        });
      }
    }
    throw new Error('unreachable: completionShapes is never empty');
  }

  async listBuilds(repo: string, env: string, options: ListBuildsOptions = {}): Promise<BuildPage> {
    const limit = pageLimit(options.limit);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, { sk: 'string' }).sk;
    const pk = buildItemKey({ repo, env, sk: '' }).pk;
    const items = await this.queryUpTo(
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: false,
        ConsistentRead: true,
        ExclusiveStartKey: after === undefined ? undefined : { pk, sk: after },
      },
      limit,
    );
    return pageOf(items, limit, (last) => ({ sk: String(last.sk) }));
  }

  async listBuildsByStatus(status: BuildStatus, options: ListBuildsByStatusOptions = {}): Promise<BuildPage> {
    const limit = pageLimit(options.limit);
    const before = options.updatedBefore === undefined ? undefined : toEpochSeconds(options.updatedBefore);
    let items: Record<string, unknown>[];
    try {
      items = await this.queryUpTo(
        {
          TableName: this.tableName,
          IndexName: this.statusIndexName,
          KeyConditionExpression: before === undefined ? '#status = :status' : '#status = :status AND updated_at <= :before',
          // Latest pointers carry status and updated_at too.
          FilterExpression: 'NOT begins_with(pk, :pointers)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: withoutUndefined({ ':status': status, ':before': before, ':pointers': LATEST_PARTITION_PREFIX }),
          ExclusiveStartKey: options.cursor === undefined ? undefined : decodeCursor(options.cursor, INDEX_POSITION),
        },
        limit,
      );
    } catch (error) {
      if (isMissingIndex(error)) throw new StatusIndexMissingError(this.statusIndexName, { cause: error });
      throw error;
    }
    return pageOf(items, limit, indexPositionOf);
  }

  /**
   * Runs a query until `limit + 1` items came (one more than a page tells
   * whether another exists) or the results end: a query page also stops at
   * 1 MB, and a filter counts against `Limit`, so one call may bring fewer.
   */
  private async queryUpTo(input: QueryCommandInput, limit: number): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let exclusiveStartKey = input.ExclusiveStartKey;
    do {
      const page = await this.client.send(
        new QueryCommand({ ...input, Limit: limit + 1 - items.length, ExclusiveStartKey: exclusiveStartKey }),
      );
      items.push(...(page.Items ?? []));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined && items.length <= limit);
    return items;
  }

  async latestBuilds(env: string): Promise<Build[]> {
    const pointers = await this.latestPointers(env);
    const keys = pointers.map((pointer) => parseBuildId(pointer.id));
    const byId = new Map<string, Build>();
    for (let start = 0; start < keys.length; start += MAX_BATCH_GET_KEYS) {
      const { builds, unreadable } = readBuilds(await this.batchGet(keys.slice(start, start + MAX_BATCH_GET_KEYS)));
      for (const build of builds) byId.set(buildIdOf(build), build);
      for (const item of unreadable) this.logger?.warn('Latest build skipped: its item does not read as a build', { buildId: item.id, reason: item.reason });
    }
    return pointers.map((pointer) => byId.get(pointer.id)).filter((build): build is Build => build !== undefined);
  }

  private startWrite(key: BuildKey, executionArn: string, at: Date): BuildWrite {
    const from = statusCondition(statusesThatMayBecome('IN_PROGRESS'));
    return {
      Update: {
        TableName: this.tableName,
        Key: buildItemKey(key),
        UpdateExpression: 'SET #status = :to, execution_arn = :arn, updated_at = :at',
        // Guards: the table allows IN_PROGRESS from the build's current status (PENDING).
        ConditionExpression: from.expression,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...from.values, ':to': 'IN_PROGRESS', ':arn': executionArn, ':at': toEpochSeconds(at) },
      },
    };
  }

  private attachArnWrite(key: BuildKey, executionArn: string, at: Date): BuildWrite {
    const terminal = statusCondition(TERMINAL_STATUSES);
    return {
      Update: {
        TableName: this.tableName,
        Key: buildItemKey(key),
        UpdateExpression: 'SET execution_arn = :arn, updated_at = :at',
        // Guards: the build finished before its start was recorded and records no execution yet
        // (a writer may leave an empty string; `size` avoids an empty-string value, which
        // DynamoDB Local 1.x refuses).
        ConditionExpression: `${terminal.expression} AND (attribute_not_exists(execution_arn) OR size(execution_arn) = :empty)`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...terminal.values, ':arn': executionArn, ':at': toEpochSeconds(at), ':empty': 0 },
      },
    };
  }

  private completionWrite(
    key: BuildKey,
    shape: CompletionShape,
    at: Date,
    // Guards by default: the table allows the terminal status from the build's current one.
    guard: { expression: string; values: Record<string, unknown> } = statusCondition(
      statusesThatMayBecome(shape.status, { redriven: shape.redriven === true }),
    ),
  ): BuildWrite {
    const set = ['#status = :to', 'updated_at = :at'];
    const values: Record<string, unknown> = { ...guard.values, ':to': shape.status, ':at': toEpochSeconds(at) };
    if (shape.finishedAt) set.push('finished_at = :at');
    if (shape.executionArn !== undefined) {
      // Only a build that records no execution gains this one.
      set.push('execution_arn = if_not_exists(execution_arn, :arn)');
      values[':arn'] = shape.executionArn;
    }
    if (shape.errorMsg !== undefined) {
      set.push('error_msg = :error');
      values[':error'] = shape.errorMsg;
    }
    return {
      Update: {
        TableName: this.tableName,
        Key: buildItemKey(key),
        UpdateExpression: `SET ${set.join(', ')}${shape.errorMsg === undefined ? ' REMOVE error_msg' : ''}`,
        ConditionExpression: guard.expression,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      },
    };
  }

  /**
   * Writes a status change and the latest pointer in one transaction. When
   * only the pointer's condition fails (a newer build holds it), the status
   * change is written alone: it must land either way.
   */
  private async writeWithPointer(key: BuildKey, write: BuildWrite, pointer: LatestPointerItem): Promise<WriteResult> {
    const pointerWrite: BuildWrite = {
      Put: {
        TableName: this.tableName,
        Item: pointer,
        // Guards: the pointer never moves back to an older build. Ids of one pointer share
        // the prefix "{repo}/{env}:", so string order is KSUID order.
        ConditionExpression: 'attribute_not_exists(id) OR id <= :id',
        ExpressionAttributeValues: { ':id': pointer.id },
      },
    };
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.client.send(
          new TransactWriteCommand({ TransactItems: [withOldItemOnFailure(write), pointerWrite] }),
        );
        return { written: true };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [buildReason, pointerReason] = error.CancellationReasons ?? [];
        // The reference lists the 400 KB refusal as a `ValidationError` cancellation reason.
        if (buildReason?.Code === 'ValidationError' && isItemSizeMessage(buildReason.Message)) {
          throw new BuildItemTooLargeError(key, { cause: error });
        }
        if (buildReason?.Code === 'ConditionalCheckFailed') {
          return { written: false, ...existingFrom(buildReason.Item) };
        }
        if (pointerReason?.Code === 'ConditionalCheckFailed' && buildReason?.Code === 'None') {
          return this.writeAlone(key, write);
        }
        const conflicted = (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict');
        if (!conflicted || attempt >= MAX_TRANSACTION_ATTEMPTS) throw error;
        await sleep(Math.random() * 25 * 2 ** attempt);
      }
    }
  }

  /** The same conditional write without the pointer. */
  private async writeAlone(key: BuildKey, write: BuildWrite): Promise<WriteResult> {
    try {
      if (write.Update) await this.client.send(new UpdateCommand(withOldItemOnFailure(write).Update!));
      else if (write.Put) await this.client.send(new PutCommand(withOldItemOnFailure(write).Put!));
      else throw new Error('Only Put and Update build writes exist');
      return { written: true };
    } catch (error) {
      if (isItemTooLarge(error)) throw new BuildItemTooLargeError(key, { cause: error });
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Current DynamoDB returns the item; DynamoDB Local ignores the request, so read it.
      const existing = error.Item ? itemFrom(error.Item) : await this.readItem(key);
      return { written: false, ...(existing ? { existing } : {}) };
    }
  }

  private existingBuild(key: BuildKey, existing: Record<string, unknown> | undefined): Build {
    if (!existing) throw new BuildNotFoundError(key);
    return fromBuildItem(existing);
  }

  private async readItem(key: BuildKey): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: buildItemKey(key), ConsistentRead: true }),
    );
    return Item;
  }

  private async latestPointers(env: string): Promise<LatestPointerItem[]> {
    const pointers: LatestPointerItem[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': latestPointerKey({ repo: '', env }).pk },
          ConsistentRead: true,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      pointers.push(...((page.Items ?? []) as LatestPointerItem[]));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return pointers;
  }

  /** One BatchGetItem of at most 100 keys, retrying what DynamoDB leaves unprocessed. */
  private async batchGet(keys: BuildKey[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let pending: Record<string, unknown>[] = keys.map((key) => buildItemKey(key));
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > MAX_TRANSACTION_ATTEMPTS) throw new Error(`DynamoDB left ${pending.length} keys unprocessed`);
      if (attempt > 1) await sleep(Math.random() * 25 * 2 ** attempt);
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      items.push(...(Responses?.[this.tableName] ?? []));
      pending = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return items;
  }
}

function statusCondition(statuses: readonly BuildStatus[]): { expression: string; values: Record<string, BuildStatus> } {
  const values = Object.fromEntries(statuses.map((status, index) => [`:from${index}`, status]));
  return { expression: `#status IN (${Object.keys(values).join(', ')})`, values };
}

function withOldItemOnFailure(write: BuildWrite): BuildWrite {
  if (write.Update) return { Update: { ...write.Update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  if (write.Put) return { Put: { ...write.Put, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  return write;
}

function existingFrom(item: unknown): { existing?: Record<string, unknown> } {
  return item ? { existing: itemFrom(item) } : {};
}


/** One form of a completion write; see `writeCompletionThatFits`. */
interface CompletionShape extends Completion {
  readonly finishedAt: boolean;
}

/** The completion as asked, then smaller and smaller forms of it, each written only if the one before did not fit. */
function completionShapes(completion: Completion): CompletionShape[] {
  const { errorMsg, ...withoutReason } = completion;
  const shapes: CompletionShape[] = [];
  if (errorMsg !== undefined) {
    shapes.push({ ...completion, finishedAt: true });
    if (errorMsg.length > SHORT_ERROR_MESSAGE_LENGTH) {
      const short = errorMsg.slice(0, SHORT_ERROR_MESSAGE_LENGTH - TRUNCATION_MARK.length) + TRUNCATION_MARK;
      shapes.push({ ...completion, errorMsg: short, finishedAt: true });
    }
    if (errorMsg.length > REASON_DID_NOT_FIT.length) shapes.push({ ...completion, errorMsg: REASON_DID_NOT_FIT, finishedAt: true });
  }
  shapes.push({ ...withoutReason, finishedAt: true }, { ...withoutReason, finishedAt: false });
  return shapes;
}

function isItemSizeMessage(message: string | undefined): boolean {
  return message !== undefined && /item size/i.test(message);
}

/** A single write DynamoDB refused because the item would pass 400 KB (a `ValidationException`). */
function isItemTooLarge(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationException' && isItemSizeMessage(error.message);
}

/** Reads a page of items, setting aside those that do not read as builds instead of failing the page. */
function readBuilds(items: readonly Record<string, unknown>[]): { builds: Build[]; unreadable: UnreadableBuild[] } {
  const builds: Build[] = [];
  const unreadable: UnreadableBuild[] = [];
  for (const item of items) {
    try {
      builds.push(fromBuildItem(item));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      unreadable.push({ id: `${String(item.pk)}:${String(item.sk)}`, reason: error.message });
    }
  }
  return { builds, unreadable };
}

/** A page of at most `limit` builds from `items`, with a cursor at its last item when more came. */
function pageOf(items: readonly Record<string, unknown>[], limit: number, positionOf: (last: Record<string, unknown>) => Position): BuildPage {
  const pageItems = items.slice(0, limit);
  const { builds, unreadable } = readBuilds(pageItems);
  const last = pageItems.at(-1);
  return withoutUndefined({
    builds,
    nextCursor: items.length > limit && last ? encodeCursor(positionOf(last)) : undefined,
    unreadable: unreadable.length > 0 ? unreadable : undefined,
  });
}

/** The key of an item in the status index: the table's key and the index's. */
const INDEX_POSITION = { pk: 'string', sk: 'string', status: 'string', updated_at: 'number' } as const;

function indexPositionOf(item: Record<string, unknown>): { pk: string; sk: string; status: string; updated_at: number } {
  return { pk: String(item.pk), sk: String(item.sk), status: String(item.status), updated_at: Number(item.updated_at) };
}

/** DynamoDB's answer to a query of an index the table does not have. */
function isMissingIndex(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationException' && /index/i.test(error.message);
}
