import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError, fromEpochSeconds } from '../../../domain/index.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';
import type { IdempotencyRecord, IdempotencyStart, IdempotencyStore } from '../../../ports/index.js';
import { TABLE_NAME, TABLE_NAME_RULE } from '../arguments.js';
import {
  epochSecondsDown,
  epochSecondsUp,
  hasCome,
  heldRecordOf,
  mayTakeOver,
  requireCompletion,
  requireHolder,
  type HeldRecord,
  type LapsedHold,
} from '../idempotency-records.js';
import { isItemTooLarge } from './dynamodb-errors.js';
import { itemFrom } from './item-from.js';

export interface DynamoDbIdempotencyStoreOptions {
  /** A document client you own and configure (region, retries, tracing); default (un)marshall options. */
  readonly client: DynamoDBDocumentClient;
  /**
   * The idempotency table: a table of its own (never the builds table), with
   * partition key `id` (S) and no sort key, and DynamoDB's TTL on
   * `expiration`.
   */
  readonly tableName: string;
}

/**
 * How often `begin` tries again when the record it found changed before it
 * could act on it (it was released, completed or taken over in between):
 * each try follows another request's write, so this bounds contention, not
 * waiting.
 */
export const MAX_BEGIN_ATTEMPTS = 5;

// A partition key value is at most 2048 bytes (UTF-8). A longer key (a long caller ARN) is
// kept under a digest of it instead, as is any key a digest could be mistaken for: one that
// starts with the digest's prefix, or is not well-formed UTF-16 (DynamoDB would store a lone
// surrogate as U+FFFD, so two such keys would meet). The digest is of the UTF-16 code units,
// so distinct keys keep distinct ids.
const MAX_KEY_BYTES = 2048;
const DIGEST_PREFIX = 'sha256:';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The `id` (partition key) an idempotency key is kept under: the key itself, or a digest of it when it cannot be (see above). */
export function idempotencyItemIdOf(key: string): string {
  if (Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES && !key.startsWith(DIGEST_PREFIX) && !LONE_SURROGATE.test(key)) return key;
  return `${DIGEST_PREFIX}${createHash('sha256').update(Buffer.from(key, 'utf16le')).digest('hex')}`;
}

type Item = Record<string, unknown>;

/** How a conditional put of a new record ended: written, or refused with the record found (absent: none was found by then). */
type PutOutcome = { readonly written: true } | { readonly written: false; readonly found?: IdempotencyRecord | undefined };

/**
 * {@link IdempotencyStore} on a DynamoDB table of its own. One item per key:
 *
 * | attribute | type | |
 * |---|---|---|
 * | `id` | S | partition key: the key, or `sha256:{hex}` of it when it passes 2048 bytes |
 * | `request_hash` | S | |
 * | `status` | S | `IN_PROGRESS` or `COMPLETED` |
 * | `plan`, `result` | S | when given / once `COMPLETED` |
 * | `expiration` | N | epoch seconds; the table's TTL attribute |
 * | `in_progress_expiration` | N | epoch seconds; only while `IN_PROGRESS`, when the hold lapses |
 *
 * DynamoDB's TTL deletes an expired item lazily (up to a few days later), so
 * every condition also treats an item whose `expiration` has come as absent.
 * Instants are kept in whole seconds, rounded up.
 *
 * Every write is conditional. `begin` is one conditional `PutItem` (the
 * record it was refused by comes back with the refusal, so no read follows;
 * DynamoDB Local does not return it, and is read instead), and, to take a
 * lapsed hold over while keeping its plan, one conditional `UpdateItem`.
 * `complete` is one conditional `UpdateItem`, `release` one conditional
 * `DeleteItem`.
 *
 * IAM: `dynamodb:PutItem`, `UpdateItem`, `DeleteItem` on the table, and
 * `GetItem` where DynamoDB does not return the item a conditional write was
 * refused by (DynamoDB Local).
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { DynamoDbIdempotencyStore } from '@aws-deployer/orchestrator/dynamodb';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const idempotency = new DynamoDbIdempotencyStore({ client, tableName: 'prd-aws-deployer--idempotency' });
 * ```
 */
export class DynamoDbIdempotencyStore implements IdempotencyStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDbIdempotencyStoreOptions) {
    if (typeof options.tableName !== 'string' || !TABLE_NAME.test(options.tableName)) {
      throw new ValidationError('tableName', `must be a DynamoDB table name (${TABLE_NAME_RULE})`);
    }
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async begin(record: HeldRecord, now: Date): Promise<IdempotencyStart> {
    const wanted = heldRecordOf(record, now);
    for (let attempt = 1; ; attempt += 1) {
      const put = await this.putIfFree(wanted, now);
      if (put.written) return { outcome: 'begun', record: wanted };
      const { found } = put;
      if (found && mayTakeOver(found, wanted, now)) {
        const taken = await this.takeOver(found, wanted, now);
        if (taken) return { outcome: 'taken-over', record: taken };
      } else if (found && !hasCome(found.expiresAt, now)) {
        // Found live and not ours to take over: another request holds the key, or has ended.
        return { outcome: 'exists', record: found };
      }
      // The record changed after the refusal (released, expired by a write, taken over, completed): look again.
      if (attempt >= MAX_BEGIN_ATTEMPTS) {
        throw new Error(`Idempotency key "${wanted.key}" changed under each of ${MAX_BEGIN_ATTEMPTS} attempts to take it; try again`);
      }
    }
  }

  async complete(key: string, requestHash: string, result: string, expiresAt: Date): Promise<boolean> {
    requireHolder(key, requestHash);
    requireCompletion(result, expiresAt);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: idempotencyItemIdOf(key) },
          UpdateExpression: 'SET #status = :completed, #result = :result, #expiration = :expiration REMOVE #inProgressExpiration',
          // Guards: the request still holds the key. Refused when there is no record (released,
          // or deleted by TTL), when it is COMPLETED already (a repeat), or when it is another
          // request's (another hash, after this one's record expired). Any request with the same
          // hash satisfies it, including one that took the key over from this one: both carry the
          // same request and the same plan, and the store cannot tell them apart.
          ConditionExpression: '#status = :inProgress AND #requestHash = :requestHash',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#result': 'result',
            '#expiration': 'expiration',
            '#inProgressExpiration': 'in_progress_expiration',
            '#requestHash': 'request_hash',
          },
          ExpressionAttributeValues: {
            ':completed': 'COMPLETED',
            ':inProgress': 'IN_PROGRESS',
            ':result': result,
            ':expiration': epochSecondsUp(expiresAt),
            ':requestHash': requestHash,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      if (isItemTooLarge(error)) throw recordTooLarge('result');
      throw error;
    }
  }

  async release(key: string, requestHash: string): Promise<void> {
    requireHolder(key, requestHash);
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { id: idempotencyItemIdOf(key) },
          // Guards: only a hold of this request is given up. A COMPLETED record (its result must
          // keep answering retries) and another request's record stay; refused, nothing to do.
          ConditionExpression: '#status = :inProgress AND #requestHash = :requestHash',
          ExpressionAttributeNames: { '#status': 'status', '#requestHash': 'request_hash' },
          ExpressionAttributeValues: { ':inProgress': 'IN_PROGRESS', ':requestHash': requestHash },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Writes `wanted` if the key is free; when refused, the record that refused it. */
  private async putIfFree(wanted: HeldRecord, now: Date): Promise<PutOutcome> {
    const id = idempotencyItemIdOf(wanted.key);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: itemOf(id, wanted),
          // Guards: the key is free. Free is no item (never used, or deleted by TTL), or an item
          // whose expiration has come: TTL deletes lazily, so an expired item may still be here
          // and counts as absent. A lapsed hold of the same request is NOT free here, although
          // begin takes it: this put would replace its plan, so takeOver updates it instead.
          ConditionExpression: 'attribute_not_exists(#id) OR #expiration <= :now',
          ExpressionAttributeNames: { '#id': 'id', '#expiration': 'expiration' },
          ExpressionAttributeValues: { ':now': epochSecondsDown(now) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { written: true };
    } catch (error) {
      if (isItemTooLarge(error)) throw recordTooLarge('record');
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Current DynamoDB returns the item; DynamoDB Local ignores the request, so read it.
      const item = error.Item ? itemFrom(error.Item) : await this.read(id);
      return { written: false, found: item && recordFrom(wanted.key, item) };
    }
  }

  /**
   * Takes over `found`, a lapsed hold of the same request, for `wanted`: its
   * new hold and expiration, `found`'s plan kept. `undefined` when the record
   * is no longer `found` (another request took it over first, or it ended).
   *
   * Not part of the put: a put replaces the whole item, and the plan it would
   * keep is only known once the put's refusal returns the item. The update is
   * conditioned on the item being exactly the hold found (status, hash, both
   * expirations), so it is as atomic as one write: of any number of requests
   * that found the same lapsed hold, one takes it over and the others see its
   * new hold when they look again.
   */
  private async takeOver(found: LapsedHold, wanted: HeldRecord, now: Date): Promise<IdempotencyRecord | undefined> {
    const set = ['#expiration = :expiration'];
    const names: Record<string, string> = {
      '#status': 'status',
      '#requestHash': 'request_hash',
      '#expiration': 'expiration',
      '#inProgressExpiration': 'in_progress_expiration',
    };
    const values: Record<string, unknown> = {
      ':inProgress': 'IN_PROGRESS',
      ':requestHash': wanted.requestHash,
      ':expiration': epochSecondsUp(wanted.expiresAt),
      ':foundExpiration': epochSecondsUp(found.expiresAt),
      ':foundInProgressExpiration': epochSecondsUp(found.inProgressUntil),
      ':now': epochSecondsDown(now),
    };
    if (wanted.inProgressUntil) {
      set.push('#inProgressExpiration = :inProgressExpiration');
      values[':inProgressExpiration'] = epochSecondsUp(wanted.inProgressUntil);
    }
    if (wanted.plan !== undefined) {
      // The plan found stays; only a hold that never recorded one gets this request's.
      set.push('#plan = if_not_exists(#plan, :plan)');
      names['#plan'] = 'plan';
      values[':plan'] = wanted.plan;
    }
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: idempotencyItemIdOf(wanted.key) },
          UpdateExpression: `SET ${set.join(', ')}${wanted.inProgressUntil ? '' : ' REMOVE #inProgressExpiration'}`,
          // Guards: the item is still the hold the put was refused by: IN_PROGRESS, of this
          // request, with the same lapsed in_progress_expiration and the same expiration, which
          // has not come. If another request took it over (a new in_progress_expiration),
          // completed it (no in_progress_expiration), released it (no item) or replaced it once it
          // expired, the update is refused and begin looks again.
          ConditionExpression:
            '#status = :inProgress AND #requestHash = :requestHash AND #inProgressExpiration = :foundInProgressExpiration ' +
            'AND #inProgressExpiration <= :now AND #expiration = :foundExpiration AND #expiration > :now',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? recordFrom(wanted.key, Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      if (isItemTooLarge(error)) throw recordTooLarge('record.plan');
      throw error;
    }
  }

  /** A strongly consistent read of a key's item; `undefined` when there is none. */
  private async read(id: string): Promise<Item | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }));
    return Item;
  }
}

function itemOf(id: string, record: HeldRecord): Item {
  return withoutUndefined({
    id,
    request_hash: record.requestHash,
    status: record.status,
    plan: record.plan,
    expiration: epochSecondsUp(record.expiresAt),
    in_progress_expiration: record.inProgressUntil === undefined ? undefined : epochSecondsUp(record.inProgressUntil),
  });
}

/** The record an item holds, under the caller's `key` (the item's `id` may be a digest of it). */
function recordFrom(key: string, item: Item): IdempotencyRecord {
  const unreadable = (attribute: string, rule: string) =>
    new Error(`The idempotency record of key "${key}" does not read as one: its ${attribute} ${rule}`);
  const { request_hash: requestHash, status, plan, result, expiration, in_progress_expiration: inProgressExpiration } = item;
  if (typeof requestHash !== 'string') throw unreadable('request_hash', 'is not a string');
  if (!isRecordStatus(status)) throw unreadable('status', 'is neither IN_PROGRESS nor COMPLETED');
  if (plan !== undefined && typeof plan !== 'string') throw unreadable('plan', 'is not a string');
  if (result !== undefined && typeof result !== 'string') throw unreadable('result', 'is not a string');
  if (typeof expiration !== 'number' || !Number.isFinite(expiration)) throw unreadable('expiration', 'is not a number');
  if (inProgressExpiration !== undefined && (typeof inProgressExpiration !== 'number' || !Number.isFinite(inProgressExpiration))) {
    throw unreadable('in_progress_expiration', 'is not a number');
  }
  return withoutUndefined({
    key,
    requestHash,
    status,
    plan,
    result,
    expiresAt: fromEpochSeconds(expiration),
    inProgressUntil: inProgressExpiration === undefined ? undefined : fromEpochSeconds(inProgressExpiration),
  });
}

function isRecordStatus(value: unknown): value is IdempotencyRecord['status'] {
  return value === 'IN_PROGRESS' || value === 'COMPLETED';
}

function recordTooLarge(field: string): ValidationError {
  return new ValidationError(field, "is too large: the idempotency record's DynamoDB item would pass DynamoDB's 400 KB item size limit");
}
