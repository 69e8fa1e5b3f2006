import { DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbBuildRepository } from '../../../src/dynamodb.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../dev/dynamodb-local/builds-table.js';
import { aNewBuild } from '../../support/mothers/build.mother.js';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../../../dev/wire/dynamodb-fault-proxy.js';

const direct = dynamoDbClientFor(inject('dynamodbEndpoint'));
const tableName = uniqueTableName('fault-proxy');
let proxy: DynamoDbFaultProxy;

beforeAll(async () => {
  await createBuildsTable(direct, tableName);
  proxy = await startDynamoDbFaultProxy(inject('dynamodbEndpoint'));
});
afterAll(async () => {
  await proxy.close();
  await deleteTable(direct, tableName);
  direct.destroy();
});

describe('the DynamoDB fault proxy', () => {
  it('relays requests unchanged and counts them', async () => {
    const client = dynamoDbClientFor(proxy.endpoint);
    const { TableNames } = await client.send(new ListTablesCommand({}));
    expect(TableNames).toContain(tableName);
    expect(proxy.callCount('ListTables')).toBe(1);
    client.destroy();
  });

  it('answers a real ThrottlingException that the SDK retries', async () => {
    const client = dynamoDbClientFor(proxy.endpoint, { maxAttempts: 3 });
    proxy.reset();
    proxy.injectFault({ operation: 'DescribeTable', fault: 'ThrottlingException', times: 1 });
    await expect(client.send(new DescribeTableCommand({ TableName: tableName }))).resolves.toBeDefined();
    expect(proxy.callCount('DescribeTable')).toBe(2);
    client.destroy();
  });

  it('surfaces a 500 to a client that does not retry', async () => {
    const client = dynamoDbClientFor(proxy.endpoint);
    proxy.injectFault({ operation: 'DescribeTable', fault: 'InternalServerError' });
    await expect(client.send(new DescribeTableCommand({ TableName: tableName }))).rejects.toMatchObject({
      name: 'InternalServerError',
      $metadata: { httpStatusCode: 500 },
    });
    client.destroy();
  });

  it('can lose the answer to a write that happened', async () => {
    const client = dynamoDbClientFor(proxy.endpoint);
    const repository = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(client), tableName });
    const build = aNewBuild();
    proxy.injectFault({ operation: 'TransactWriteItems', fault: 'InternalServerError', afterApply: true });
    await expect(repository.create(build)).rejects.toMatchObject({ name: 'InternalServerError' });
    expect((await repository.get(build))?.status).toBe('PENDING');
    client.destroy();
  });
});
