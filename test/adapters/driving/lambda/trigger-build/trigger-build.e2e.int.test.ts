// End to end on real components: a build written to DynamoDB Local, its
// stream records read back from DynamoDB Local, the execution started on the
// local Step Functions endpoint, the completion reported by the state
// machine's callback.
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbBuildRepository } from '../../../../../src/dynamodb.js';
import { SfnExecutionInspector, SfnExecutionStarter } from '../../../../../src/sfn.js';
import { createContainer } from '../../../../../src/index.js';
import { createTriggerBuildHandler, createUpdateBuildStatusHandler } from '../../../../../src/lambda.js';
import { RecordingLogger } from '../../../../../src/testing.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../../../dev/dynamodb-local/builds-table.js';
import { aCallbackPayload } from '../../../../support/mothers/callback-payload.mother.js';
import { toLambdaRecord } from '../../../../../dev/local-stack/stream-event.js';
import { latestStreamArn, streamsClientFor, tableStreamRecords } from '../../../../../dev/dynamodb-local/table-stream.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../../../../dev/local-sfn/local-sfn-server.js';
import { aNewBuild } from '../../../../support/mothers/build.mother.js';
import { invokedByLambda } from '../../../../support/mothers/lambda-context.mother.js';
import { triggerBuildDeps, updateBuildStatusDeps } from '../../../../support/handler-deps.js';

describe('trigger-build and update-build-status, end to end', () => {
  const tableName = uniqueTableName('lambda-e2e');
  let dynamodb: DynamoDBClient;
  let streams: DynamoDBStreamsClient;
  let sfn: LocalStepFunctions;
  let sfnClient: SFNClient;

  beforeAll(async () => {
    const endpoint = inject('dynamodbEndpoint');
    dynamodb = dynamoDbClientFor(endpoint);
    streams = streamsClientFor(endpoint);
    await createBuildsTable(dynamodb, tableName);
    sfn = await startLocalStepFunctions();
    sfnClient = new SFNClient({ endpoint: sfn.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });

  afterAll(async () => {
    await deleteTable(dynamodb, tableName);
    dynamodb.destroy();
    streams.destroy();
    sfnClient.destroy();
    await sfn.close();
  });

  function aDeployment() {
    const stateMachineArn = sfn.createStateMachine('deployment');
    const buildRepository = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(dynamodb), tableName });
    const container = createContainer({
      buildRepository,
      // One attempt at ExecutionLimitExceeded: the redelivery is the retry.
      executionStarter: new SfnExecutionStarter({ client: sfnClient, stateMachineArn, limitExceededAttempts: 1 }),
      executionInspector: new SfnExecutionInspector({ client: sfnClient, stateMachineArn }),
      logger: new RecordingLogger(),
    });
    return {
      buildRepository,
      triggerBuild: invokedByLambda(createTriggerBuildHandler({ ...triggerBuildDeps(container), s3Bucket: 'my-artifacts-bucket' })),
      updateBuildStatus: invokedByLambda(createUpdateBuildStatusHandler(updateBuildStatusDeps(container))),
    };
  }

  it('deploys a new build once and records how it ended', async () => {
    const { buildRepository, triggerBuild, updateBuildStatus } = aDeployment();
    const build = aNewBuild({ branch: 'main', version: '1.2.3' });
    const executionsBefore = sfn.executions.length;

    await buildRepository.create(build);
    const created = await streamEventOf(build);
    expect(created.Records.map((record) => [record.eventName, record.dynamodb?.Keys?.pk?.S])).toEqual([
      ['INSERT', `${build.repo}/${build.env}`],
      ['INSERT', `latest/${build.env}`],
    ]);
    expect(created.Records[0]?.dynamodb?.ApproximateCreationDateTime).toEqual(expect.any(Number));

    await expect(triggerBuild(created)).resolves.toEqual({ batchItemFailures: [] });

    const [execution] = sfn.executions.slice(executionsBefore);
    expect(sfn.executions).toHaveLength(executionsBefore + 1);
    expect(execution?.name).toBe(`${build.repo}-${build.env}-${build.sk}`);
    expect(JSON.parse(execution?.input ?? '')).toEqual({
      repo: build.repo,
      env: build.env,
      branch: 'main',
      version: '1.2.3',
      sk: build.sk,
      commit_hash: build.commitHash,
      s3_bucket: 'my-artifacts-bucket',
      s3_key: `${build.repo}/main/1.2.3`,
    });
    expect(await buildRepository.get(build)).toMatchObject({ status: 'IN_PROGRESS', executionArn: execution?.executionArn });

    // At-least-once delivery: the same batch again starts nothing new.
    await expect(triggerBuild(created)).resolves.toEqual({ batchItemFailures: [] });
    expect(sfn.executions).toHaveLength(executionsBefore + 1);

    sfn.completeExecution(execution?.executionArn ?? '', { status: 'SUCCEEDED' });
    await expect(updateBuildStatus(aCallbackPayload(build))).resolves.toEqual({ outcome: 'completed', status: 'SUCCESS' });

    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: `${build.repo}/${build.env}` }, sk: { S: build.sk } }, ConsistentRead: true }),
    );
    // toMatchObject: other writers may add attributes; none of these may change.
    expect(unmarshall(Item ?? {})).toMatchObject({
      pk: `${build.repo}/${build.env}`,
      sk: build.sk,
      repo: build.repo,
      env: build.env,
      branch: 'main',
      version: '1.2.3',
      commit_hash: build.commitHash,
      status: 'SUCCESS',
      execution_arn: execution?.executionArn,
      created_at: expect.any(Number),
      updated_at: expect.any(Number),
      finished_at: expect.any(Number),
    });

    // The whole stream so far (the status changes are MODIFYs) starts nothing and fails nothing.
    const everything = await streamEventOf(build);
    expect(everything.Records.map((record) => record.eventName)).toContain('MODIFY');
    await expect(triggerBuild(everything)).resolves.toEqual({ batchItemFailures: [] });
    expect(sfn.executions).toHaveLength(executionsBefore + 1);
    expect(await buildRepository.get(build)).toMatchObject({ status: 'SUCCESS' });
  });

  it('reports a transient start failure by the record\'s real sequence number and starts the build on redelivery', async () => {
    const { buildRepository, triggerBuild } = aDeployment();
    const build = aNewBuild();
    await buildRepository.create(build);
    const created = await streamEventOf(build);
    sfn.injectFault({ operation: 'StartExecution', fault: 'ExecutionLimitExceeded' });

    const response = await triggerBuild(created);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: created.Records[0]?.dynamodb?.SequenceNumber }] });
    expect(response.batchItemFailures[0]?.itemIdentifier).toMatch(/^\d+$/);
    expect(await buildRepository.get(build)).toMatchObject({ status: 'PENDING' });

    await expect(triggerBuild(created)).resolves.toEqual({ batchItemFailures: [] });
    expect(await buildRepository.get(build)).toMatchObject({ status: 'IN_PROGRESS' });
  });

  /** The records of one build's partition and of its latest pointer, as a Lambda event. */
  async function streamEventOf(build: { repo: string; env: string }) {
    const streamArn = await latestStreamArn(dynamodb, tableName);
    const Records = (await tableStreamRecords(dynamodb, streams, tableName)).map((record) =>
      toLambdaRecord(record, { streamArn, region: 'us-east-1' }),
    );
    const keys = [`${build.repo}/${build.env}`, `latest/${build.env}`];
    return { Records: Records.filter((record) => keys.includes(record.dynamodb?.Keys?.pk?.S ?? '')) };
  }
});
