// The Orchestrator as composed for production (createContainer with the
// DynamoDB and Step Functions adapters), against DynamoDB Local and the local
// Step Functions endpoint: real SDK clients on both sides, no mocks.
import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { type SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, inject } from 'vitest';
import { DynamoDbBuildRepository } from '../../src/dynamodb.js';
import { SfnExecutionStarter } from '../../src/sfn.js';
import {
  BuildNotFoundError,
  EnvironmentBusyError,
  Orchestrator,
  PERMANENT_START_ERROR_CODES,
  PermanentExecutionStartError,
  TransientExecutionStartError,
  createContainer,
  type BuildKey,
  type ConcurrencyPolicy,
  type NewBuild,
} from '../../src/index.js';
import { ManualClock, RecordingLogger } from '../../src/testing.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../dev/dynamodb-local/builds-table.js';
import { statusChangesOf, streamsClientFor, tableStreamRecords } from '../../dev/dynamodb-local/table-stream.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../dev/local-sfn/local-sfn-server.js';
import { aNewBuild, aSortKey, aUniqueScope, anInputFor } from '../support/mothers/build.mother.js';
import { sfnClientFor } from '../../dev/local-sfn/sfn-client.js';

type RawItem = Record<string, AttributeValue>;

const dynamoDbEndpoint = inject('dynamodbEndpoint');
const dynamoDb = dynamoDbClientFor(dynamoDbEndpoint);
const streams = streamsClientFor(dynamoDbEndpoint);
const tableName = uniqueTableName('orchestrator');
const buildRepository = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(dynamoDb), tableName });

const STATE_MACHINE_NAME = 'deployment';
const EXECUTION_ARN_PREFIX = `arn:aws:states:us-east-1:123456789012:execution:${STATE_MACHINE_NAME}:`;
const CREATED_AT = new Date('2026-03-01T10:00:00Z');
const STARTED_AT = new Date('2026-03-01T10:00:01.500Z');
const FINISHED_AT = new Date('2026-03-01T10:07:30Z');

let sfn: LocalStepFunctions;
let sfnClient: SFNClient;
let stateMachineArn: string;

beforeAll(async () => {
  await createBuildsTable(dynamoDb, tableName);
  sfn = await startLocalStepFunctions();
  // One SDK retry: enough to see it absorb a fault, short enough (throttling
  // back-off is up to a second a retry) to keep the file fast.
  sfnClient = sfnClientFor(sfn.endpoint, { maxAttempts: 2 });
});

afterAll(async () => {
  sfnClient?.destroy();
  streams.destroy();
  await sfn?.close();
  await deleteTable(dynamoDb, tableName);
  dynamoDb.destroy();
});

// Every test starts on an endpoint with no executions, faults or call counts.
beforeEach(() => {
  stateMachineArn = resetStepFunctions();
});

/** Forgets executions, faults and call counts; the state machine comes back under the same ARN. */
function resetStepFunctions(): string {
  sfn.reset();
  return sfn.createStateMachine(STATE_MACHINE_NAME);
}

/**
 * The production composition, with a fresh starter (its STANDARD check is
 * cached per instance). `parallel` by default: these tests are about one
 * build's start; the environment lock's part is in the `queue` block below.
 */
function anOrchestrator(concurrency: ConcurrencyPolicy = 'parallel') {
  const executionStarter = new SfnExecutionStarter({
    client: sfnClient,
    stateMachineArn,
    limitExceededAttempts: 2,
    limitExceededBaseDelayMs: 5,
  });
  const logger = new RecordingLogger();
  const clock = new ManualClock(STARTED_AT);
  const container = createContainer({ buildRepository, executionStarter, logger, clock, concurrency });
  return { orchestrator: container.get(Orchestrator), logger, clock };
}

async function aPendingBuild(overrides: Partial<NewBuild> = {}): Promise<NewBuild> {
  const build = aNewBuild(overrides);
  await buildRepository.create(build, CREATED_AT);
  return build;
}

function executionArnOf(key: BuildKey): string {
  return `${EXECUTION_ARN_PREFIX}${key.repo}-${key.env}-${key.sk}`;
}

function epochSeconds(date: Date): string {
  return String(Math.floor(date.getTime() / 1000));
}

async function rawItem(pk: string, sk: string): Promise<RawItem | undefined> {
  const { Item } = await dynamoDb.send(
    new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }),
  );
  return Item;
}

function rawBuildItem(key: BuildKey): Promise<RawItem | undefined> {
  return rawItem(`${key.repo}/${key.env}`, key.sk);
}

function rawPointerItem(scope: { repo: string; env: string }): Promise<RawItem | undefined> {
  return rawItem(`latest/${scope.env}`, `${scope.repo}/${scope.env}`);
}

/** Both items a start may touch, as stored: the build and its env's latest pointer. */
async function rawState(key: BuildKey): Promise<{ build: RawItem | undefined; pointer: RawItem | undefined }> {
  return { build: await rawBuildItem(key), pointer: await rawPointerItem(key) };
}

function outcomesLogged(logger: RecordingLogger): unknown[] {
  return logger.entries
    .filter((entry) => entry.message === 'Execution recorded')
    .map((entry) => entry.attributes.outcome);
}

/** The status changes of one build item, as the table's stream saw them. */
async function statusChangesOnStream(key: BuildKey): Promise<string[]> {
  return statusChangesOf(await tableStreamRecords(dynamoDb, streams, tableName), key);
}

describe('Orchestrator on DynamoDB Local and the local Step Functions endpoint', () => {
  it('starts the build execution with the exact wire input and records IN_PROGRESS with its ARN', async () => {
    const { orchestrator } = anOrchestrator();
    const build = await aPendingBuild({ repo: 'myapp', env: 'prd', sk: aSortKey() });

    const arn = await orchestrator.startExecution(anInputFor(build));

    expect(arn).toBe(`${EXECUTION_ARN_PREFIX}myapp-prd-${build.sk}`);
    expect(await rawBuildItem(build)).toMatchObject({
      status: { S: 'IN_PROGRESS' },
      execution_arn: { S: arn },
      created_at: { N: epochSeconds(CREATED_AT) },
      updated_at: { N: epochSeconds(STARTED_AT) },
    });
    expect(sfn.executions).toHaveLength(1);
    expect(sfn.executions[0]).toMatchObject({
      executionArn: arn,
      name: `myapp-prd-${build.sk}`,
      status: 'RUNNING',
      input:
        `{"repo":"myapp","env":"prd","branch":"main","version":"1.2.3","sk":"${build.sk}",` +
        '"commit_hash":"abc123","s3_bucket":"my-artifacts-bucket","s3_key":"myapp/main/1.2.3"}',
    });
  });

  it('turns 50 concurrent duplicate starts into one execution and one PENDING -> IN_PROGRESS transition', async () => {
    const { orchestrator, logger } = anOrchestrator();
    const build = await aPendingBuild();

    const arns = await Promise.all(Array.from({ length: 50 }, () => orchestrator.startExecution(anInputFor(build))));

    expect(new Set(arns)).toEqual(new Set([executionArnOf(build)]));
    expect(sfn.executions).toHaveLength(1);
    expect(await statusChangesOnStream(build)).toEqual(['(none) -> PENDING', 'PENDING -> IN_PROGRESS']);
    const outcomes = outcomesLogged(logger);
    expect(outcomes.filter((outcome) => outcome === 'started')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'already-started')).toHaveLength(49);
    expect(await rawBuildItem(build)).toMatchObject({ status: { S: 'IN_PROGRESS' }, execution_arn: { S: executionArnOf(build) } });
  });

  it('answers a replay after SUCCESS with the same ARN, changing nothing and starting nothing', async () => {
    const { orchestrator, clock } = anOrchestrator();
    const build = await aPendingBuild();
    const arn = await orchestrator.startExecution(anInputFor(build));
    sfn.completeExecution(arn, { status: 'SUCCEEDED' });
    await buildRepository.recordCompletion(build, { status: 'SUCCESS' }, FINISHED_AT);
    const before = await rawState(build);
    const streamBefore = await statusChangesOnStream(build);
    clock.set(new Date('2026-03-01T11:00:00Z'));

    const replayed = await orchestrator.startExecution(anInputFor(build));

    expect(replayed).toBe(arn);
    expect(before.build).toMatchObject({ status: { S: 'SUCCESS' }, execution_arn: { S: arn } });
    expect(await rawState(build)).toStrictEqual(before);
    expect(await statusChangesOnStream(build)).toEqual(streamBefore);
    expect(sfn.executions).toHaveLength(1);
  });

  it('keeps the latest pointer on the newer build when two builds start newest first', async () => {
    const { orchestrator } = anOrchestrator();
    const scope = aUniqueScope();
    const older = await aPendingBuild({ ...scope, sk: aSortKey() });
    const newer = await aPendingBuild({ ...scope, sk: aSortKey() });

    await orchestrator.startExecution(anInputFor(newer));
    await orchestrator.startExecution(anInputFor(older));

    const latest = await buildRepository.latestBuilds(scope.env);
    expect(latest.map((build) => [build.sk, build.status, build.executionArn])).toEqual([
      [newer.sk, 'IN_PROGRESS', executionArnOf(newer)],
    ]);
    expect(await rawPointerItem(scope)).toMatchObject({
      id: { S: `${scope.repo}/${scope.env}:${newer.sk}` },
      status: { S: 'IN_PROGRESS' },
    });
    expect(await rawBuildItem(older)).toMatchObject({ status: { S: 'IN_PROGRESS' }, execution_arn: { S: executionArnOf(older) } });
    expect(sfn.executions).toHaveLength(2);
  });

  // InvalidName cannot come back from a real start: execution names are derived, always valid.
  const PERMANENT_CODES = [
    'StateMachineDoesNotExist',
    'StateMachineDeleting',
    'KmsAccessDeniedException',
    'KmsInvalidStateException',
    'InvalidExecutionInput',
    'ValidationException',
    'InvalidArn',
  ];

  it('injects every permanent code the domain knows, except InvalidName', () => {
    expect([...PERMANENT_CODES, 'InvalidName'].sort()).toEqual([...PERMANENT_START_ERROR_CODES].sort());
  });

  it.each(PERMANENT_CODES)('reports %s as permanent, leaving the build PENDING byte for byte', async (code) => {
    const { orchestrator } = anOrchestrator();
    const build = await aPendingBuild();
    const before = await rawState(build);
    sfn.injectFault({ operation: 'StartExecution', fault: code });

    const error = await orchestrator.startExecution(anInputFor(build)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PermanentExecutionStartError);
    expect(error).toMatchObject({ awsErrorCode: code, retryable: false });
    expect(before.build).toMatchObject({ status: { S: 'PENDING' } });
    expect(await rawState(build)).toStrictEqual(before);
    expect(sfn.executions).toHaveLength(0);
    expect(sfn.callCount('StartExecution')).toBe(1);
  });

  it.each([
    ['ThrottlingException', 'beyond the SDK retries'],
    ['InternalServerError', '(500) beyond the SDK retries'],
    ['ServiceUnavailable', '(503) beyond the SDK retries'],
    ['ExecutionLimitExceeded', "beyond the starter's own retries"],
    ['KmsThrottlingException', "beyond the starter's own retries"],
    ['ConnectionReset', 'beyond the SDK retries'],
  ])('reports a persisting %s %s as transient, changes nothing, and a later retry starts one execution', async (fault) => {
    const { orchestrator } = anOrchestrator();
    const build = await aPendingBuild();
    const before = await rawState(build);
    sfn.injectFault({ operation: 'StartExecution', fault, times: 100 });

    const error = await orchestrator.startExecution(anInputFor(build)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TransientExecutionStartError);
    expect(error).toMatchObject({ retryable: true });
    expect(sfn.callCount('StartExecution')).toBe(2);
    expect(await rawState(build)).toStrictEqual(before);
    expect(sfn.executions).toHaveLength(0);

    resetStepFunctions();
    const arn = await orchestrator.startExecution(anInputFor(build));

    expect(arn).toBe(executionArnOf(build));
    expect(sfn.executions).toHaveLength(1);
    expect(await rawBuildItem(build)).toMatchObject({ status: { S: 'IN_PROGRESS' }, execution_arn: { S: arn } });
  });

  it('ends with one execution when the answer to a start that took effect is a 500 (the SDK retry finds it)', async () => {
    const { orchestrator } = anOrchestrator();
    const build = await aPendingBuild();
    sfn.injectFault({ operation: 'StartExecution', fault: 'InternalServerError', afterApply: true });

    const arn = await orchestrator.startExecution(anInputFor(build));

    expect(arn).toBe(executionArnOf(build));
    expect(sfn.callCount('StartExecution')).toBe(2);
    expect(sfn.executions).toHaveLength(1);
    expect(await rawBuildItem(build)).toMatchObject({ status: { S: 'IN_PROGRESS' }, execution_arn: { S: arn } });
  });

  it('ends with one execution when every answer to a start that took effect is lost and the start is redelivered', async () => {
    const { orchestrator } = anOrchestrator();
    const build = await aPendingBuild();
    // Both SDK attempts reach the endpoint (the first starts the execution) and both answers are 500s.
    sfn.injectFault({ operation: 'StartExecution', fault: 'InternalServerError', afterApply: true, times: 2 });

    const error = await orchestrator.startExecution(anInputFor(build)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientExecutionStartError);
    expect(sfn.executions).toHaveLength(1);
    expect(await rawBuildItem(build)).toMatchObject({ status: { S: 'PENDING' } });

    const arn = await orchestrator.startExecution(anInputFor(build));

    expect(arn).toBe(executionArnOf(build));
    expect(sfn.executions).toHaveLength(1);
    expect(await rawBuildItem(build)).toMatchObject({ status: { S: 'IN_PROGRESS' }, execution_arn: { S: arn } });
    expect(await statusChangesOnStream(build)).toEqual(['(none) -> PENDING', 'PENDING -> IN_PROGRESS']);
  });

  describe('under queue (the default): the build and its environment are claimed first', () => {
    it('turns 50 concurrent duplicate starts into one execution and one PENDING -> IN_PROGRESS transition', async () => {
      const { orchestrator } = anOrchestrator('queue');
      const build = await aPendingBuild();

      const arns = await Promise.all(Array.from({ length: 50 }, () => orchestrator.startExecution(anInputFor(build))));

      expect(new Set(arns)).toEqual(new Set([executionArnOf(build)]));
      expect(sfn.executions).toHaveLength(1);
      // Each claim is a write that leaves the status as it is (PENDING -> PENDING): one status change.
      const changes = (await statusChangesOnStream(build)).filter((change) => change !== 'PENDING -> PENDING');
      expect(changes).toEqual(['(none) -> PENDING', 'PENDING -> IN_PROGRESS']);
    });

    it('refuses a build missing from the table before anything starts', async () => {
      const { orchestrator } = anOrchestrator('queue');
      const missing = aNewBuild();

      await expect(orchestrator.startExecution(anInputFor(missing))).rejects.toBeInstanceOf(BuildNotFoundError);
      expect(sfn.executions).toHaveLength(0);
    });

    it('throws EnvironmentBusyError naming the holder while another build of the environment deploys, starting nothing', async () => {
      const { orchestrator } = anOrchestrator('queue');
      const scope = aUniqueScope();
      const first = await aPendingBuild({ ...scope, sk: aSortKey() });
      const second = await aPendingBuild({ ...scope, sk: aSortKey() });
      await orchestrator.startExecution(anInputFor(first));

      const error = await orchestrator.startExecution(anInputFor(second)).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EnvironmentBusyError);
      expect(String(error)).toContain(`${first.repo}/${first.env}:${first.sk}`);
      expect(sfn.executions).toHaveLength(1);
      expect(await rawBuildItem(second)).toMatchObject({ status: { S: 'PENDING' }, waiting_for: { S: `${first.repo}/${first.env}:${first.sk}` } });
    });
  });
});
