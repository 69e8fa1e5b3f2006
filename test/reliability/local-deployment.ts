// The production composition on the real adapters, for the regression suites
// of the reviews: DynamoDB Local (items written raw, as the Go implementation
// writes them, and stream records read back from its stream) and the local
// Step Functions endpoint. Registers its own hooks: a table per suite, a
// fresh state machine per test.
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import { toLambdaRecord } from '../../dev/local-stack/stream-event.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../dev/dynamodb-local/builds-table.js';
import { latestStreamArn, statusChangesOf, streamsClientFor, tableStreamRecords } from '../../dev/dynamodb-local/table-stream.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../dev/local-sfn/local-sfn-server.js';
import { sfnClientFor } from '../../dev/local-sfn/sfn-client.js';
import { DynamoDbBuildRepository } from '../../src/dynamodb.js';
import { ReconcileExecutionService, createContainer, executionArnFor, executionName, parseStateMachineArn, type BuildKey } from '../../src/index.js';
import {
  createExecutionStatusChangeHandler,
  createSweeperHandler,
  createTriggerBuildHandler,
  createUpdateBuildStatusHandler,
} from '../../src/lambda.js';
import { SfnExecutionInspector, SfnExecutionStarter } from '../../src/sfn.js';
import { RecordingLogger } from '../../src/testing.js';
import { executionStatusChangeDeps, sweeperDeps, triggerBuildDeps, updateBuildStatusDeps } from '../support/handler-deps.js';
import type { RawItem } from '../support/mothers/go-item.mother.js';
import { invokedByLambda } from '../support/mothers/lambda-context.mother.js';

export const S3_BUCKET = 'my-artifacts-bucket';

export interface LocalDeployment {
  readonly dynamoDb: DynamoDBClient;
  readonly tableName: string;
  /** The local Step Functions endpoint, from the suite's `beforeAll` on. */
  readonly sfn: LocalStepFunctions;
  readonly sfnClient: SFNClient;
  /** This test's state machine (a fresh one per test). */
  readonly stateMachineArn: string;
  /** The production composition on the real adapters, with a fresh (cold) starter. */
  aDeployer(): ReturnType<typeof deployerOn>;
  putRaw(item: RawItem): Promise<void>;
  rawItem(key: BuildKey): Promise<RawItem | undefined>;
  statusOf(key: BuildKey): Promise<string | undefined>;
  errorMsgOf(key: BuildKey): Promise<string | undefined>;
  /** The stream's INSERT records of one build item, as Lambda delivers them, oldest first. */
  insertsOf(key: BuildKey): Promise<ReturnType<typeof toLambdaRecord>[]>;
  streamChangesOf(key: BuildKey): Promise<string[]>;
  executionArnOf(key: BuildKey): string;
}

function deployerOn(dynamoDb: DynamoDBClient, tableName: string, sfnClient: SFNClient, stateMachineArn: string) {
  const logger = new RecordingLogger();
  const buildRepository = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(dynamoDb), tableName, logger });
  const container = createContainer({
    buildRepository,
    executionStarter: new SfnExecutionStarter({ client: sfnClient, stateMachineArn, limitExceededAttempts: 1 }),
    executionInspector: new SfnExecutionInspector({ client: sfnClient, stateMachineArn }),
    logger,
  });
  return {
    logger,
    buildRepository,
    container,
    reconciler: container.get(ReconcileExecutionService),
    triggerBuild: invokedByLambda(createTriggerBuildHandler({ ...triggerBuildDeps(container), s3Bucket: S3_BUCKET })),
    updateBuildStatus: invokedByLambda(createUpdateBuildStatusHandler(updateBuildStatusDeps(container))),
    executionStatusChange: invokedByLambda(createExecutionStatusChangeHandler({ ...executionStatusChangeDeps(container), stateMachineArn })),
    sweep: invokedByLambda(createSweeperHandler(sweeperDeps(container))),
  };
}

/** A builds table and a local Step Functions endpoint for the calling suite. */
export function useLocalDeployment(name: string): LocalDeployment {
  const dynamoDbEndpoint = inject('dynamodbEndpoint');
  const dynamoDb = dynamoDbClientFor(dynamoDbEndpoint);
  const streams = streamsClientFor(dynamoDbEndpoint);
  const tableName = uniqueTableName(name);
  let sfn: LocalStepFunctions | undefined;
  let sfnClient: SFNClient | undefined;
  let stateMachineArn: string | undefined;
  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is there from the suite's beforeAll on`);
    return value;
  };

  beforeAll(async () => {
    await createBuildsTable(dynamoDb, tableName);
    sfn = await startLocalStepFunctions();
    sfnClient = sfnClientFor(sfn.endpoint, { maxAttempts: 1 });
  });

  afterAll(async () => {
    sfnClient?.destroy();
    streams.destroy();
    await sfn?.close();
    await deleteTable(dynamoDb, tableName);
    dynamoDb.destroy();
  });

  beforeEach(() => {
    sfn?.reset();
    stateMachineArn = sfn?.createStateMachine('deployment');
  });

  const rawItem = async (key: BuildKey): Promise<RawItem | undefined> => {
    const { Item } = await dynamoDb.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: `${key.repo}/${key.env}` }, sk: { S: key.sk } }, ConsistentRead: true }),
    );
    return Item;
  };

  return {
    dynamoDb,
    tableName,
    get sfn() {
      return required(sfn, 'the local Step Functions endpoint');
    },
    get sfnClient() {
      return required(sfnClient, 'the Step Functions client');
    },
    get stateMachineArn() {
      return required(stateMachineArn, 'the state machine');
    },
    aDeployer() {
      return deployerOn(dynamoDb, tableName, required(sfnClient, 'the Step Functions client'), required(stateMachineArn, 'the state machine'));
    },
    async putRaw(item) {
      await dynamoDb.send(new PutItemCommand({ TableName: tableName, Item: item }));
    },
    rawItem,
    async statusOf(key) {
      return (await rawItem(key))?.status?.S;
    },
    async errorMsgOf(key) {
      return (await rawItem(key))?.error_msg?.S;
    },
    async insertsOf(key) {
      const streamArn = await latestStreamArn(dynamoDb, tableName);
      const records = (await tableStreamRecords(dynamoDb, streams, tableName)).map((record) =>
        toLambdaRecord(record, { streamArn, region: 'us-east-1' }),
      );
      return records.filter(
        (record) =>
          record.eventName === 'INSERT' &&
          record.dynamodb?.Keys?.pk?.S === `${key.repo}/${key.env}` &&
          record.dynamodb?.Keys?.sk?.S === key.sk,
      );
    },
    async streamChangesOf(key) {
      return statusChangesOf(await tableStreamRecords(dynamoDb, streams, tableName), key);
    },
    executionArnOf(key) {
      return executionArnFor(parseStateMachineArn(required(stateMachineArn, 'the state machine')), executionName(key));
    },
  };
}
