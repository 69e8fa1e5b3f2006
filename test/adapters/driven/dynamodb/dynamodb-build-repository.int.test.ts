import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BuildsByStatusUnavailableError, StatusIndexMissingError } from '../../../../src/index.js';
import { DynamoDbBuildRepository } from '../../../../src/dynamodb.js';
import { describeBuildRepositoryContract } from '../../../ports/build-repository.contract.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../../dev/dynamodb-local/builds-table.js';
import { aBuildKey } from '../../../support/mothers/build.mother.js';
import { aGoBuildItem, type RawItem } from '../../../support/mothers/go-item.mother.js';
import { paddedToLimit } from '../../../support/dynamodb-local/item-size.js';

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

  it('cannot list the builds marked for a redrive either', async () => {
    const repository = new DynamoDbBuildRepository({ client: documentClient, tableName: tableWithoutIndex });

    await expect(repository.listRedrivePending({ updatedSince: new Date(0) })).rejects.toBeInstanceOf(BuildsByStatusUnavailableError);
  });
});

describe('DynamoDbBuildRepository: redrive marks and ends by the recorded execution, on the item', () => {
  const ARN = 'arn:aws:states:us-east-1:123456789012:execution:deployment:own';
  const repository = () => new DynamoDbBuildRepository({ client: documentClient, tableName });
  const rawItem = async (key: { repo: string; env: string; sk: string }): Promise<RawItem | undefined> =>
    (await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: `${key.repo}/${key.env}` }, sk: { S: key.sk } }, ConsistentRead: true }))).Item;

  it("adds only redrive_pending_since (N) to a Go item and moves its updated_at, and clearing removes only the mark: Go's layout stays", async () => {
    const key = aBuildKey();
    const goItem = aGoBuildItem({ ...key, status: 'FAILED', executionArn: ARN, errorMsg: 'stack rolled back', createdAt: 1_767_225_600, finishedAt: 1_767_225_600 });
    await client.send(new PutItemCommand({ TableName: tableName, Item: goItem }));
    const at = new Date('2026-03-01T10:07:30.250Z');

    await repository().markRedrivePending(key, ARN, at);
    expect(await rawItem(key)).toStrictEqual({ ...goItem, updated_at: { N: '1772359650' }, redrive_pending_since: { N: '1772359650' } });

    await repository().clearRedrivePending(key, at);
    expect(await rawItem(key)).toStrictEqual({ ...goItem, updated_at: { N: '1772359650' } });
  });

  it('ends a build at the 400 KB limit by the execution it records, in a smaller form, and still by that execution only', async () => {
    const [ours, another] = [aBuildKey(), aBuildKey()];
    for (const key of [ours, another]) {
      const item = aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn: key === ours ? ARN : `${ARN}-other`, createdAt: 1_767_225_600 });
      await client.send(new PutItemCommand({ TableName: tableName, Item: paddedToLimit(item, 40) }));
    }
    const reason = `execution TIMED_OUT: ${'x'.repeat(1_000)}`;

    expect(await repository().recordExecutionEnd(another, ARN, { status: 'FAILED', errorMsg: reason }, new Date())).toMatchObject({ outcome: 'refused' });
    expect(await repository().recordExecutionEnd(ours, ARN, { status: 'FAILED', errorMsg: reason }, new Date())).toEqual({ outcome: 'completed', status: 'FAILED' });

    const item = await rawItem(ours);
    expect(item?.status?.S).toBe('FAILED');
    expect(item?.error_msg?.S).toBe('item at the 400 KB limit');
    expect((await rawItem(another))?.status?.S).toBe('IN_PROGRESS');
  });
});
