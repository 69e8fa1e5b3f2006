// Reads a table's stream from DynamoDB Local with the real DynamoDB Streams
// client: the evidence of every write an item went through.
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { BuildKey } from '../../src/index.js';

export type { StreamRecord };

/** A streams client for the same endpoint and settings as `client`. */
export function streamsClientFor(endpoint: string): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

export async function latestStreamArn(client: DynamoDBClient, tableName: string): Promise<string> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (!Table?.LatestStreamArn) throw new Error(`Table ${tableName} has no stream`);
  return Table.LatestStreamArn;
}

/** Every record on the table's stream so far, oldest first within each shard. */
export async function tableStreamRecords(client: DynamoDBClient, streams: DynamoDBStreamsClient, tableName: string): Promise<StreamRecord[]> {
  const streamArn = await latestStreamArn(client, tableName);
  const shardIds: string[] = [];
  let exclusiveStartShardId: string | undefined;
  do {
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn, ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}) }),
    );
    shardIds.push(...(StreamDescription?.Shards ?? []).flatMap((shard) => (shard.ShardId ? [shard.ShardId] : [])));
    exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
  } while (exclusiveStartShardId);

  const records: StreamRecord[] = [];
  for (const shardId of shardIds) {
    let { ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      records.push(...(page.Records ?? []));
      // An open shard always hands out a next iterator: an empty page means "caught up".
      iterator = (page.Records ?? []).length > 0 ? page.NextShardIterator : undefined;
    }
  }
  return records;
}

/** The status changes of one build item as the stream saw them: `"PENDING -> IN_PROGRESS"`, ... */
export function statusChangesOf(records: readonly StreamRecord[], key: BuildKey): string[] {
  const pk = `${key.repo}/${key.env}`;
  return records
    .filter((record) => record.dynamodb?.Keys?.pk?.S === pk && record.dynamodb?.Keys?.sk?.S === key.sk)
    .map((record) => `${record.dynamodb?.OldImage?.status?.S ?? '(none)'} -> ${record.dynamodb?.NewImage?.status?.S ?? '(removed)'}`);
}
