// Helpers for a builds table (pk/sk, stream, status index) in DynamoDB Local.
import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { DEFAULT_STATUS_INDEX_NAME } from '../../src/dynamodb.js';

export function dynamoDbClientFor(endpoint: string, overrides: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    // DynamoDB Local accepts any credentials; static ones keep the SDK from
    // searching the machine's credential chain (and finding real ones).
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // One attempt: a failure must show up in the test that caused it, not be
    // retried away (or turn into a slow timeout).
    maxAttempts: 1,
    ...overrides,
  });
}

/** A table name no other test file (or earlier run against a shared endpoint) uses. */
export function uniqueTableName(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

export interface BuildsTableOptions {
  /** Create the status index the sweeper queries (default true); `false` makes a table as 0.1.0 knew it. */
  readonly statusIndex?: boolean;
}

/**
 * Creates a table shaped like the production builds table (pk/sk, a stream
 * with new and old images, the status index) and waits until it is ACTIVE.
 */
export async function createBuildsTable(client: DynamoDBClient, tableName: string, options: BuildsTableOptions = {}): Promise<void> {
  const statusIndex = options.statusIndex ?? true;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        ...(statusIndex
          ? [
              { AttributeName: 'status', AttributeType: 'S' as const },
              { AttributeName: 'updated_at', AttributeType: 'N' as const },
            ]
          : []),
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      ...(statusIndex
        ? {
            GlobalSecondaryIndexes: [
              {
                IndexName: DEFAULT_STATUS_INDEX_NAME,
                KeySchema: [
                  { AttributeName: 'status', KeyType: 'HASH' as const },
                  { AttributeName: 'updated_at', KeyType: 'RANGE' as const },
                ],
                Projection: { ProjectionType: 'ALL' as const },
              },
            ],
          }
        : {}),
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
}

/** Deletes the table; a table that is already gone (e.g. creation failed) is fine. */
export async function deleteTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
}
