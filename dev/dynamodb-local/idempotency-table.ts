// Helpers for an idempotency table (id, TTL on expiration) in DynamoDB Local.
import { CreateTableCommand, UpdateTimeToLiveCommand, waitUntilTableExists, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The attribute DynamoDB's TTL deletes an idempotency record by (epoch seconds). */
export const IDEMPOTENCY_TTL_ATTRIBUTE = 'expiration';

/**
 * Creates a table shaped like the production idempotency table (partition key
 * `id` S, no sort key, on demand), waits until it is ACTIVE and turns TTL on
 * for `expiration`. DynamoDB Local accepts the TTL setting; the store never
 * relies on the deletion (an expired item counts as absent in every
 * condition), so whether and when an item is deleted changes nothing.
 */
export async function createIdempotencyTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: IDEMPOTENCY_TTL_ATTRIBUTE, Enabled: true },
    }),
  );
}
