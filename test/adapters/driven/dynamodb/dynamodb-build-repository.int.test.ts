import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, inject } from 'vitest';
import { DynamoDbBuildRepository } from '../../../../src/dynamodb.js';
import { describeBuildRepositoryContract } from '../../../ports/build-repository.contract.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../../dev/dynamodb-local/builds-table.js';

const client = dynamoDbClientFor(inject('dynamodbEndpoint'));
const documentClient = DynamoDBDocumentClient.from(client);
const tableName = uniqueTableName('repository-contract');

beforeAll(() => createBuildsTable(client, tableName));
afterAll(async () => {
  await deleteTable(client, tableName);
  client.destroy();
});

describeBuildRepositoryContract('DynamoDB', () => new DynamoDbBuildRepository({ client: documentClient, tableName }));
