/**
 * A DynamoDB stream event source mapping, as Lambda runs it: reads the
 * table's stream (DescribeStream, GetShardIterator, GetRecords), hands the
 * records in batches to a stream handler, and honours its partial batch
 * response (`ReportBatchItemFailures`): a batch is retried from the lowest
 * failed sequence number, at most `maxRetryAttempts` times, then discarded.
 * Shards are read one at a time, parents before children, records in order.
 * An idle stream is read less and less often (the pause doubles after each
 * empty read, up to `maxPollIntervalMs`), and at once again as soon as records come.
 * A `filter` stands for the mapping's filter criteria: records it refuses are
 * read (and reported) but never delivered, as Lambda drops them.
 */
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type GetShardIteratorCommandInput,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { toLambdaRecord } from './stream-event.js';
import { sleep } from './wait.js';

/** What the poller reports as it works. */
export type PollerEvent =
  /**
   * New records read from the stream (each record is reported once, however
   * often it is delivered), those the filter drops included.
   */
  | { readonly type: 'read'; readonly records: readonly DynamoDBRecord[] }
  /** A handler invocation begins (`duplicate`: a batch that already succeeded, delivered again). */
  | {
      readonly type: 'delivering';
      readonly records: readonly DynamoDBRecord[];
      readonly attempt: number;
      readonly duplicate: boolean;
    }
  /** One handler invocation ended; `failed` holds the reported item identifiers (or `*` when the whole batch failed). */
  | {
      readonly type: 'delivered';
      readonly records: readonly DynamoDBRecord[];
      readonly attempt: number;
      readonly duplicate: boolean;
      readonly failed: readonly string[];
    }
  | { readonly type: 'retry'; readonly fromSequenceNumber: string; readonly records: number; readonly attempt: number; readonly reason: string }
  /** Retries exhausted: these records will never be delivered again (Lambda's on-failure destination). */
  | { readonly type: 'discarded'; readonly records: readonly DynamoDBRecord[]; readonly reason: string }
  /** Reading the stream failed; the poller tries again after its poll interval. */
  | { readonly type: 'poll-error'; readonly error: unknown };

export interface StreamPollerOptions {
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  /** The table's region, for the records' `awsRegion`. */
  readonly region: string;
  /** The Lambda stream handler; its `batchItemFailures` are honoured. */
  readonly handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  /**
   * The event source mapping's filter criteria: only the records it accepts
   * are handed to the handler; the others are dropped, as Lambda drops what
   * its filters leave out (default: every record). See `triggerBuildFilter`.
   */
  readonly filter?: (record: DynamoDBRecord) => boolean;
  /** Records per GetRecords and per invocation (default 10). */
  readonly batchSize?: number;
  /** Pause after an empty read or a read error, the first time (default 25 ms). */
  readonly pollIntervalMs?: number;
  /**
   * Each further empty read (or read error) in a row doubles the pause, up to
   * this (default 1,000 ms); records coming bring it back to `pollIntervalMs`.
   */
  readonly maxPollIntervalMs?: number;
  /** Lambda's `MaximumRetryAttempts` (default 3). */
  readonly maxRetryAttempts?: number;
  /** Pause before a retry (default 25 ms). */
  readonly retryDelayMs?: number;
  /**
   * Records whose batch is delivered a second time after it succeeded, once
   * per record: the at-least-once delivery Lambda is allowed.
   */
  readonly redeliver?: (record: DynamoDBRecord) => boolean;
  readonly onEvent?: (event: PollerEvent) => void;
  /** How the poller waits (default: a timer); resolves after `ms`, or rejects once `signal` aborts. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface StreamPoller {
  /** How many times the record with this sequence number was handed to the handler. */
  deliveriesOf(sequenceNumber: string): number;
  /** Handler invocations so far. */
  invocations(): number;
  /** Stops reading; resolves once the invocation in progress (if any) has returned. */
  stop(): Promise<void>;
}

interface Shard {
  readonly id: string;
  readonly parentId: string | undefined;
  iterator: string | undefined;
  lastSequenceNumber: string | undefined;
  done: boolean;
}

/**
 * Starts polling the stream from its oldest record (`TRIM_HORIZON`) until
 * {@link StreamPoller.stop}.
 *
 * @example
 * ```ts
 * const poller = startStreamPoller({ streams, streamArn, region: 'us-east-1', handler: triggerBuild });
 * // ...
 * await poller.stop();
 * ```
 */
export function startStreamPoller(options: StreamPollerOptions): StreamPoller {
  const poller = new Poller(options);
  const loop = poller.run();
  return {
    deliveriesOf: (sequenceNumber) => poller.deliveries.get(sequenceNumber) ?? 0,
    invocations: () => poller.invocationCount,
    stop: async () => {
      poller.stop();
      await loop;
    },
  };
}

class Poller {
  readonly deliveries = new Map<string, number>();
  invocationCount = 0;
  private readonly shards = new Map<string, Shard>();
  private readonly aborter = new AbortController();
  private readonly buffer: DynamoDBRecord[] = [];
  private readonly redelivered = new Set<string>();
  private active: Shard | undefined;
  private failedAttempts = 0;
  private duplicateNext = false;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxPollIntervalMs: number;
  /** The pause after the next empty read: doubled by each one in a row, reset by records. */
  private idlePauseMs: number;
  private readonly maxRetryAttempts: number;
  private readonly retryDelayMs: number;

  constructor(private readonly options: StreamPollerOptions) {
    this.batchSize = positiveInteger(options.batchSize ?? 10, 'batchSize');
    this.pollIntervalMs = options.pollIntervalMs ?? 25;
    this.maxPollIntervalMs = Math.max(this.pollIntervalMs, options.maxPollIntervalMs ?? 1_000);
    this.idlePauseMs = this.pollIntervalMs;
    this.maxRetryAttempts = options.maxRetryAttempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 25;
  }

  stop(): void {
    this.aborter.abort(new Error('stream poller stopped'));
  }

  private get stopped(): boolean {
    return this.aborter.signal.aborted;
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.buffer.length === 0 && !(await this.read())) {
          await this.pause(this.nextIdlePause());
          continue;
        }
        // Records: read again at the fast pace once they are delivered.
        this.idlePauseMs = this.pollIntervalMs;
        // Every record read was filtered out: nothing to deliver, read on.
        if (this.buffer.length === 0) continue;
        await this.deliverHead();
      } catch (error) {
        if (this.stopped) break;
        this.emit({ type: 'poll-error', error });
        await this.pause(this.nextIdlePause());
      }
    }
  }

  /**
   * Reads the next page of the current shard, and the records the filter
   * accepts into the buffer; false when there was nothing new.
   */
  private async read(): Promise<boolean> {
    const shard = this.active ?? (await this.nextShard());
    if (shard === undefined) return false;
    shard.iterator ??= await this.iteratorFor(shard);
    let page;
    try {
      page = await this.options.streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: this.batchSize }), {
        abortSignal: this.aborter.signal,
      });
    } catch (error) {
      // Iterators live 15 minutes; continue after the last record read.
      if (error instanceof ExpiredIteratorException) {
        shard.iterator = undefined;
        return false;
      }
      throw error;
    }
    shard.iterator = page.NextShardIterator;
    if (shard.iterator === undefined) {
      shard.done = true;
      this.active = undefined;
    }
    const records = (page.Records ?? []).map((record) =>
      toLambdaRecord(record, { streamArn: this.options.streamArn, region: this.options.region }),
    );
    if (records.length === 0) return false;
    shard.lastSequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber ?? shard.lastSequenceNumber;
    const filter = this.options.filter;
    this.buffer.push(...(filter === undefined ? records : records.filter((record) => filter(record))));
    this.emit({ type: 'read', records });
    return true;
  }

  private async iteratorFor(shard: Shard): Promise<string> {
    const position: Pick<GetShardIteratorCommandInput, 'ShardIteratorType' | 'SequenceNumber'> =
      shard.lastSequenceNumber === undefined
        ? { ShardIteratorType: 'TRIM_HORIZON' }
        : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.lastSequenceNumber };
    const { ShardIterator } = await this.options.streams.send(
      new GetShardIteratorCommand({ StreamArn: this.options.streamArn, ShardId: shard.id, ...position }),
      { abortSignal: this.aborter.signal },
    );
    if (ShardIterator === undefined) throw new Error(`GetShardIterator returned no iterator for shard ${shard.id}`);
    return ShardIterator;
  }

  /** The oldest unfinished shard whose parent is finished (or gone), after listing the stream's shards. */
  private async nextShard(): Promise<Shard | undefined> {
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.options.streams.send(
        new DescribeStreamCommand({
          StreamArn: this.options.streamArn,
          ...(exclusiveStartShardId === undefined ? {} : { ExclusiveStartShardId: exclusiveStartShardId }),
        }),
        { abortSignal: this.aborter.signal },
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (shard.ShardId === undefined || this.shards.has(shard.ShardId)) continue;
        this.shards.set(shard.ShardId, {
          id: shard.ShardId,
          parentId: shard.ParentShardId,
          iterator: undefined,
          lastSequenceNumber: undefined,
          done: false,
        });
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);

    this.active = [...this.shards.values()].find((shard) => {
      if (shard.done) return false;
      const parent = shard.parentId === undefined ? undefined : this.shards.get(shard.parentId);
      return parent === undefined || parent.done;
    });
    return this.active;
  }

  /** Delivers the first batch of the buffer and applies the handler's answer. */
  private async deliverHead(): Promise<void> {
    const batch = this.buffer.slice(0, this.batchSize);
    const duplicate = this.duplicateNext;
    this.duplicateNext = false;
    const attempt = this.failedAttempts + 1;

    this.emit({ type: 'delivering', records: batch, attempt, duplicate });
    const failure = await this.invoke(batch);
    this.emit({ type: 'delivered', records: batch, attempt, duplicate, failed: failure?.failed ?? [] });

    if (failure === undefined) {
      this.failedAttempts = 0;
      const again = batch.filter((record) => this.options.redeliver?.(record) && !this.redelivered.has(sequenceNumberOf(record)));
      if (again.length > 0) {
        for (const record of again) this.redelivered.add(sequenceNumberOf(record));
        this.duplicateNext = true; // The same batch, once more.
        return;
      }
      this.buffer.splice(0, batch.length);
      return;
    }

    // Checkpoint: records before the lowest failed one are done.
    if (failure.from > 0) {
      this.buffer.splice(0, failure.from);
      this.failedAttempts = 0;
    }
    const remaining = batch.slice(failure.from);
    this.failedAttempts += 1;
    if (this.failedAttempts > this.maxRetryAttempts) {
      this.buffer.splice(0, remaining.length);
      this.failedAttempts = 0;
      this.emit({
        type: 'discarded',
        records: remaining,
        reason: `still failing after ${this.maxRetryAttempts} retries: ${failure.reason}`,
      });
      return;
    }
    this.emit({
      type: 'retry',
      fromSequenceNumber: sequenceNumberOf(remaining[0]),
      records: remaining.length,
      attempt: this.failedAttempts,
      reason: failure.reason,
    });
    await this.pause(this.retryDelayMs * 2 ** (this.failedAttempts - 1));
  }

  /** Calls the handler; `undefined` when the whole batch succeeded. */
  private async invoke(batch: DynamoDBRecord[]): Promise<{ from: number; failed: string[]; reason: string } | undefined> {
    this.invocationCount += 1;
    for (const record of batch) {
      const sequenceNumber = sequenceNumberOf(record);
      this.deliveries.set(sequenceNumber, (this.deliveries.get(sequenceNumber) ?? 0) + 1);
    }
    let response: DynamoDBBatchResponse | void;
    try {
      // A copy: the handler must not be able to change what a retry delivers.
      response = await this.options.handler({ Records: structuredClone(batch) });
    } catch (error) {
      return { from: 0, failed: ['*'], reason: `the handler failed: ${String(error)}` };
    }
    const failed = (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
    if (failed.length === 0) return undefined;
    const indexes = failed.map((identifier) =>
      typeof identifier === 'string' && identifier !== '' ? batch.findIndex((record) => sequenceNumberOf(record) === identifier) : -1,
    );
    // An empty or unknown identifier fails the whole batch, as on Lambda.
    if (indexes.includes(-1)) return { from: 0, failed, reason: 'an item identifier is empty or not in the batch' };
    return { from: Math.min(...indexes), failed, reason: `${failed.length} record(s) reported failed` };
  }

  /** The pause after an empty read (or a read error); the next one in a row waits twice as long, up to the maximum. */
  private nextIdlePause(): number {
    const pause = this.idlePauseMs;
    this.idlePauseMs = Math.min(pause * 2, this.maxPollIntervalMs);
    return pause;
  }

  private async pause(ms: number): Promise<void> {
    await (this.options.sleep ?? sleep)(ms, this.aborter.signal).catch(() => undefined);
  }

  private emit(event: PollerEvent): void {
    this.options.onEvent?.(event);
  }
}

function sequenceNumberOf(record: DynamoDBRecord | undefined): string {
  return record?.dynamodb?.SequenceNumber ?? '';
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}
