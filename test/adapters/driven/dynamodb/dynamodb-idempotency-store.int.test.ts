import { createHash, randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ValidationError } from '../../../../src/index.js';
import { DynamoDbIdempotencyStore } from '../../../../src/dynamodb.js';
import { describeIdempotencyStoreContract } from '../../../ports/idempotency-store.contract.js';
import { deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../../dev/dynamodb-local/builds-table.js';
import { createIdempotencyTable } from '../../../../dev/dynamodb-local/idempotency-table.js';

const endpoint = inject('dynamodbEndpoint');
const client = dynamoDbClientFor(endpoint);
/** Reads for returnItemOnRefusal, outside what the store sends. */
const reader = dynamoDbClientFor(endpoint);
const documentClient = DynamoDBDocumentClient.from(client);
const tableName = uniqueTableName('idempotency-contract');

beforeAll(async () => {
  await createIdempotencyTable(client, tableName);
});
afterAll(async () => {
  await deleteTable(client, tableName);
  client.destroy();
  reader.destroy();
});

describeIdempotencyStoreContract('DynamoDB', () => new DynamoDbIdempotencyStore({ client: documentClient, tableName }));

describe('DynamoDbIdempotencyStore on its table', () => {
  const T0 = new Date('2100-03-01T10:00:00.000Z');
  const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
  const T0_SECONDS = T0.getTime() / 1000;
  const store = () => new DynamoDbIdempotencyStore({ client: documentClient, tableName });
  const rawItem = async (id: string) => (await client.send(new GetItemCommand({ TableName: tableName, Key: { id: { S: id } }, ConsistentRead: true }))).Item;
  const aKey = () => `redeploy#arn:aws:iam::123456789012:user/alice#${randomUUID()}`;
  const aHold = (key: string) =>
    ({ key, requestHash: 'hash-1', status: 'IN_PROGRESS', plan: 'plan-1', expiresAt: at(86_400), inProgressUntil: at(900) }) as const;

  it('is created with TTL on expiration by the dev helper', async () => {
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));

    expect(TimeToLiveDescription).toMatchObject({ AttributeName: 'expiration', TimeToLiveStatus: 'ENABLED' });
  });

  it('keeps a record as one item of the documented layout: strings, epoch seconds, the hold only while IN_PROGRESS', async () => {
    const hold = aHold(aKey());
    await store().begin(hold, T0);

    expect(await rawItem(hold.key)).toStrictEqual({
      id: { S: hold.key },
      request_hash: { S: 'hash-1' },
      status: { S: 'IN_PROGRESS' },
      plan: { S: 'plan-1' },
      expiration: { N: String(T0_SECONDS + 86_400) },
      in_progress_expiration: { N: String(T0_SECONDS + 900) },
    });

    await store().complete(hold.key, hold.requestHash, '{"ok":true}', at(2 * 86_400));
    expect(await rawItem(hold.key)).toStrictEqual({
      id: { S: hold.key },
      request_hash: { S: 'hash-1' },
      status: { S: 'COMPLETED' },
      plan: { S: 'plan-1' },
      result: { S: '{"ok":true}' },
      expiration: { N: String(T0_SECONDS + 2 * 86_400) },
    });
  });

  it('treats an expired item that is still stored (TTL deletes lazily) as absent, by its conditions', async () => {
    const hold = aHold(aKey());
    await store().begin(hold, T0);
    const later = at(86_400);
    expect(await rawItem(hold.key)).toBeDefined();

    const fresh = { ...hold, requestHash: 'hash-2', plan: 'plan-2', expiresAt: at(2 * 86_400), inProgressUntil: at(86_400 + 900) };
    expect(await store().begin(fresh, later)).toEqual({ outcome: 'begun', record: fresh });
    expect(await rawItem(hold.key)).toMatchObject({ request_hash: { S: 'hash-2' }, plan: { S: 'plan-2' } });
  });

  it('keeps a key past 2048 bytes, or with the form of a digest, under the SHA-256 of its UTF-16 code units', async () => {
    const long = `redeploy#arn:aws:sts::123456789012:assumed-role/deployer/${'s'.repeat(2_000)}#${randomUUID()}`;
    const digestLike = `sha256:${randomUUID()}`;
    for (const key of [long, digestLike]) {
      await store().begin(aHold(key), T0);
      const id = `sha256:${createHash('sha256').update(Buffer.from(key, 'utf16le')).digest('hex')}`;
      expect(await rawItem(id)).toMatchObject({ id: { S: id }, request_hash: { S: 'hash-1' } });
    }
    expect(await rawItem(digestLike)).toBeUndefined();
  });

  it('sends one conditional PutItem to take a free key, and reads nothing when DynamoDB returns the item that refused it', async () => {
    const sent: string[] = [];
    const recording = dynamoDbClientFor(endpoint);
    returnItemOnRefusal(recording, sent);
    const counted = new DynamoDbIdempotencyStore({ client: DynamoDBDocumentClient.from(recording), tableName });
    const hold = aHold(aKey());
    try {
      expect((await counted.begin(hold, T0)).outcome).toBe('begun');
      expect(sent.splice(0)).toEqual(['PutItemCommand']);

      expect(await counted.begin(hold, at(5))).toEqual({ outcome: 'exists', record: hold });
      expect(sent.splice(0)).toEqual(['PutItemCommand']);

      // A lapsed hold of the same request: the refused put, then the take-over.
      expect((await counted.begin({ ...hold, inProgressUntil: at(3_600) }, at(900))).outcome).toBe('taken-over');
      expect(sent.splice(0)).toEqual(['PutItemCommand', 'UpdateItemCommand']);
    } finally {
      recording.destroy();
    }
  });

  it('refuses a result that would pass the 400 KB item limit with a ValidationError, and the hold stays', async () => {
    const hold = aHold(aKey());
    await store().begin(hold, T0);

    const error = await store()
      .complete(hold.key, hold.requestHash, 'x'.repeat(410 * 1024), at(2 * 86_400))
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'result' });
    expect((error as Error).message).toContain('400 KB');
    expect((await store().begin(hold, at(5))).record.status).toBe('IN_PROGRESS');
  });

  it('says which attribute an item that does not read as a record breaks', async () => {
    const key = aKey();
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { id: { S: key }, request_hash: { S: 'hash-1' }, status: { S: 'DONE' }, expiration: { N: String(T0_SECONDS + 86_400) } },
      }),
    );

    await expect(store().begin(aHold(key), T0)).rejects.toThrow(/idempotency record of key ".*" does not read as one: its status/);
  });

  it('refuses a table name DynamoDB would refuse, naming it', () => {
    expect(() => new DynamoDbIdempotencyStore({ client: documentClient, tableName: 'no' })).toThrow(ValidationError);
  });
});

/**
 * Records each command's name into `sent`, and makes DynamoDB Local answer a
 * refused conditional PutItem as current DynamoDB does when asked
 * (`ReturnValuesOnConditionCheckFailure: ALL_OLD`): with the item that
 * refused it. DynamoDB Local ignores the request; its own read happens here,
 * on another client, so `sent` shows only what the store sent.
 */
function returnItemOnRefusal(recording: DynamoDBClient, sent: string[]): void {
  recording.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName));
      try {
        return await next(args);
      } catch (error) {
        // The document client's input, before marshalling: the key is a plain string.
        const input = args.input as { TableName?: string; Item?: { id?: unknown }; ReturnValuesOnConditionCheckFailure?: string };
        if (
          error instanceof ConditionalCheckFailedException &&
          context.commandName === 'PutItemCommand' &&
          input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' &&
          !error.Item &&
          typeof input.Item?.id === 'string'
        ) {
          const Key: Record<string, AttributeValue> = { id: { S: input.Item.id } };
          const { Item } = await reader.send(new GetItemCommand({ TableName: input.TableName, Key, ConsistentRead: true }));
          if (Item) error.Item = Item;
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'returnItemOnRefusal' },
  );
}
