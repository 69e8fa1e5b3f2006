/**
 * Overhead per start: `Orchestrator.startExecution` against DynamoDB Local and
 * the local Step Functions endpoint, versus the same two calls made with the
 * raw SDK clients and no module code. Also counts the AWS calls per start.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbBuildRepository } from '../src/dynamodb.js';
import { SfnExecutionStarter } from '../src/sfn.js';
import { Orchestrator, createContainer, type NewBuild } from '../src/index.js';
import { RecordingLogger } from '../src/testing.js';
import { createBuildsTable, dynamoDbClientFor, uniqueTableName } from '../dev/dynamodb-local/builds-table.js';
import { startDynamoDbLocal } from '../dev/dynamodb-local/dynamodb-local.js';
import { startLocalStepFunctions } from '../dev/local-sfn/local-sfn-server.js';
import { startDynamoDbFaultProxy } from '../dev/wire/dynamodb-fault-proxy.js';
import type { Comparison } from './lib/results.js';
import { compare } from './lib/stats.js';
import { sfnClientFor } from '../dev/local-sfn/sfn-client.js';
import { aBenchBuild, inputOf } from './lib/workload.js';

const ROUNDS = 9;
const STARTS_PER_ROUND = 20;

export async function startOverhead(): Promise<Comparison[]> {
  const dynamodbLocal = await startDynamoDbLocal();
  const proxy = await startDynamoDbFaultProxy(dynamodbLocal.endpoint);
  const sfn = await startLocalStepFunctions();
  const dynamodb = dynamoDbClientFor(proxy.endpoint, { maxAttempts: 3 });
  const stepFunctions = sfnClientFor(sfn.endpoint);
  try {
    const tableName = uniqueTableName('bench');
    await createBuildsTable(dynamodb, tableName);
    const stateMachineArn = sfn.createStateMachine('deployment');
    const documents = DynamoDBDocumentClient.from(dynamodb);
    const buildRepository = new DynamoDbBuildRepository({ client: documents, tableName });
    const orchestrator = createContainer({
      buildRepository,
      executionStarter: new SfnExecutionStarter({ client: stepFunctions, stateMachineArn }),
      logger: new RecordingLogger(),
    }).get(Orchestrator);

    const total = (ROUNDS + 1) * STARTS_PER_ROUND;
    const subjectBuilds = await pendingBuilds(buildRepository, total);
    const baselineBuilds = await pendingBuilds(buildRepository, total);

    const rawStart = async (build: NewBuild): Promise<void> => {
      const name = `raw-${build.repo}-${build.sk}`;
      const { executionArn } = await stepFunctions.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(inputOf(build)) }),
      );
      const now = Math.floor(Date.now() / 1000);
      await documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: { pk: `${build.repo}/${build.env}`, sk: build.sk },
                UpdateExpression: 'SET #status = :to, execution_arn = :arn, updated_at = :at',
                ConditionExpression: '#status IN (:from)',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':to': 'IN_PROGRESS', ':from': 'PENDING', ':arn': executionArn, ':at': now },
              },
            },
            {
              Put: {
                TableName: tableName,
                Item: {
                  pk: `latest/${build.env}`,
                  sk: `${build.repo}/${build.env}`,
                  id: `${build.repo}/${build.env}:${build.sk}`,
                  repo: build.repo,
                  env: build.env,
                  status: 'IN_PROGRESS',
                  updated_at: now,
                },
                ConditionExpression: 'attribute_not_exists(id) OR id <= :id',
                ExpressionAttributeValues: { ':id': `${build.repo}/${build.env}:${build.sk}` },
              },
            },
          ],
        }),
      );
    };

    const timing = await compare(
      { rounds: ROUNDS, operationsPerRound: STARTS_PER_ROUND },
      (i) => rawStart(baselineBuilds[i - 1]!),
      (i) => orchestrator.startExecution(inputOf(subjectBuilds[i - 1]!)),
    );

    const counted = async (run: () => Promise<unknown>) => {
      proxy.reset();
      const sfnBefore = sfn.callCount();
      await run();
      return { dynamodb: proxy.callCount(), stepFunctions: sfn.callCount() - sfnBefore };
    };
    const [fresh] = await pendingBuilds(buildRepository, 1);
    const happy = await counted(() => orchestrator.startExecution(inputOf(fresh!)));
    const duplicate = await counted(() => orchestrator.startExecution(inputOf(fresh!)));

    return [
      {
        benchmark: 'start overhead (DynamoDB Local + local SFN)',
        unit: 'ms/start',
        baseline: { name: 'raw SDK: StartExecution + TransactWriteItems', summary: timing.baseline },
        subject: { name: 'Orchestrator.startExecution', summary: timing.subject },
        ratio: timing.ratio,
        notes: {
          happyPathAwsCalls: happy.dynamodb + happy.stepFunctions,
          happyPathDynamoDbCalls: happy.dynamodb,
          happyPathStepFunctionsCalls: happy.stepFunctions,
          duplicateAwsCalls: duplicate.dynamodb + duplicate.stepFunctions,
          duplicateDynamoDbCalls: duplicate.dynamodb,
          duplicateStepFunctionsCalls: duplicate.stepFunctions,
        },
      },
    ];
  } finally {
    dynamodb.destroy();
    stepFunctions.destroy();
    await sfn.close();
    await proxy.close();
    await dynamodbLocal.stop();
  }
}

async function pendingBuilds(repository: DynamoDbBuildRepository, count: number): Promise<NewBuild[]> {
  const builds = Array.from({ length: count }, () => aBenchBuild());
  for (const build of builds) await repository.create(build);
  return builds;
}
