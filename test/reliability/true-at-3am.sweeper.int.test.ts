// Regressions of the 'true at 3 a.m.' review, the sweeper's part: one block
// per item, each on the real adapters, DynamoDB Local (a table of its own per
// test, items written raw as the Go implementation writes them) and the local
// Step Functions endpoint, through the sweeper handler with Powertools Metrics
// printing its EMF document. Each item's first test failed before its fix
// (checked against the source of the commit before it).
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { RedriveExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../dev/dynamodb-local/builds-table.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../dev/local-sfn/local-sfn-server.js';
import { sfnClientFor } from '../../dev/local-sfn/sfn-client.js';
import { DynamoDbBuildRepository } from '../../src/dynamodb.js';
import { SfnExecutionInspector, SfnExecutionStarter } from '../../src/sfn.js';
import {
  createContainer,
  executionName,
  serializeStepFunctionInput,
  toEpochSeconds,
  type BuildKey,
  type BuildPage,
  type BuildRepository,
} from '../../src/index.js';
import { createSweeperHandler, createUpdateBuildStatusHandler } from '../../src/lambda.js';
import { RecordingLogger } from '../../src/testing.js';
import { sweeperDeps, updateBuildStatusDeps } from '../support/handler-deps.js';
import { aBuildKey, aNewBuild, anInputFor } from '../support/mothers/build.mother.js';
import { aScheduledEvent } from '../support/mothers/eventbridge-event.mother.js';
import { aGoBuildItem, type RawItem } from '../support/mothers/go-item.mother.js';
import { aLambdaContext, invokedByLambda } from '../support/mothers/lambda-context.mother.js';
import { capturePowertoolsOutput, type PowertoolsOutput } from '../support/powertools-output.js';

const S3_BUCKET = 'my-artifacts-bucket';
const MINUTE = 60;
const DAY = 24 * 60 * MINUTE;
const dynamoDb = dynamoDbClientFor(inject('dynamodbEndpoint'));
let sfn: LocalStepFunctions;
let sfnClient: SFNClient;
let stateMachineArn: string;
// A table per test: a sweep reads every open build of its table, and each test counts them.
let tableName: string;
let output: PowertoolsOutput;

beforeAll(async () => {
  sfn = await startLocalStepFunctions();
  sfnClient = sfnClientFor(sfn.endpoint, { maxAttempts: 1 });
});

afterAll(async () => {
  sfnClient?.destroy();
  await sfn?.close();
  dynamoDb.destroy();
});

beforeEach(async () => {
  sfn.reset();
  stateMachineArn = sfn.createStateMachine('deployment');
  tableName = uniqueTableName('true-at-3am');
  await createBuildsTable(dynamoDb, tableName);
  output = capturePowertoolsOutput();
});

afterEach(async () => {
  output.restore();
  await deleteTable(dynamoDb, tableName);
});

/** The production composition of the sweeper (and update-build-status) on the real adapters, with metrics. */
function aDeployer(buildRepository: BuildRepository = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(dynamoDb), tableName })) {
  const logger = new RecordingLogger();
  const container = createContainer({
    buildRepository,
    executionStarter: new SfnExecutionStarter({ client: sfnClient, stateMachineArn }),
    executionInspector: new SfnExecutionInspector({ client: sfnClient, stateMachineArn }),
    logger,
  });
  const metrics = new Metrics({ namespace: 'AwsDeployerOrchestrator', serviceName: 'sweeper' });
  const sweeper = createSweeperHandler({ ...sweeperDeps(container), s3Bucket: S3_BUCKET, pageSize: 1, metrics });
  return {
    logger,
    sweep: () => sweeper(aScheduledEvent(), aLambdaContext()),
    updateBuildStatus: invokedByLambda(createUpdateBuildStatusHandler(updateBuildStatusDeps(container))),
    /** The sweeper's EMF documents, one per invocation. */
    published: () => output.metrics().filter((document) => document.service === 'sweeper'),
  };
}

const nowSeconds = () => toEpochSeconds(new Date());

async function putRaw(item: RawItem): Promise<void> {
  await dynamoDb.send(new PutItemCommand({ TableName: tableName, Item: item }));
}

async function rawItem(key: BuildKey): Promise<RawItem | undefined> {
  const { Item } = await dynamoDb.send(
    new GetItemCommand({ TableName: tableName, Key: { pk: { S: `${key.repo}/${key.env}` }, sk: { S: key.sk } }, ConsistentRead: true }),
  );
  return Item;
}

/** The build's own execution (its derived name, its input), started `ageSeconds` ago. */
function anExecutionOf(key: BuildKey, ageSeconds = 0): string {
  const input = serializeStepFunctionInput(anInputFor(aNewBuild(key), { s3Bucket: S3_BUCKET }));
  return sfn.startExecution(stateMachineArn, executionName(key), input, { startDate: new Date(Date.now() - ageSeconds * 1000) });
}

const idOf = (key: BuildKey) => `${key.repo}/${key.env}:${key.sk}`;

describe('A. (item 6) Metrics say what happened, also when the sweep fails on a later page', () => {
  /** The table's status index, whose second page of PENDING builds cannot be read. */
  class RepositoryFailingOnSecondPage extends DynamoDbBuildRepository {
    private pendingPages = 0;

    override async listBuildsByStatus(...args: Parameters<DynamoDbBuildRepository['listBuildsByStatus']>): Promise<BuildPage> {
      if (args[0] === 'PENDING') this.pendingPages += 1;
      if (this.pendingPages === 2) throw Object.assign(new Error('Throughput exceeds the current capacity of your table or index'), { name: 'ThrottlingException' });
      return super.listBuildsByStatus(...args);
    }
  }

  it('publishes the build it started and the open builds it found before the page that failed', async () => {
    const [first, second] = [aBuildKey(), aBuildKey()];
    await putRaw(aGoBuildItem({ ...first, createdAt: nowSeconds() - 10 * MINUTE }));
    await putRaw(aGoBuildItem({ ...second, createdAt: nowSeconds() - 10 * MINUTE }));
    const { sweep, published } = aDeployer(new RepositoryFailingOnSecondPage({ client: DynamoDBDocumentClient.from(dynamoDb), tableName }));

    await expect(sweep()).rejects.toThrow(/current capacity/);

    expect(sfn.executions).toHaveLength(1);
    expect(published()).toEqual([expect.objectContaining({ BuildsStarted: 1, OpenBuildsFound: 1, StuckBuilds: 1 })]);
  });
});

describe('B. (item 8) Alarms page for trouble, not for work', () => {
  it('counts eleven deployments running past the grace period as open, not stuck, and a build whose execution ended unreported as stuck', async () => {
    for (let index = 0; index < 11; index += 1) {
      const key = aBuildKey();
      await putRaw(aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn: anExecutionOf(key, 40 * MINUTE), createdAt: nowSeconds() - 40 * MINUTE }));
    }
    const ended = aBuildKey();
    const endedArn = anExecutionOf(ended, 40 * MINUTE);
    sfn.completeExecution(endedArn, { status: 'TIMED_OUT', error: 'States.Timeout' });
    await putRaw(aGoBuildItem({ ...ended, status: 'IN_PROGRESS', executionArn: endedArn, createdAt: nowSeconds() - 40 * MINUTE }));
    const { sweep, published, logger } = aDeployer();

    const summary = await sweep();

    expect(published()).toEqual([expect.objectContaining({ OpenBuildsFound: 12, StuckBuilds: 1, BuildsCompletedByReconciliation: 1 })]);
    expect(summary).toMatchObject({ examined: 12, stuck: 1, completed: 1 });
    expect(logger.entries.filter((entry) => entry.message === 'Stuck build found by the sweeper').map((entry) => entry.attributes)).toEqual([
      expect.objectContaining({ buildId: idOf(ended), stuck: 'execution-ended', executionArn: endedArn }),
    ]);
  });
});

describe('C. (item 2) Nothing invisible: an unreadable open item', () => {
  it('is counted in UnreadableOpenItems and StuckBuilds and logged with its id and the reason, every sweep, and left as it is', async () => {
    const key = aBuildKey();
    const item = { ...aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn: anExecutionOf(key, DAY), createdAt: nowSeconds() - DAY }), created_at: { S: 'yesterday' } };
    await putRaw(item);
    const { sweep, published, logger } = aDeployer();

    await sweep();
    await sweep();

    expect(published()).toEqual([
      expect.objectContaining({ UnreadableOpenItems: 1, StuckBuilds: 1, OpenBuildsFound: 1 }),
      expect.objectContaining({ UnreadableOpenItems: 1, StuckBuilds: 1, OpenBuildsFound: 1 }),
    ]);
    const errors = logger.entries.filter((entry) => entry.level === 'error').map((entry) => entry.attributes);
    expect(errors).toEqual([
      expect.objectContaining({ buildId: idOf(key), status: 'IN_PROGRESS', reason: expect.stringMatching(/created_at/) }),
      expect.objectContaining({ buildId: idOf(key), status: 'IN_PROGRESS', reason: expect.stringMatching(/created_at/) }),
    ]);
    expect(await rawItem(key)).toStrictEqual(item);
  });
});

describe('D. (item 10) The sweeper does not skip a build it cannot explain', () => {
  it("ends an IN_PROGRESS build by the execution whose ARN it records, although that execution's input is {}", async () => {
    const key = aBuildKey();
    // Started by hand under the build's name, without its input, and recorded as the build's by another writer.
    const executionArn = sfn.startExecution(stateMachineArn, executionName(key), '{}', { startDate: new Date(Date.now() - DAY * 1000) });
    sfn.completeExecution(executionArn, { status: 'FAILED', error: 'States.TaskFailed', cause: 'Stack web-dev ended ROLLBACK_COMPLETE' });
    await putRaw(aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn, createdAt: nowSeconds() - DAY }));
    const { sweep, published } = aDeployer();

    const summary = await sweep();

    const item = await rawItem(key);
    expect(item?.status?.S).toBe('FAILED');
    expect(item?.execution_arn?.S).toBe(executionArn);
    expect(item?.error_msg?.S).toBe('execution FAILED: States.TaskFailed: Stack web-dev ended ROLLBACK_COMPLETE');
    expect(summary).toMatchObject({ completed: 1, stuck: 1, failed: 0 });
    expect(published()).toEqual([expect.objectContaining({ BuildsCompletedByReconciliation: 1, StuckBuilds: 1 })]);
  });

  it('counts and logs, and leaves open, a build it still cannot decide: no recorded ARN, an execution under its name without its input', async () => {
    const key = aBuildKey();
    const executionArn = sfn.startExecution(stateMachineArn, executionName(key), '{}');
    sfn.completeExecution(executionArn, { status: 'SUCCEEDED' });
    const item = aGoBuildItem({ ...key, status: 'IN_PROGRESS', createdAt: nowSeconds() - DAY });
    await putRaw(item);
    const { sweep, published, logger } = aDeployer();

    const summary = await sweep();

    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'IN_PROGRESS build not swept: its execution cannot be matched to it',
        attributes: expect.objectContaining({ buildId: idOf(key), executionArn, reason: expect.stringContaining('no build input') }),
      }),
    );
    expect(published()).toEqual([expect.objectContaining({ StuckBuilds: 1, BuildsCompletedByReconciliation: 0 })]);
    expect(summary).toMatchObject({ completed: 0, stuck: 1, failed: 1 });
    expect(await rawItem(key)).toStrictEqual(item);
  });

  // A guard, not a regression: it held before, and must still hold now that the recorded ARN decides.
  it('never ends a build by an execution that merely shares its derived name, when it records another', async () => {
    const key = aBuildKey();
    const own = sfn.startExecution(stateMachineArn, `manual-${key.sk}`, '{}');
    const namesake = anExecutionOf(key);
    sfn.completeExecution(namesake, { status: 'SUCCEEDED' });
    const item = aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn: own, createdAt: nowSeconds() - DAY });
    await putRaw(item);
    const { sweep } = aDeployer();

    await expect(sweep()).resolves.toMatchObject({ completed: 0, failed: 0 });

    expect(await rawItem(key)).toStrictEqual(item);
    expect(sfn.executions.find((execution) => execution.executionArn === own)?.status).toBe('RUNNING');
  });
});

describe('E. (item 4) A redriven success is not lost with its event', () => {
  it('records SUCCESS from the next sweep when the callback was refused and the event lost, for a build recorded FAILED 15 days ago', async () => {
    const key = aBuildKey();
    const executionArn = anExecutionOf(key, 15 * DAY);
    sfn.completeExecution(executionArn, { status: 'FAILED', error: 'States.TaskFailed', cause: 'Rate exceeded (CloudFormation)' });
    // Recorded FAILED when the execution first failed, 15 days ago; redriven on its last day and succeeded only now.
    const failedAt = nowSeconds() - 15 * DAY;
    await putRaw(aGoBuildItem({ ...key, status: 'FAILED', executionArn, errorMsg: 'execution FAILED', createdAt: failedAt, finishedAt: failedAt }));
    await sfnClient.send(new RedriveExecutionCommand({ executionArn }));
    sfn.completeExecution(executionArn, { status: 'SUCCEEDED' });
    const { sweep, updateBuildStatus, published } = aDeployer();

    // The state machine's report: refused (a callback never turns FAILED into SUCCESS). Its EventBridge event is lost.
    await expect(updateBuildStatus({ ...key, status: 'SUCCESS', execution_arn: executionArn })).resolves.toEqual({ outcome: 'refused', status: 'FAILED' });
    const marked = await rawItem(key);
    expect(marked?.status?.S).toBe('FAILED');
    expect(Number(marked?.redrive_pending_since?.N)).toBeGreaterThanOrEqual(nowSeconds() - MINUTE);
    expect(marked?.updated_at).toEqual(marked?.redrive_pending_since);

    await expect(sweep()).resolves.toMatchObject({ redrivePending: 1, completed: 1 });

    const item = await rawItem(key);
    expect(item?.status?.S).toBe('SUCCESS');
    expect(item?.execution_arn?.S).toBe(executionArn);
    expect(item?.error_msg).toBeUndefined();
    expect(item?.redrive_pending_since).toBeUndefined();
    expect(published()).toEqual([expect.objectContaining({ BuildsCompletedByReconciliation: 1, StuckBuilds: 0 })]);
    await expect(sweep()).resolves.toMatchObject({ redrivePending: 0 });
  });
});
