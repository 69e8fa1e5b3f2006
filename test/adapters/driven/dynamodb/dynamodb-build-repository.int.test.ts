import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BuildsByStatusUnavailableError, StatusIndexMissingError } from '../../../../src/index.js';
import { DynamoDbBuildRepository } from '../../../../src/dynamodb.js';
import { describeBuildRepositoryContract } from '../../../ports/build-repository.contract.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../../dev/dynamodb-local/builds-table.js';

const client = dynamoDbClientFor(inject('dynamodbEndpoint'));
const documentClient = DynamoDBDocumentClient.from(client);
const tableName = uniqueTableName('repository-contract');
const tableWithoutIndex = uniqueTableName('repository-without-index');

beforeAll(async () => {
  await createBuildsTable(client, tableName);
  await createBuildsTable(client, tableWithoutIndex, { statusIndex: false });
});
afterAll(async () => {
  await deleteTable(client, tableName);
  await deleteTable(client, tableWithoutIndex);
  client.destroy();
});

describeBuildRepositoryContract('DynamoDB', () => new DynamoDbBuildRepository({ client: documentClient, tableName }));

describe('DynamoDbBuildRepository on a table without the status index', () => {
  it('cannot list builds by status, and says so in DynamoDB terms: the index, its key schema, how to add it', async () => {
    const repository = new DynamoDbBuildRepository({ client: documentClient, tableName: tableWithoutIndex });

    const error = await repository.listBuildsByStatus('PENDING').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BuildsByStatusUnavailableError);
    expect(error).toBeInstanceOf(StatusIndexMissingError);
    expect(error).toMatchObject({ code: 'STATUS_INDEX_MISSING' });
    const { message } = error as Error;
    expect(message).toMatch(/^The build store cannot list builds by status: the builds table has no index status-updated_at-index/);
    expect(message).toContain('partition key status S, sort key updated_at N, projection ALL');
    expect(message).toContain('UpdateTable');
  });
});
