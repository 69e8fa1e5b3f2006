// Smoke test of whichever DynamoDB Local the global setup provided: the
// features the DynamoDB adapter relies on must be there before its own tests
// can mean anything.
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../dev/dynamodb-local/builds-table.js';

describe('DynamoDB Local', () => {
  let client: DynamoDBClient;
  const tableName = uniqueTableName('smoke');

  beforeAll(async () => {
    client = dynamoDbClientFor(inject('dynamodbEndpoint'));
    await createBuildsTable(client, tableName);
  });

  afterAll(async () => {
    await deleteTable(client, tableName);
    client.destroy();
  });

  it('rejects a conditional Put the second time', async () => {
    const put = new PutItemCommand({
      TableName: tableName,
      Item: { pk: { S: 'repo/dev' }, sk: { S: 'put-once' }, status: { S: 'PENDING' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });

    await client.send(put);
    await expect(client.send(put)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('returns cancellation reasons from a cancelled TransactWriteItems', async () => {
    const existing = { pk: { S: 'repo/dev' }, sk: { S: 'tx' }, status: { S: 'SUCCESS' } };
    await client.send(new PutItemCommand({ TableName: tableName, Item: existing }));

    const error = await client
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: { pk: existing.pk, sk: existing.sk },
                UpdateExpression: 'SET #status = :next',
                ConditionExpression: '#status = :expected',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':next': { S: 'IN_PROGRESS' }, ':expected': { S: 'PENDING' } },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Put: {
                TableName: tableName,
                Item: { pk: { S: 'latest/dev' }, sk: { S: 'repo/dev' }, id: { S: 'repo/dev:tx' } },
              },
            },
          ],
        }),
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );

    expect(error).toBeInstanceOf(TransactionCanceledException);
    const reasons = (error as TransactionCanceledException).CancellationReasons;
    expect(reasons?.map((reason) => reason.Code)).toEqual(['ConditionalCheckFailed', 'None']);
    expect(reasons?.[0]?.Item).toEqual(existing);
  });

  it('has a stream with new and old images', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));

    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(Table?.LatestStreamArn).toEqual(expect.stringContaining(tableName));
  });
});
