import { BatchGetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ValidationError,
  buildIdOf,
  parseBuildId,
  parseRecordedBuildKey,
  toEpochSeconds,
  type Build,
  type BuildKey,
  type BuildStatus,
} from '../../../domain/index.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';
import type { BuildPage, ListBuildsByStatusOptions, ListBuildsOptions, Logger, UnreadableBuild } from '../../../ports/index.js';
import { decodeCursor, encodeCursor, pageLimit, type Position } from '../paging.js';
import { LATEST_PARTITION_PREFIX, buildItemKey, fromBuildItem, latestPointerKey, type LatestPointerItem } from '../builds-table/build-item.js';
import { readItem, type BuildsTable } from './builds-table-access.js';
import { isMissingIndex, statusIndexMissingError } from './dynamodb-errors.js';

const MAX_BATCH_GET_KEYS = 100;
// DynamoDB may leave keys of a BatchGetItem unprocessed; they are asked again, briefly.
const MAX_BATCH_GET_ATTEMPTS = 5;

/** The key of an item in the status index: the table's key and the index's. */
const INDEX_POSITION = { pk: 'string', sk: 'string', status: 'string', updated_at: 'number' } as const;

/**
 * The reads: one build, the pages of a repo/env's builds or of one status
 * (an item that does not read as a build never fails a page: it is reported
 * beside it), and the latest build of each repo.
 */
export class BuildQueries {
  constructor(
    private readonly table: BuildsTable,
    private readonly statusIndexName: string,
    private readonly logger: Logger | undefined,
  ) {}

  async get(key: BuildKey): Promise<Build | undefined> {
    const item = await readItem(this.table, parseRecordedBuildKey(key));
    return item && fromBuildItem(item);
  }

  /**
   * One query of the build's partition for newer builds (`sk > :sk`, newest
   * first) that ended SUCCESS. The filter applies after each page is read, so
   * the pages are followed until one matches: their cost is the builds newer
   * than `key`, usually none. An item that does not read as a build is
   * passed over.
   */
  async newestSuccessAfter(key: BuildKey): Promise<Build | undefined> {
    const valid = parseRecordedBuildKey(key);
    const { pk, sk } = buildItemKey(valid);
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const { Items, LastEvaluatedKey } = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'pk = :pk AND sk > :sk',
          FilterExpression: '#status = :success',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pk': pk, ':sk': sk, ':success': 'SUCCESS' },
          ScanIndexForward: false,
          ConsistentRead: true,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of Items ?? []) {
        const build = readableBuild(item);
        if (build !== undefined) return build;
      }
      exclusiveStartKey = LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined);
    return undefined;
  }

  async listBuilds(repo: string, env: string, options: ListBuildsOptions = {}): Promise<BuildPage> {
    const limit = pageLimit(options.limit);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, { sk: 'string' }).sk;
    const pk = buildItemKey({ repo, env, sk: '' }).pk;
    // A status is a filter: the query reads the partition's builds newest first and keeps that status's
    // (queryUpTo goes on until a page is full), so its cost is the builds read, as a listing's is.
    const byStatus =
      options.status === undefined
        ? { ExpressionAttributeValues: { ':pk': pk } }
        : {
            FilterExpression: '#status = :status',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':pk': pk, ':status': options.status },
          };
    const items = await this.queryUpTo(
      {
        TableName: this.table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ...byStatus,
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
          TableName: this.table.tableName,
          IndexName: this.statusIndexName,
          KeyConditionExpression: before === undefined ? '#status = :status' : '#status = :status AND updated_at <= :before',
          // Latest pointers carry status and updated_at too: their sk is `{repo}/{env}`; a build's (even
          // one of a repo named "latest", in the pointers' partition) is a KSUID, which holds no "/".
          FilterExpression: 'NOT (begins_with(pk, :pointers) AND contains(sk, :slash))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: withoutUndefined({ ':status': status, ':before': before, ':pointers': LATEST_PARTITION_PREFIX, ':slash': '/' }),
          ExclusiveStartKey: options.cursor === undefined ? undefined : decodeCursor(options.cursor, INDEX_POSITION),
        },
        limit,
      );
    } catch (error) {
      if (isMissingIndex(error)) throw statusIndexMissingError(this.statusIndexName, error);
      throw error;
    }
    return pageOf(items, limit, indexPositionOf);
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

  /**
   * Runs a query until `limit + 1` items came (one more than a page tells
   * whether another exists) or the results end: a query page also stops at
   * 1 MB, and a filter counts against `Limit`, so one call may bring fewer.
   */
  private async queryUpTo(input: QueryCommandInput, limit: number): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let exclusiveStartKey = input.ExclusiveStartKey;
    do {
      const page = await this.table.client.send(
        new QueryCommand({ ...input, Limit: limit + 1 - items.length, ExclusiveStartKey: exclusiveStartKey }),
      );
      items.push(...(page.Items ?? []));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined && items.length <= limit);
    return items;
  }

  private async latestPointers(env: string): Promise<LatestPointerItem[]> {
    const pointers: LatestPointerItem[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.tableName,
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
    const { client, tableName } = this.table;
    const items: Record<string, unknown>[] = [];
    let pending: Record<string, unknown>[] = keys.map((key) => buildItemKey(key));
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > MAX_BATCH_GET_ATTEMPTS) throw new Error(`DynamoDB left ${pending.length} keys unprocessed`);
      if (attempt > 1) await sleep(Math.random() * 25 * 2 ** attempt);
      const { Responses, UnprocessedKeys } = await client.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      items.push(...(Responses?.[tableName] ?? []));
      pending = UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
    return items;
  }
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

function indexPositionOf(item: Record<string, unknown>): { pk: string; sk: string; status: string; updated_at: number } {
  return { pk: String(item.pk), sk: String(item.sk), status: String(item.status), updated_at: Number(item.updated_at) };
}

/** The item as a build, or `undefined` when it does not read as one. */
function readableBuild(item: Record<string, unknown>): Build | undefined {
  try {
    return fromBuildItem(item);
  } catch (error) {
    if (error instanceof ValidationError) return undefined;
    throw error;
  }
}
