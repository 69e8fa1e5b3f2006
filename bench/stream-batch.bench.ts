/**
 * Stream batch throughput: a batch of 100 INSERTs of different builds, with 5
 * ms of latency injected into every Step Functions call, through the
 * trigger-build handler (default concurrency), versus the same handler
 * processing the batch one record at a time.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbBuildRepository } from '../src/adapters/dynamodb/index.js';
import { SfnExecutionInspector, SfnExecutionStarter } from '../src/adapters/sfn/index.js';
import { createContainer, type NewBuild } from '../src/index.js';
import { createTriggerBuildHandler } from '../src/lambda.js';
import { RecordingLogger } from '../src/testing.js';
import { createBuildsTable, dynamoDbClientFor, uniqueTableName } from '../dev/dynamodb-local/builds-table.js';
import { startDynamoDbLocal } from '../dev/dynamodb-local/dynamodb-local.js';
import { startLocalStepFunctions } from '../dev/local-sfn/local-sfn-server.js';
import type { Comparison } from './lib/results.js';
import { compare } from './lib/stats.js';
import { sfnClientFor } from '../dev/local-sfn/sfn-client.js';
import { aBenchBuild, insertEventOf } from './lib/workload.js';

const BATCH_SIZE = 100;
const ROUNDS = 5;
const STEP_FUNCTIONS_LATENCY_MS = 5;

export async function streamBatch(): Promise<Comparison[]> {
  const dynamodbLocal = await startDynamoDbLocal();
  const sfn = await startLocalStepFunctions();
  const dynamodb = dynamoDbClientFor(dynamodbLocal.endpoint, { maxAttempts: 3 });
  const stepFunctions = sfnClientFor(sfn.endpoint);
  try {
    const tableName = uniqueTableName('bench-batch');
    await createBuildsTable(dynamodb, tableName);
    const stateMachineArn = sfn.createStateMachine('deployment');
    sfn.setLatency(STEP_FUNCTIONS_LATENCY_MS);
    const buildRepository = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(dynamodb), tableName });
    const container = createContainer({
      buildRepository,
      executionStarter: new SfnExecutionStarter({ client: stepFunctions, stateMachineArn }),
      executionInspector: new SfnExecutionInspector({ client: stepFunctions, stateMachineArn }),
      logger: new RecordingLogger(),
    });
    const concurrent = createTriggerBuildHandler({ container, s3Bucket: 'my-artifacts-bucket' });
    const sequential = createTriggerBuildHandler({ container, s3Bucket: 'my-artifacts-bucket', concurrency: 1 });

    const batches = async (): Promise<NewBuild[][]> => {
      const all: NewBuild[][] = [];
      for (let round = 0; round <= ROUNDS; round += 1) {
        const batch = Array.from({ length: BATCH_SIZE }, () => aBenchBuild());
        for (const build of batch) await buildRepository.create(build);
        all.push(batch);
      }
      return all;
    };
    const [sequentialBatches, concurrentBatches] = [await batches(), await batches()];
    const runBatch = async (handler: typeof concurrent, batch: readonly NewBuild[]) => {
      const { batchItemFailures } = await handler(insertEventOf(batch));
      if (batchItemFailures.length > 0) throw new Error(`${batchItemFailures.length} records failed`);
    };

    const timing = await compare(
      { rounds: ROUNDS, operationsPerRound: 1, warmupRounds: 1 },
      (i) => runBatch(sequential, sequentialBatches[i - 1]!),
      (i) => runBatch(concurrent, concurrentBatches[i - 1]!),
    );
    const perSecond = (msPerBatch: number) => (BATCH_SIZE * 1000) / msPerBatch;
    return [
      {
        benchmark: `stream batch (${BATCH_SIZE} INSERTs, ${STEP_FUNCTIONS_LATENCY_MS} ms SFN latency)`,
        unit: 'ms/batch',
        baseline: { name: 'one record at a time (concurrency 1)', summary: timing.baseline },
        subject: { name: 'trigger-build handler (concurrency 10)', summary: timing.subject },
        ratio: timing.ratio,
        notes: {
          sequentialRecordsPerSecond: Math.round(perSecond(timing.baseline.median)),
          concurrentRecordsPerSecond: Math.round(perSecond(timing.subject.median)),
        },
      },
    ];
  } finally {
    dynamodb.destroy();
    stepFunctions.destroy();
    await sfn.close();
    await dynamodbLocal.stop();
  }
}
