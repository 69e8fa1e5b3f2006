// The sweep of open builds on the real adapters: DynamoDB Local with the
// status index (items written raw, as the Go implementation writes them) and
// the local Step Functions endpoint. No build stays open, whatever was lost.
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../dev/dynamodb-local/builds-table.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../dev/local-sfn/local-sfn-server.js';
import { sfnClientFor } from '../../dev/local-sfn/sfn-client.js';
import { DynamoDbBuildRepository } from '../../src/dynamodb.js';
import { SfnExecutionInspector, SfnExecutionStarter } from '../../src/sfn.js';
import { createContainer, executionName, serializeStepFunctionInput, toEpochSeconds, type BuildKey } from '../../src/index.js';
import { createSweeperHandler } from '../../src/lambda.js';
import { RecordingLogger } from '../../src/testing.js';
import { aBuildKey, aNewBuild, anInputFor } from '../support/mothers/build.mother.js';
import { aGoBuildItem, type RawItem } from '../support/mothers/go-item.mother.js';
import { aScheduledEvent } from '../support/mothers/eventbridge-event.mother.js';
import { aLambdaContext } from '../support/mothers/lambda-context.mother.js';
import { sweeperDeps } from '../support/handler-deps.js';

const S3_BUCKET = 'my-artifacts-bucket';
const MINUTE = 60;
const DAY = 24 * 60 * MINUTE;
const dynamoDb = dynamoDbClientFor(inject('dynamodbEndpoint'));
const tableName = uniqueTableName('sweep-open-builds');
const tableWithoutIndex = uniqueTableName('sweep-without-index');
let sfn: LocalStepFunctions;
const sfnClient = () => sfnClientFor(sfn.endpoint, { maxAttempts: 1 });
let stateMachineArn: string;

beforeAll(async () => {
  await createBuildsTable(dynamoDb, tableName);
  await createBuildsTable(dynamoDb, tableWithoutIndex, { statusIndex: false });
  sfn = await startLocalStepFunctions();
});

afterAll(async () => {
  await sfn?.close();
  await deleteTable(dynamoDb, tableName);
  await deleteTable(dynamoDb, tableWithoutIndex);
  dynamoDb.destroy();
});

beforeEach(() => {
  sfn.reset();
  stateMachineArn = sfn.createStateMachine('deployment');
});

/** One Lambda process running the sweeper: its own container and clients. */
function aSweeperProcess(table = tableName) {
  const client = sfnClient();
  const logger = new RecordingLogger();
  const container = createContainer({
    buildRepository: new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(dynamoDb), tableName: table }),
    executionStarter: new SfnExecutionStarter({ client, stateMachineArn }),
    executionInspector: new SfnExecutionInspector({ client, stateMachineArn }),
    logger,
  });
  const sweeper = createSweeperHandler({ ...sweeperDeps(container), s3Bucket: S3_BUCKET });
  return { sweep: () => sweeper(aScheduledEvent(), aLambdaContext()), logger };
}

const nowSeconds = () => toEpochSeconds(new Date());

async function putRaw(item: RawItem, table = tableName): Promise<void> {
  await dynamoDb.send(new PutItemCommand({ TableName: table, Item: item }));
}

async function rawItem(key: BuildKey, table = tableName): Promise<RawItem | undefined> {
  const { Item } = await dynamoDb.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: `${key.repo}/${key.env}` }, sk: { S: key.sk } }, ConsistentRead: true }),
  );
  return Item;
}

/** An execution of the build's name started `ageSeconds` ago, as the state machine would have run it. */
function anExecutionOf(key: BuildKey, ageSeconds = 0): string {
  const input = serializeStepFunctionInput(anInputFor(aNewBuild(key), { s3Bucket: S3_BUCKET }));
  return sfn.startExecution(stateMachineArn, executionName(key), input, { startDate: new Date(Date.now() - ageSeconds * 1000) });
}

describe('the sweep of open builds, from the status index', () => {
  it('starts a Go-written PENDING build whose stream record never arrived, exactly once over repeated and concurrent sweeps', async () => {
    const key = aBuildKey();
    await putRaw(aGoBuildItem({ ...key, createdAt: nowSeconds() - 10 * MINUTE }));
    const [first, second] = [aSweeperProcess(), aSweeperProcess()];

    await Promise.all([first.sweep(), second.sweep(), first.sweep()]);
    await second.sweep();

    expect((await rawItem(key))?.status?.S).toBe('IN_PROGRESS');
    expect(sfn.executions.filter((execution) => execution.name === executionName(key))).toHaveLength(1);
    expect(sfn.callCount('StartExecution')).toBeGreaterThanOrEqual(1);
  });

  it('records FAILED, with the timeout, an IN_PROGRESS build whose execution timed out three days ago unreported', async () => {
    const key = aBuildKey();
    const executionArn = anExecutionOf(key, 3 * DAY);
    sfn.completeExecution(executionArn, { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution ran past its 48 hours' });
    await putRaw(aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn, createdAt: nowSeconds() - 3 * DAY }));

    const summary = await aSweeperProcess().sweep();

    expect(summary).toMatchObject({ mode: 'status-index', failed: 0 });
    expect(summary.completed).toBeGreaterThanOrEqual(1);
    const item = await rawItem(key);
    expect(item?.status?.S).toBe('FAILED');
    expect(item?.error_msg?.S).toMatch(/^execution TIMED_OUT: States\.Timeout: The execution ran past its 48 hours/);
  });

  it('records FAILED, saying so, an IN_PROGRESS build whose execution does not exist', async () => {
    const key = aBuildKey();
    const ghost = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName(key)}`;
    await putRaw(aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn: ghost, createdAt: nowSeconds() - DAY }));

    await aSweeperProcess().sweep();

    expect((await rawItem(key))?.error_msg?.S).toMatch(/does not exist/);
  });

  it('records FAILED, naming the attribute, a PENDING item that does not read as a build', async () => {
    const key = aBuildKey();
    await putRaw({ ...aGoBuildItem({ ...key, createdAt: nowSeconds() - 10 * MINUTE }), created_at: { S: 'yesterday' } });

    await aSweeperProcess().sweep();

    const item = await rawItem(key);
    expect(item?.status?.S).toBe('FAILED');
    expect(item?.error_msg?.S).toMatch(/The build record is invalid: .*created_at/);
  });

  it('leaves alone a running build, a PENDING build inside its grace period and finished builds', async () => {
    const running = aBuildKey();
    const runningArn = anExecutionOf(running, DAY);
    const young = aBuildKey();
    const succeeded = aBuildKey();
    const failed = aBuildKey();
    const items = [
      aGoBuildItem({ ...running, status: 'IN_PROGRESS', executionArn: runningArn, createdAt: nowSeconds() - DAY }),
      aGoBuildItem({ ...young, createdAt: nowSeconds() - MINUTE }),
      aGoBuildItem({ ...succeeded, status: 'SUCCESS', createdAt: nowSeconds() - DAY, finishedAt: nowSeconds() - DAY }),
      aGoBuildItem({ ...failed, status: 'FAILED', errorMsg: 'stack rolled back', createdAt: nowSeconds() - DAY, finishedAt: nowSeconds() - DAY }),
    ];
    for (const item of items) await putRaw(item);
    const startsBefore = sfn.callCount('StartExecution');

    await aSweeperProcess().sweep();

    for (const [index, key] of [running, young, succeeded, failed].entries()) expect(await rawItem(key)).toStrictEqual(items[index]);
    expect(sfn.callCount('StartExecution')).toBe(startsBefore);
  });

  it('falls back to the execution window on a table without the index, and warns once per process naming it', async () => {
    const key = aBuildKey();
    const executionArn = anExecutionOf(key);
    sfn.completeExecution(executionArn, { status: 'SUCCEEDED' });
    await putRaw(aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn }), tableWithoutIndex);
    const { sweep, logger } = aSweeperProcess(tableWithoutIndex);

    await expect(sweep()).resolves.toMatchObject({ mode: 'execution-window', completed: 1 });
    await sweep();

    expect((await rawItem(key, tableWithoutIndex))?.status?.S).toBe('SUCCESS');
    const warnings = logger.entries.filter((entry) => entry.level === 'warn' && entry.message.includes('status-updated_at-index'));
    expect(warnings).toHaveLength(1);
    // DynamoDB's facts come from the adapter: the index's key schema and how to add it.
    expect(warnings[0]?.message).toContain('partition key status S, sort key updated_at N, projection ALL');
  });
});
