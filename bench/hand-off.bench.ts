/**
 * The hand-off, end to end on the local stack's parts: when a deployment's end
 * is recorded, how soon the next waiting build of its environment is
 * `IN_PROGRESS`, with no sweeper running.
 *
 * DynamoDB Local holds the builds table and its stream; the local stream
 * poller (dev/local-stack/stream-poller.ts, the local stack's event source
 * mapping) delivers every record of the stream, unfiltered, to the real
 * trigger-build handler; the real update-build-status handler records each
 * end (under `queue`, the end's transaction deletes the lock item: that
 * REMOVE is the hand-off's record);
 * Step Functions is the local endpoint. Each Lambda function has its own
 * container, as in AWS.
 *
 * Subject, one round per environment: build A deploys, build B waits behind
 * it (both started through the stream beforehand); the end of A is recorded;
 * the time from the end write's completion until B reads `IN_PROGRESS`.
 * Baseline, alternating with it: the INSERT of a build in a free environment,
 * from the write's completion until it reads `IN_PROGRESS`, the same stream
 * path without the lock's release. Their ratio is what the hand-off adds.
 *
 * The poller reads the stream at a fixed pace here (its pause after an empty
 * read neither grows nor shrinks), so what it adds is stated: up to one pause
 * plus a GetRecords. Each measurement starts at a random point of that pause
 * (a random wait of up to one pause before the write) once the poller has
 * delivered everything it read. Two paces: the local stack's base pace (20 ms)
 * and its longest idle pause (250 ms, the base rate at which Lambda reads a
 * stream's shard), which its poller reaches after about 0.3 s without
 * records: any deployment that runs longer than that. The builds are observed
 * with a strongly consistent GetItem every `OBSERVE_EVERY_MS`, which bounds
 * the resolution.
 */
import os from 'node:os';
import type { DynamoDBRecord } from 'aws-lambda';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbBuildRepository } from '../src/dynamodb.js';
import { SfnExecutionInspector, SfnExecutionStarter } from '../src/sfn.js';
import {
  ENVIRONMENT_LOCK_PARTITION,
  RecordCompletionService,
  TOKENS,
  TriggerBuildService,
  createContainer,
  partitionKeyOf,
  type NewBuild,
} from '../src/index.js';
import { createTriggerBuildHandler, createUpdateBuildStatusHandler } from '../src/lambda.js';
import { RecordingLogger } from '../src/testing.js';
import { createBuildsTable, dynamoDbClientFor, uniqueTableName } from '../dev/dynamodb-local/builds-table.js';
import { startDynamoDbLocal } from '../dev/dynamodb-local/dynamodb-local.js';
import { latestStreamArn, streamsClientFor } from '../dev/dynamodb-local/table-stream.js';
import { invocationContext } from '../dev/lambda-context.js';
import { startLocalStepFunctions } from '../dev/local-sfn/local-sfn-server.js';
import { sfnClientFor } from '../dev/local-sfn/sfn-client.js';
import { startStreamPoller } from '../dev/local-stack/stream-poller.js';
import { sleep, waitFor } from '../dev/local-stack/wait.js';
import type { Comparison } from './lib/results.js';
import { percentile, summarize } from './lib/stats.js';
import { ARTIFACTS_BUCKET, aBenchBuild, benchBuildsOfOneEnvironment } from './lib/workload.js';

/** The poller's pause between two reads of an idle stream, and the rounds measured at it. */
const PACES = [
  { pollIntervalMs: 20, rounds: 50, what: "the local stack's base pace" },
  { pollIntervalMs: 250, rounds: 50, what: "the local stack's longest idle pause, Lambda's pace of reading a shard" },
] as const;
/** Between two reads of a build while waiting for it to start. */
const OBSERVE_EVERY_MS = 5;
/** Rounds run before the measured ones (JIT, the JVM, the SDK's connections). */
const WARMUP_ROUNDS = 3;
/** The bar, on the local stack. */
const BAR_P95_MS = 2_000;
const REGION = 'us-east-1';

/** One measurement: from the write's completion to `IN_PROGRESS`, split at the poller's read of the record. */
interface Sample {
  readonly totalMs: number;
  /** Write completed -> the poller read its record: the stream and the poller's pause. */
  readonly streamMs: number;
  /** Record read -> `IN_PROGRESS` observed: the handler's work, and the observation's resolution. */
  readonly handlerMs: number;
}

export async function handOff(): Promise<Comparison[]> {
  const dynamodbLocal = await startDynamoDbLocal();
  const sfn = await startLocalStepFunctions();
  const dynamodb = dynamoDbClientFor(dynamodbLocal.endpoint, { maxAttempts: 3 });
  const observer = dynamoDbClientFor(dynamodbLocal.endpoint, { maxAttempts: 3 });
  const streams = streamsClientFor(dynamodbLocal.endpoint);
  const stepFunctions = sfnClientFor(sfn.endpoint);
  try {
    const stateMachineArn = sfn.createStateMachine('deployment');
    const comparisons: Comparison[] = [];
    for (const pace of PACES) {
      console.log(`  poller every ${pace.pollIntervalMs} ms (${pace.what}), ${pace.rounds} rounds...`);
      comparisons.push(await measureAtPace(pace));
    }
    return comparisons;

    async function measureAtPace(pace: (typeof PACES)[number]): Promise<Comparison> {
      // A table (and stream) per pace: a new poller reads its stream from the start.
      const tableName = uniqueTableName('bench-hand-off');
      await createBuildsTable(dynamodb, tableName);
      const streamArn = await latestStreamArn(dynamodb, tableName);
      const documents = DynamoDBDocumentClient.from(dynamodb);
      const containerOf = () =>
        createContainer({
          buildRepository: new DynamoDbBuildRepository({ client: documents, tableName }),
          executionStarter: new SfnExecutionStarter({ client: stepFunctions, stateMachineArn }),
          executionInspector: new SfnExecutionInspector({ client: stepFunctions, stateMachineArn }),
          logger: new RecordingLogger(),
          concurrency: 'queue',
        });
      const triggerContainer = containerOf();
      const updateContainer = containerOf();
      const triggerBuild = createTriggerBuildHandler({
        trigger: triggerContainer.get(TriggerBuildService),
        logger: triggerContainer.get(TOKENS.Logger),
        s3Bucket: ARTIFACTS_BUCKET,
      });
      const updateBuildStatus = createUpdateBuildStatusHandler({
        completions: updateContainer.get(RecordCompletionService),
        logger: updateContainer.get(TOKENS.Logger),
      });
      const builds = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(observer), tableName });

      // When the poller read each change (`INSERT` or `REMOVE` of an item), and how many records it has read and delivered.
      const readAt = new Map<string, number>();
      let recordsRead = 0;
      let recordsDone = 0;
      let failedDeliveries = 0;
      const poller = startStreamPoller({
        streams,
        streamArn,
        region: REGION,
        handler: (event) => triggerBuild(event, invocationContext('aws-deployer-trigger-build')),
        pollIntervalMs: pace.pollIntervalMs,
        maxPollIntervalMs: pace.pollIntervalMs,
        retryDelayMs: 20,
        onEvent: (event) => {
          if (event.type === 'read') {
            const now = performance.now();
            recordsRead += event.records.length;
            // The first read of each change is kept (a later record of the same item is another change).
            for (const record of event.records) if (!readAt.has(changeOf(record))) readAt.set(changeOf(record), now);
          } else if (event.type === 'delivered') {
            if (event.failed.length === 0 && !event.duplicate) recordsDone += event.records.length;
            else failedDeliveries += 1;
          } else if (event.type === 'discarded') {
            recordsDone += event.records.length;
            failedDeliveries += 1;
          }
        },
      });
      try {
        const statusOf = async (build: NewBuild) => {
          const { Item } = await observer.send(
            new GetItemCommand({ TableName: tableName, Key: { pk: { S: partitionKeyOf(build) }, sk: { S: build.sk } }, ConsistentRead: true }),
          );
          return { status: Item?.status?.S, waitingFor: Item?.waiting_for?.S };
        };
        const observeStarted = async (build: NewBuild): Promise<number> => {
          const deadline = performance.now() + 30_000;
          for (;;) {
            if ((await statusOf(build)).status === 'IN_PROGRESS') return performance.now();
            if (performance.now() > deadline) throw new Error(`build ${partitionKeyOf(build)}:${build.sk} did not start within 30 s`);
            await sleep(OBSERVE_EVERY_MS);
          }
        };
        const settled = async () => {
          await waitFor(() => recordsDone >= recordsRead, {
            what: 'the poller to deliver what it read',
            timeoutMs: 30_000,
            intervalMs: OBSERVE_EVERY_MS,
          });
          // A random point of the poller's pause.
          await sleep(Math.random() * pace.pollIntervalMs);
        };

        // Set up every round's environment through the stream: A deploys, then B waits behind it.
        const total = WARMUP_ROUNDS + pace.rounds;
        const environments = Array.from({ length: total }, () => benchBuildsOfOneEnvironment(2) as [NewBuild, NewBuild]);
        for (const [first] of environments) await builds.create(first);
        await waitFor(async () => (await Promise.all(environments.map(([first]) => statusOf(first)))).every(({ status }) => status === 'IN_PROGRESS'), {
          what: 'every first build to start',
          timeoutMs: 60_000,
          intervalMs: 50,
        });
        for (const [, second] of environments) await builds.create(second);
        await waitFor(
          async () =>
            (await Promise.all(environments.map(([, second]) => statusOf(second)))).every(({ status, waitingFor }) => status === 'PENDING' && waitingFor !== undefined),
          { what: 'every second build to wait', timeoutMs: 60_000, intervalMs: 50 },
        );
        const endPayloads = await Promise.all(
          environments.map(async ([first]) => ({
            repo: first.repo,
            env: first.env,
            sk: first.sk,
            status: 'SUCCESS',
            // As the shipped state machine sends it: $$.Execution.Id.
            execution_arn: (await builds.get(first))?.executionArn,
          })),
        );

        const handOffOnce = async (round: number): Promise<Sample & { endWriteMs: number }> => {
          await settled();
          const [first, second] = environments[round]!;
          const writing = performance.now();
          const { outcome } = await updateBuildStatus(endPayloads[round], invocationContext('aws-deployer-update-build-status'));
          const written = performance.now();
          if (outcome !== 'completed') throw new Error(`the end of ${partitionKeyOf(first)}:${first.sk} was not recorded: ${outcome}`);
          const started = await observeStarted(second);
          const read = readAt.get(changeKey('REMOVE', ENVIRONMENT_LOCK_PARTITION, partitionKeyOf(first))) ?? Number.NaN;
          return { totalMs: started - written, streamMs: read - written, handlerMs: started - read, endWriteMs: written - writing };
        };
        const insertOnce = async (): Promise<Sample> => {
          await settled();
          const build = aBenchBuild();
          await builds.create(build);
          const written = performance.now();
          const started = await observeStarted(build);
          const read = readAt.get(changeKey('INSERT', partitionKeyOf(build), build.sk)) ?? Number.NaN;
          return { totalMs: started - written, streamMs: read - written, handlerMs: started - read };
        };

        const load = { before: os.loadavg()[0] ?? Number.NaN };
        const subject: Array<Sample & { endWriteMs: number }> = [];
        const baseline: Sample[] = [];
        for (let round = 0; round < total; round += 1) {
          // Alternating which side goes first, so neither always follows the other.
          const pair =
            round % 2 === 0
              ? { handOff: await handOffOnce(round), insert: await insertOnce() }
              : { insert: await insertOnce(), handOff: await handOffOnce(round) };
          if (round < WARMUP_ROUNDS) continue;
          subject.push(pair.handOff);
          baseline.push(pair.insert);
        }
        const loadAfter = os.loadavg()[0] ?? Number.NaN;

        const totals = (samples: readonly Sample[]) => samples.map((sample) => sample.totalMs);
        const ms = (value: number) => Number(value.toFixed(1));
        const p95 = percentile(totals(subject), 0.95);
        console.log(
          `    hand-off p50 ${ms(percentile(totals(subject), 0.5))} ms, p95 ${ms(p95)} ms, max ${ms(Math.max(...totals(subject)))} ms; ` +
            `INSERT p50 ${ms(percentile(totals(baseline), 0.5))} ms, p95 ${ms(percentile(totals(baseline), 0.95))} ms`,
        );
        return {
          benchmark: `hand-off on the local stack, poller every ${pace.pollIntervalMs} ms (${pace.what})`,
          unit: 'ms',
          baseline: { name: 'INSERT -> IN_PROGRESS, environment free', summary: summarize(totals(baseline)) },
          subject: { name: 'end recorded (lock released) -> next build IN_PROGRESS', summary: summarize(totals(subject)) },
          ratio: summarize(subject.map((sample, index) => sample.totalMs / (baseline[index]?.totalMs ?? sample.totalMs))),
          notes: {
            handOffP95Ms: ms(p95),
            handOffMaxMs: ms(Math.max(...totals(subject))),
            insertP95Ms: ms(percentile(totals(baseline), 0.95)),
            insertMaxMs: ms(Math.max(...totals(baseline))),
            bar: `p95 <= ${BAR_P95_MS} ms: ${p95 <= BAR_P95_MS ? 'met' : 'NOT met'}`,
            pollIntervalMs: pace.pollIntervalMs,
            handOffStreamMsMedian: ms(percentile(subject.map((sample) => sample.streamMs), 0.5)),
            handOffHandlerMsMedian: ms(percentile(subject.map((sample) => sample.handlerMs), 0.5)),
            insertStreamMsMedian: ms(percentile(baseline.map((sample) => sample.streamMs), 0.5)),
            insertHandlerMsMedian: ms(percentile(baseline.map((sample) => sample.handlerMs), 0.5)),
            endWriteMsMedian: ms(percentile(subject.map((sample) => sample.endWriteMs), 0.5)),
            observeEveryMs: OBSERVE_EVERY_MS,
            failedDeliveries,
            loadAverage1m: `${load.before.toFixed(2)} before, ${loadAfter.toFixed(2)} after`,
          },
        };
      } finally {
        await poller.stop();
      }
    }
  } finally {
    dynamodb.destroy();
    observer.destroy();
    streams.destroy();
    stepFunctions.destroy();
    await sfn.close();
    await dynamodbLocal.stop();
  }
}

/** A stream record's change: its event name and its item's key. */
function changeOf(record: DynamoDBRecord): string {
  return changeKey(record.eventName, record.dynamodb?.Keys?.pk?.S, record.dynamodb?.Keys?.sk?.S);
}

function changeKey(eventName: string | undefined, pk: string | undefined, sk: string | undefined): string {
  return JSON.stringify([eventName, pk, sk]);
}
