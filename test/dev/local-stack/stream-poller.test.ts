// The stream poller against a scripted DynamoDB Streams API: batching, the
// partial batch response as Lambda honours it, bounded retries, redelivery,
// shard order.
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as SdkStreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { startStreamPoller, type PollerEvent, type StreamPoller, type StreamPollerOptions } from '../../../dev/local-stack/stream-poller.js';
import { triggerBuildFilter } from '../../../dev/local-stack/trigger-build-filter.js';
import { toLambdaRecord } from '../../../dev/local-stack/stream-event.js';
import { waitFor } from '../../../dev/local-stack/wait.js';

const streamArn = 'arn:aws:dynamodb:us-east-1:000000000000:table/builds/stream/2026-11-27T00:00:00.000';

interface FakeShard {
  readonly id: string;
  readonly parentId?: string;
  readonly records: SdkStreamRecord[];
  closed: boolean;
}

/** Serves DescribeStream, GetShardIterator (TRIM_HORIZON) and GetRecords over in-memory shards. */
function fakeStreams(shards: FakeShard[]): DynamoDBStreamsClient {
  const send = async (command: unknown) => {
    if (command instanceof DescribeStreamCommand) {
      return { StreamDescription: { Shards: shards.map((shard) => ({ ShardId: shard.id, ParentShardId: shard.parentId })) } };
    }
    if (command instanceof GetShardIteratorCommand) {
      return { ShardIterator: `${command.input.ShardId}|0` };
    }
    if (command instanceof GetRecordsCommand) {
      const [shardId, offset] = String(command.input.ShardIterator).split('|');
      const shard = shards.find((candidate) => candidate.id === shardId)!;
      const start = Number(offset);
      const page = shard.records.slice(start, start + (command.input.Limit ?? 1000));
      const next = start + page.length;
      const finished = shard.closed && next >= shard.records.length;
      return { Records: page, NextShardIterator: finished ? undefined : `${shardId}|${next}` };
    }
    throw new Error(`unexpected command ${String(command)}`);
  };
  return { send } as unknown as DynamoDBStreamsClient;
}

function insert(sequenceNumber: string): SdkStreamRecord {
  return {
    eventID: `event-${sequenceNumber}`,
    eventName: 'INSERT',
    dynamodb: {
      ApproximateCreationDateTime: new Date('2026-11-27T01:00:00Z'),
      Keys: { pk: { S: 'web/dev' }, sk: { S: `sk${sequenceNumber}` } },
      NewImage: { pk: { S: 'web/dev' }, sk: { S: `sk${sequenceNumber}` } },
      SequenceNumber: sequenceNumber,
      SizeBytes: 40,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/** A MODIFY or REMOVE of the item `pk`/`sk` (a build, a latest pointer, a lock). */
function change(eventName: 'MODIFY' | 'REMOVE', sequenceNumber: string, pk: string, sk: string): SdkStreamRecord {
  return {
    eventID: `event-${sequenceNumber}`,
    eventName,
    dynamodb: {
      ApproximateCreationDateTime: new Date('2026-11-27T01:00:00Z'),
      Keys: { pk: { S: pk }, sk: { S: sk } },
      OldImage: { pk: { S: pk }, sk: { S: sk } },
      ...(eventName === 'MODIFY' ? { NewImage: { pk: { S: pk }, sk: { S: sk } } } : {}),
      SequenceNumber: sequenceNumber,
      SizeBytes: 40,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

const sequenceNumbers = (event: DynamoDBStreamEvent) => event.Records.map((record) => record.dynamodb?.SequenceNumber);

describe('startStreamPoller', () => {
  let poller: StreamPoller | undefined;
  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
  });

  function start(
    shards: FakeShard[],
    handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>,
    options: Partial<StreamPollerOptions> = {},
  ) {
    const batches: Array<Array<string | undefined>> = [];
    const events: PollerEvent[] = [];
    poller = startStreamPoller({
      streams: fakeStreams(shards),
      streamArn,
      region: 'us-east-1',
      handler: async (event) => {
        batches.push(sequenceNumbers(event));
        return handler(event);
      },
      batchSize: 3,
      pollIntervalMs: 2,
      retryDelayMs: 1,
      onEvent: (event) => events.push(event),
      ...options,
    });
    return { batches, events, poller };
  }

  const until = (condition: () => boolean, what: string) => waitFor(condition, { what, timeoutMs: 2_000, intervalMs: 2 });

  it('hands the records over in batches of Lambda records, in order, each once', async () => {
    const shard: FakeShard = { id: 'shard-1', records: ['1', '2', '3', '4'].map(insert), closed: false };
    let delivered: DynamoDBStreamEvent | undefined;
    const { batches } = start([shard], async (event) => {
      delivered ??= event;
    });
    await until(() => batches.flat().length === 4, 'four records');
    shard.records.push(insert('5'));
    await until(() => batches.flat().length === 5, 'the fifth record');

    expect(batches).toEqual([['1', '2', '3'], ['4'], ['5']]);
    expect(delivered?.Records[0]).toMatchObject({
      eventSourceARN: streamArn,
      awsRegion: 'us-east-1',
      eventVersion: '1.1',
      dynamodb: { ApproximateCreationDateTime: 1795741200, SequenceNumber: '1' },
    });
  });

  it('retries from the lowest failed sequence number of a partial batch response', async () => {
    let failNext = true;
    const { batches } = start([{ id: 'shard-1', records: ['1', '2', '3'].map(insert), closed: false }], async () => {
      if (!failNext) return { batchItemFailures: [] };
      failNext = false;
      return { batchItemFailures: [{ itemIdentifier: '3' }, { itemIdentifier: '2' }] };
    });
    await until(() => batches.length === 2, 'the retry');

    expect(batches).toEqual([['1', '2', '3'], ['2', '3']]);
    expect(poller?.deliveriesOf('1')).toBe(1);
    expect(poller?.deliveriesOf('2')).toBe(2);
  });

  it('retries the whole batch when an item identifier is empty or the handler throws', async () => {
    let calls = 0;
    const { batches } = start([{ id: 'shard-1', records: ['1', '2'].map(insert), closed: false }], async () => {
      calls += 1;
      if (calls === 1) return { batchItemFailures: [{ itemIdentifier: '' }] };
      if (calls === 2) throw new Error('function error');
      return undefined;
    });
    await until(() => batches.length === 3, 'two retries');

    expect(batches).toEqual([['1', '2'], ['1', '2'], ['1', '2']]);
  });

  it('gives up on a batch after maxRetryAttempts retries, reports it discarded, and goes on', async () => {
    const shard: FakeShard = { id: 'shard-1', records: ['1', '2'].map(insert), closed: false };
    const { batches, events } = start(
      [shard],
      async (event) => (sequenceNumbers(event).includes('2') ? { batchItemFailures: [{ itemIdentifier: '2' }] } : undefined),
      { maxRetryAttempts: 2 },
    );
    await until(() => events.some((event) => event.type === 'discarded'), 'the batch to be discarded');
    shard.records.push(insert('3'));
    await until(() => batches.flat().includes('3'), 'the next record');

    expect(batches).toEqual([['1', '2'], ['2'], ['2'], ['3']]);
    const discarded = events.find((event) => event.type === 'discarded');
    expect(discarded?.type === 'discarded' && discarded.records.map((record) => record.dynamodb?.SequenceNumber)).toEqual(['2']);
  });

  it('delivers a batch again, once, when it holds a record marked for redelivery', async () => {
    const shard: FakeShard = { id: 'shard-1', records: ['1', '2'].map(insert), closed: false };
    const { batches, events } = start([shard], async () => undefined, {
      redeliver: (record) => record.dynamodb?.SequenceNumber === '2',
    });
    await until(() => batches.length === 2, 'the redelivery');
    shard.records.push(insert('3'));
    await until(() => batches.length === 3, 'the next batch');

    expect(batches).toEqual([['1', '2'], ['1', '2'], ['3']]);
    expect(events.filter((event) => event.type === 'delivering').map((event) => event.type === 'delivering' && event.duplicate)).toEqual([
      false,
      true,
      false,
    ]);
  });

  it('reads a parent shard to its end before its child', async () => {
    const parent: FakeShard = { id: 'shard-1', records: ['1', '2'].map(insert), closed: true };
    const child: FakeShard = { id: 'shard-2', parentId: 'shard-1', records: ['3'].map(insert), closed: false };
    const { batches } = start([child, parent], async () => undefined);
    await until(() => batches.flat().length === 3, 'every record');

    expect(batches.flat()).toEqual(['1', '2', '3']);
  });

  it('backs off while the stream is idle, doubling its pause up to maxPollIntervalMs, and reads at the fast pace again once records come', async () => {
    const shard: FakeShard = { id: 'shard-1', records: [], closed: false };
    const pauses: number[] = [];
    let pausesAtDelivery: number | undefined;
    const { batches } = start(
      [shard],
      async () => {
        pausesAtDelivery ??= pauses.length;
      },
      {
        pollIntervalMs: 20,
        maxPollIntervalMs: 1_000,
        // No timer: each pause is recorded and over on the next turn of the event loop.
        sleep: async (ms) => {
          pauses.push(ms);
          await new Promise((resolve) => setImmediate(resolve));
        },
      },
    );
    await until(() => pauses.length >= 9, 'nine empty reads');
    shard.records.push(insert('1'));
    await until(() => batches.length === 1, 'the record');
    await until(() => pauses.length >= (pausesAtDelivery ?? 0) + 2, 'two empty reads after it');

    expect(pauses.slice(0, 9)).toEqual([20, 40, 80, 160, 320, 640, 1_000, 1_000, 1_000]);
    expect(pauses.slice(pausesAtDelivery, (pausesAtDelivery ?? 0) + 2)).toEqual([20, 40]);
  });

  it('delivers only the records its filter accepts, reports every record read, and reads on past a page the filter empties', async () => {
    const shard: FakeShard = {
      id: 'shard-1',
      records: [
        change('MODIFY', '1', 'web/dev', 'sk0'),
        change('MODIFY', '2', 'latest/dev', 'web/dev'),
        change('REMOVE', '3', 'web/dev', 'sk0'),
        insert('4'),
        change('REMOVE', '5', 'lock', 'web/dev'),
      ],
      closed: false,
    };
    const { batches, events } = start([shard], async () => undefined, {
      filter: (record) => record.eventName !== 'MODIFY' && record.dynamodb?.Keys?.pk?.S !== 'web/dev',
    });
    await until(() => batches.flat().length === 1, 'the one record the filter accepts');

    // The first page (1-3) is filtered empty: nothing is delivered for it, and the next page is read at once.
    expect(batches).toEqual([['5']]);
    const read = events.flatMap((event) => (event.type === 'read' ? event.records.map((record) => record.dynamodb?.SequenceNumber) : []));
    expect(read).toEqual(['1', '2', '3', '4', '5']);
    expect(poller?.deliveriesOf('4')).toBe(0);
  });
});

describe('triggerBuildFilter (the construct\'s filter criteria of trigger-build\'s mapping)', () => {
  const records = [insert('1'), change('MODIFY', '2', 'web/dev', 'sk1'), change('REMOVE', '3', 'lock', 'web/dev'), change('REMOVE', '4', 'web/dev', 'sk1')];
  const lambdaRecords = records.map((record) => toLambdaRecord(record, { streamArn, region: 'us-east-1' }));
  const accepted = (policy: 'queue' | 'supersede' | 'parallel') =>
    lambdaRecords.filter(triggerBuildFilter(policy)).map((record) => record.dynamodb?.SequenceNumber);

  it('under queue and supersede: the INSERTs and the REMOVEs of lock items (the releases that hand an environment on)', () => {
    expect(accepted('queue')).toEqual(['1', '3']);
    expect(accepted('supersede')).toEqual(['1', '3']);
  });

  it('under parallel: the INSERTs only', () => {
    expect(accepted('parallel')).toEqual(['1']);
  });
});
