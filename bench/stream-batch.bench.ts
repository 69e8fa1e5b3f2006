/**
 * Stream batches through the trigger-build handler with the latency of the AWS
 * services injected at the wire, so the time measured is the module's own
 * waiting and overlapping, not this machine's CPU (DynamoDB Local, the local
 * Step Functions endpoint and Node share two cores here; without latency the
 * benchmark measured them).
 *
 * Latencies, per call, for both services in one region:
 * - DynamoDB: 8 ms for a single-item read or write, 12 ms for TransactWriteItems.
 *   DynamoDB's documented figure is "single-digit millisecond" latency at any
 *   scale (https://aws.amazon.com/dynamodb/features/); a transaction does a
 *   prepare and a commit round, hence the higher figure.
 * - Step Functions: 40 ms for StartExecution, 30 ms for every other call
 *   (DescribeStateMachine, once per process). AWS publishes no latency figure
 *   for the control-plane API; tens of milliseconds is what clients in the
 *   same region observe, and the range (25-50 ms) says the same.
 *
 * Reports: the speedup of the default concurrency over one record at a time on
 * a 100-record batch (and the ideal, the concurrency itself, since every record
 * is a different build); the CPU each build costs this machine, by process;
 * how the batch time grows from 10 to 1,000 records; and the AWS calls each
 * build costs on the trigger path.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbBuildRepository } from '../src/dynamodb.js';
import { SfnExecutionInspector, SfnExecutionStarter } from '../src/sfn.js';
import { TOKENS, TriggerBuildService, createContainer, type NewBuild } from '../src/index.js';
import { createTriggerBuildHandler } from '../src/lambda.js';
import { RecordingLogger } from '../src/testing.js';
import { createBuildsTable, dynamoDbClientFor, uniqueTableName } from '../dev/dynamodb-local/builds-table.js';
import { startDynamoDbLocal } from '../dev/dynamodb-local/dynamodb-local.js';
import { invocationContext } from '../dev/lambda-context.js';
import { sfnClientFor } from '../dev/local-sfn/sfn-client.js';
import { startAwsEndpointsProcess } from './lib/aws-endpoints-process.js';
import { dynamoDbLocalCpuMs, processCpuMs, thisProcessCpuMs } from './lib/cpu-time.js';
import type { Comparison } from './lib/results.js';
import { compare, summarize } from './lib/stats.js';
import { aBenchBuild, insertEventOf } from './lib/workload.js';

export const LATENCY_MS = {
  dynamoDb: 8,
  dynamoDbTransaction: 12,
  stepFunctions: 30,
  startExecution: 40,
} as const;

/** The handler's default concurrency (createTriggerBuildHandler without `concurrency`). */
const DEFAULT_CONCURRENCY = 10;
const SPEEDUP_BATCH = 100;
const SPEEDUP_ROUNDS = 3;
const GROWTH_SIZES = [10, 100, 1000] as const;
const GROWTH_ROUNDS = 3;
/**
 * Batches run before any measurement, without latency: DynamoDB Local's JVM
 * and Node's JIT take a few hundred builds to settle (CPU per build falls from
 * ~40 to ~17 ms here), and an unsettled harness would be measured instead of
 * the module.
 */
const HARNESS_WARMUP_BATCHES = 3;
const HARNESS_WARMUP_BATCH_SIZE = 200;
/** The fewest calls a start can cost: StartExecution, and one write recording it. */
const FLOOR_CALLS_PER_BUILD = 2;

export async function streamBatch(): Promise<Comparison[]> {
  const dynamodbLocal = await startDynamoDbLocal();
  // The proxy and the Step Functions endpoint run in their own process: only the handler and its SDK
  // clients are on this event loop, as on Lambda.
  const aws = await startAwsEndpointsProcess(dynamodbLocal.endpoint);
  const dynamodb = dynamoDbClientFor(aws.dynamoDbEndpoint, { maxAttempts: 3 });
  const stepFunctions = sfnClientFor(aws.stepFunctionsEndpoint);
  try {
    const tableName = uniqueTableName('bench-batch');
    await createBuildsTable(dynamodb, tableName);
    const stateMachineArn = await aws.createStateMachine('deployment');
    const buildRepository = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(dynamodb), tableName });
    const container = createContainer({
      buildRepository,
      executionStarter: new SfnExecutionStarter({ client: stepFunctions, stateMachineArn }),
      executionInspector: new SfnExecutionInspector({ client: stepFunctions, stateMachineArn }),
      logger: new RecordingLogger(),
    });
    const triggerServices = { trigger: container.get(TriggerBuildService), logger: container.get(TOKENS.Logger) };
    const concurrent = createTriggerBuildHandler({ ...triggerServices, s3Bucket: 'my-artifacts-bucket' });
    const sequential = createTriggerBuildHandler({ ...triggerServices, s3Bucket: 'my-artifacts-bucket', concurrency: 1 });
    type Handler = typeof concurrent;

    // Builds are created before the latency is on: only the handler's calls are measured.
    const batchesOf = async (size: number, count: number): Promise<NewBuild[][]> => {
      const batches: NewBuild[][] = [];
      for (let i = 0; i < count; i += 1) {
        const batch = Array.from({ length: size }, () => aBenchBuild());
        for (const build of batch) await buildRepository.create(build);
        batches.push(batch);
      }
      return batches;
    };
    const runBatch = async (handler: Handler, batch: readonly NewBuild[]): Promise<void> => {
      const { batchItemFailures } = await handler(insertEventOf(batch), invocationContext('aws-deployer-trigger-build'));
      if (batchItemFailures.length > 0) throw new Error(`${batchItemFailures.length} records failed`);
    };

    const speedupBatches = { sequential: await batchesOf(SPEEDUP_BATCH, SPEEDUP_ROUNDS + 1), concurrent: await batchesOf(SPEEDUP_BATCH, SPEEDUP_ROUNDS + 1) };
    const growthBatches = new Map<number, NewBuild[][]>();
    for (const size of GROWTH_SIZES) growthBatches.set(size, await batchesOf(size, GROWTH_ROUNDS + 1));
    const [callsBatch] = await batchesOf(SPEEDUP_BATCH, 1);
    for (const batch of await batchesOf(HARNESS_WARMUP_BATCH_SIZE, HARNESS_WARMUP_BATCHES)) await runBatch(concurrent, batch);

    await aws.setLatency('dynamodb', LATENCY_MS.dynamoDb);
    await aws.setLatency('dynamodb', LATENCY_MS.dynamoDbTransaction, 'TransactWriteItems');
    await aws.setLatency('sfn', LATENCY_MS.stepFunctions);
    await aws.setLatency('sfn', LATENCY_MS.startExecution, 'StartExecution');

    const speedup = await compare(
      { rounds: SPEEDUP_ROUNDS, operationsPerRound: 1, warmupRounds: 1 },
      (i) => runBatch(sequential, speedupBatches.sequential[i - 1]!),
      (i) => runBatch(concurrent, speedupBatches.concurrent[i - 1]!),
    );

    // Calls per build, counted at the wire, after warm-up (DescribeStateMachine is once per process).
    const counts = async () => ({
      dynamoDb: await aws.callCount('dynamodb'),
      updateItem: await aws.callCount('dynamodb', 'UpdateItem'),
      transactWriteItems: await aws.callCount('dynamodb', 'TransactWriteItems'),
      getItem: await aws.callCount('dynamodb', 'GetItem'),
      query: await aws.callCount('dynamodb', 'Query'),
      stepFunctions: await aws.callCount('sfn'),
    });
    const countsBefore = await counts();
    const cpuBefore = { handler: thisProcessCpuMs(), endpoints: processCpuMs(aws.pid), dynamoDbLocal: dynamoDbLocalCpuMs() };
    await runBatch(concurrent, callsBatch!);
    // What each build costs this machine's CPU, by process: the handler and its SDK clients (the event
    // loop the batch shares), the AWS stand-ins, DynamoDB Local's JVM. Two cores run all three.
    const cpuPerBuild = (before: number | undefined, after: number | undefined) =>
      before === undefined || after === undefined ? 'not measured' : ((after - before) / SPEEDUP_BATCH).toFixed(1);
    const cpu = {
      handler: cpuPerBuild(cpuBefore.handler, thisProcessCpuMs()),
      endpoints: cpuPerBuild(cpuBefore.endpoints, processCpuMs(aws.pid)),
      dynamoDbLocal: cpuPerBuild(cpuBefore.dynamoDbLocal, dynamoDbLocalCpuMs()),
    };
    const countsAfter = await counts();
    const perBuild = (key: keyof typeof countsAfter) => (countsAfter[key] - countsBefore[key]) / SPEEDUP_BATCH;

    const comparisons: Comparison[] = [
      {
        benchmark: `stream batch, ${SPEEDUP_BATCH} INSERTs, AWS latency injected`,
        unit: 'ms/batch',
        baseline: { name: 'one record at a time (concurrency 1)', summary: speedup.baseline },
        subject: { name: `trigger-build handler (default concurrency ${DEFAULT_CONCURRENCY})`, summary: speedup.subject },
        ratio: speedup.ratio,
        notes: {
          speedup: Number((speedup.baseline.median / speedup.subject.median).toFixed(2)),
          idealSpeedup: DEFAULT_CONCURRENCY,
          latencies: `dynamodb ${LATENCY_MS.dynamoDb} ms (transaction ${LATENCY_MS.dynamoDbTransaction} ms), sfn ${LATENCY_MS.stepFunctions} ms (StartExecution ${LATENCY_MS.startExecution} ms)`,
          awsCallsPerBuild: perBuild('dynamoDb') + perBuild('stepFunctions'),
          floorCallsPerBuild: FLOOR_CALLS_PER_BUILD,
          dynamoDbCallsPerBuild: `${perBuild('dynamoDb')} (UpdateItem ${perBuild('updateItem')}, TransactWriteItems ${perBuild('transactWriteItems')}, GetItem ${perBuild('getItem')}, Query ${perBuild('query')})`,
          stepFunctionsCallsPerBuild: perBuild('stepFunctions'),
          cpuMsPerBuild: `handler ${cpu.handler}, AWS stand-ins ${cpu.endpoints}, DynamoDB Local ${cpu.dynamoDbLocal}`,
        },
      },
    ];

    // Growth: one line per batch size, each against the 10-record batch measured in the same run.
    const timesOf = async (size: number): Promise<number[]> => {
      const samples: number[] = [];
      const batches = growthBatches.get(size)!;
      for (const [round, batch] of batches.entries()) {
        const started = performance.now();
        await runBatch(concurrent, batch);
        if (round > 0) samples.push(performance.now() - started);
      }
      return samples;
    };
    const smallest = GROWTH_SIZES[0];
    const baselineSamples = await timesOf(smallest);
    const baseline = summarize(baselineSamples);
    for (const size of GROWTH_SIZES) {
      const samples = size === smallest ? baselineSamples : await timesOf(size);
      const summary = summarize(samples);
      comparisons.push({
        benchmark: `batch growth: ${size} INSERTs at concurrency ${DEFAULT_CONCURRENCY}`,
        unit: 'ms/batch',
        baseline: { name: `${smallest} INSERTs`, summary: baseline },
        subject: { name: `${size} INSERTs`, summary },
        ratio: summarize(samples.map((sample, index) => sample / (baselineSamples[index] ?? sample))),
        notes: {
          sizeRatio: size / smallest,
          msPerRecord: Number((summary.median / size).toFixed(2)),
          recordsPerSecond: Math.round((size * 1000) / summary.median),
        },
      });
    }
    return comparisons;
  } finally {
    dynamodb.destroy();
    stepFunctions.destroy();
    await aws.close();
    await dynamodbLocal.stop();
  }
}
