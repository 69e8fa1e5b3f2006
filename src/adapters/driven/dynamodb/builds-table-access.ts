import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BuildKey } from '../../../domain/index.js';
import { buildItemKey } from '../builds-table/build-item.js';

/** The table the repository works on, and the client it reaches it with. */
export interface BuildsTable {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** A strongly consistent read of a build's item; `undefined` when there is none. */
export async function readItem(table: BuildsTable, key: BuildKey): Promise<Record<string, unknown> | undefined> {
  const { Item } = await table.client.send(new GetCommand({ TableName: table.tableName, Key: buildItemKey(key), ConsistentRead: true }));
  return Item;
}
