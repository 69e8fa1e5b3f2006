// Proves the Lambda functions' permissions (src/adapters/driving/lambda/permissions.ts,
// which docs/lambda.md prints and the CDK construct grants): every handler runs
// on the real adapters (DynamoDB Local, the local Step Functions endpoint), in
// the container the ready handlers build (createAwsContainer), through every
// path that sends something; its SDK clients record each command. Each
// request must be allowed by the function's policy, each action the policy
// grants the code must be sent by some path, and the platform's part may hold
// only what AWS documents Lambda sends with the function's role.
import { randomBytes } from 'node:crypto';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DynamoDbBuildRepository } from '../../../src/dynamodb.js';
import {
  LAMBDA_FUNCTIONS,
  LAMBDA_PERMISSIONS,
  policyDocumentOf,
  type LambdaFunctionName,
} from '../../../src/adapters/driving/lambda/permissions.js';
import {
  executionArnFor,
  executionName,
  parseStateMachineArn,
  serializeStepFunctionInput,
  toEpochSeconds,
  type BuildKey,
  type ConcurrencyPolicy,
} from '../../../src/index.js';
import {
  createAwsContainer,
  createExecutionStatusChangeHandler,
  createHttpApiHandler,
  createSweeperHandler,
  createTriggerBuildHandler,
  createUpdateBuildStatusHandler,
  httpApiServicesOf,
} from '../../../src/lambda.js';
import { RecordingLogger } from '../../../src/testing.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../dev/dynamodb-local/builds-table.js';
import { createIdempotencyTable } from '../../../dev/dynamodb-local/idempotency-table.js';
import { ksuidOf } from '../../../dev/ksuid.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../../dev/local-sfn/local-sfn-server.js';
import { allows, type Policy } from '../../support/iam-policy.js';
import { aBuildKey, aNewBuild, anInputFor } from '../../support/mothers/build.mother.js';
import { aCallbackPayload } from '../../support/mothers/callback-payload.mother.js';
import { anInsertOf, aStreamEvent } from '../../support/mothers/dynamodb-stream-event.mother.js';
import { anExecutionStatusChangeEvent, aScheduledEvent } from '../../support/mothers/eventbridge-event.mother.js';
import { anHttpApiEvent } from '../../support/mothers/http-api-event.mother.js';
import { aGoBuildItem } from '../../support/mothers/go-item.mother.js';
import { invokedByLambda } from '../../support/mothers/lambda-context.mother.js';
import { iamRequestsOf, recordCommands, type IamRequest, type SentCommand } from '../../support/recording-clients.js';
import { executionStatusChangeDeps, sweeperDeps, triggerBuildDeps, updateBuildStatusDeps } from '../../support/handler-deps.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const S3_BUCKET = 'my-artifacts-bucket';
const MINUTE_SECONDS = 60;
const DAY_SECONDS = 24 * 60 * MINUTE_SECONDS;

const dynamodbEndpoint = inject('dynamodbEndpoint');
const admin = dynamoDbClientFor(dynamodbEndpoint);
const tableName = uniqueTableName('lambda-iam');
const tableWithoutIndex = uniqueTableName('lambda-iam-no-index');
const idempotencyTableName = uniqueTableName('lambda-iam-idempotency');
const builds = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(admin), tableName });

let sfn: LocalStepFunctions;
let stateMachineArn: string;

/** What one function sent while deployed on one table. */
interface FunctionRun {
  readonly functionName: LambdaFunctionName;
  readonly tableName: string;
  readonly sent: SentCommand[];
}
const runs: FunctionRun[] = [];

/**
 * The container a ready handler builds (createAwsContainer), on the local
 * endpoints, under a concurrency policy (`DEPLOYMENT_CONCURRENCY`, `queue` by
 * default: one policy document serves every policy). Its clients are
 * recorded where createAwsContainer hands each one to its tracer, so the
 * commands are those of the real composition.
 */
function deployed(functionName: LambdaFunctionName, table = tableName, concurrency: ConcurrencyPolicy = 'queue') {
  const run: FunctionRun = { functionName, tableName: table, sent: [] };
  runs.push(run);
  const container = createAwsContainer({
    tableName: table,
    stateMachineArn,
    region: REGION,
    dynamodbEndpoint,
    stepFunctionsEndpoint: sfn.endpoint,
    // Only the HTTP API's function is told an idempotency table.
    ...(functionName === 'http-api' ? { idempotencyTableName } : {}),
    logger: new RecordingLogger(),
    concurrency,
    tracer: {
      captureAWSv3Client: <T>(client: T): T => {
        recordCommands(client as DynamoDBClient | SFNClient, run.sent);
        return client;
      },
    },
  });
  return container;
}

const statusOf = async (key: BuildKey, repository = builds) => (await repository.get(key))?.status;
const putRaw = (item: Parameters<typeof aGoBuildItem>[0], table = tableName) =>
  admin.send(new PutItemCommand({ TableName: table, Item: aGoBuildItem(item) }));
const nowSeconds = () => toEpochSeconds(new Date());
/** The build's own execution, started as trigger-build would have started it. */
const anExecutionOf = (key: BuildKey) =>
  sfn.startExecution(stateMachineArn, executionName(key), serializeStepFunctionInput(anInputFor(aNewBuild(key), { s3Bucket: S3_BUCKET })));

async function triggerBuildPaths(): Promise<void> {
  const triggerBuild = invokedByLambda(createTriggerBuildHandler({ ...triggerBuildDeps(deployed('trigger-build')), s3Bucket: S3_BUCKET }));

  // Started: claim, DescribeStateMachine (first start of the process), StartExecution, the IN_PROGRESS transaction.
  const started = await builds.create(aNewBuild());
  await expect(triggerBuild(aStreamEvent(anInsertOf(started)))).resolves.toEqual({ batchItemFailures: [] });
  expect(await statusOf(started)).toBe('IN_PROGRESS');

  // Claim refused: the build is no longer PENDING.
  await expect(triggerBuild(aStreamEvent(anInsertOf(started)))).resolves.toEqual({ batchItemFailures: [] });

  // The build's execution was started elsewhere, with another input: ExecutionAlreadyExists, which DescribeExecution confirms.
  const startedElsewhere = await builds.create(aNewBuild());
  const elsewhere = sfn.startExecution(
    stateMachineArn,
    executionName(startedElsewhere),
    serializeStepFunctionInput(anInputFor(startedElsewhere, { s3Bucket: 'elsewhere' })),
  );
  await triggerBuild(aStreamEvent(anInsertOf(startedElsewhere)));
  expect(await builds.get(startedElsewhere)).toMatchObject({ status: 'IN_PROGRESS', executionArn: elsewhere });

  // A permanent start error: it looks for an earlier attempt's execution, then records FAILED.
  const refused = await builds.create(aNewBuild());
  sfn.injectFault({ operation: 'StartExecution', fault: 'StateMachineDoesNotExist' });
  await triggerBuild(aStreamEvent(anInsertOf(refused)));
  expect(await statusOf(refused)).toBe('FAILED');

  // Under queue (the default), a deployment started outside the lock (by Go: IN_PROGRESS, no lock) is given the
  // environment's lock: the claim's lock is released (DeleteItem) and adopted for it (ConditionCheckItem and Put);
  // the new build waits.
  const goRunning = aBuildKey();
  await putRaw({ ...goRunning, status: 'IN_PROGRESS', executionArn: anExecutionOf(goRunning) });
  const behindGo = await builds.create(aNewBuild({ repo: goRunning.repo, env: goRunning.env }));
  await expect(triggerBuild(aStreamEvent(anInsertOf(behindGo)))).resolves.toEqual({ batchItemFailures: [] });
  expect(await statusOf(behindGo)).toBe('PENDING');
  expect(await builds.getEnvironmentLock(goRunning.repo, goRunning.env)).toMatchObject({ holder: goRunning.sk, adopted: true });

  // A transient one, past the starter's own attempts: the record is reported, the build stays PENDING.
  const throttled = await builds.create(aNewBuild());
  sfn.injectFault({ operation: 'StartExecution', fault: 'ExecutionLimitExceeded', times: 3 });
  const record = anInsertOf(throttled);
  await expect(triggerBuild(aStreamEvent(record))).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber }] });
  expect(await statusOf(throttled)).toBe('PENDING');

  // Under parallel, with the same policy: the claim is one conditional UpdateItem, and a refused one reads the build
  // (GetItem) when the refusal does not return it (DynamoDB Local never does on a single UpdateItem).
  const triggerBuildInParallel = invokedByLambda(
    createTriggerBuildHandler({ ...triggerBuildDeps(deployed('trigger-build', tableName, 'parallel')), s3Bucket: S3_BUCKET }),
  );
  const startedInParallel = await builds.create(aNewBuild());
  await expect(triggerBuildInParallel(aStreamEvent(anInsertOf(startedInParallel)))).resolves.toEqual({ batchItemFailures: [] });
  await expect(triggerBuildInParallel(aStreamEvent(anInsertOf(startedInParallel)))).resolves.toEqual({ batchItemFailures: [] });
  expect(await statusOf(startedInParallel)).toBe('IN_PROGRESS');
}

async function updateBuildStatusPaths(): Promise<void> {
  const updateBuildStatus = invokedByLambda(createUpdateBuildStatusHandler(updateBuildStatusDeps(deployed('update-build-status'))));
  const key = aBuildKey();
  const executionArn = anExecutionOf(key);
  await putRaw({ ...key, status: 'IN_PROGRESS', executionArn });

  await expect(updateBuildStatus(aCallbackPayload(key, { execution_arn: executionArn }))).resolves.toEqual({ outcome: 'completed', status: 'SUCCESS' });
  await expect(updateBuildStatus(aCallbackPayload(key, { status: 'FAILED', error_msg: 'late' }))).resolves.toEqual({
    outcome: 'refused',
    status: 'SUCCESS',
  });
  // An operator's run with the build's input reports too: the build is read to tell it is not its own.
  const byHand = sfn.startExecution(stateMachineArn, `by-hand-${key.sk}`, '{}');
  await expect(updateBuildStatus(aCallbackPayload(key, { execution_arn: byHand }))).resolves.toEqual({ outcome: 'not-a-build', status: 'SUCCESS' });
}

async function executionStatusChangePaths(): Promise<void> {
  const executionStatusChange = invokedByLambda(createExecutionStatusChangeHandler({ ...executionStatusChangeDeps(deployed('execution-status-change')), stateMachineArn }));
  const key = aBuildKey();
  const executionArn = anExecutionOf(key);
  await putRaw({ ...key, status: 'IN_PROGRESS', executionArn });
  sfn.completeExecution(executionArn, { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'ran too long' });

  await expect(executionStatusChange(anExecutionStatusChangeEvent({ executionArn, stateMachineArn, status: 'TIMED_OUT' }))).resolves.toMatchObject({
    outcome: 'completed',
    status: 'FAILED',
  });
}

async function sweeperPaths(): Promise<void> {
  // From the status index: an IN_PROGRESS build whose end was never reported, a PENDING build whose record was lost.
  const sweep = invokedByLambda(createSweeperHandler({ ...sweeperDeps(deployed('sweeper')), s3Bucket: S3_BUCKET }));
  const unreported = aBuildKey();
  const unreportedArn = anExecutionOf(unreported);
  sfn.completeExecution(unreportedArn, { status: 'SUCCEEDED', output: '{}' });
  await putRaw({ ...unreported, status: 'IN_PROGRESS', executionArn: unreportedArn, createdAt: nowSeconds() - DAY_SECONDS });
  const lost = aBuildKey();
  await putRaw({ ...lost, createdAt: nowSeconds() - 10 * MINUTE_SECONDS });

  // A PENDING build past its grace period behind a deployment Go started: the sweeper gives that deployment the lock
  // (as trigger-build does), and the build waits.
  const goRunning = aBuildKey();
  await putRaw({ ...goRunning, status: 'IN_PROGRESS', executionArn: anExecutionOf(goRunning), createdAt: nowSeconds() - DAY_SECONDS });
  const behindGo = { ...aBuildKey(), repo: goRunning.repo, env: goRunning.env };
  await putRaw({ ...behindGo, createdAt: nowSeconds() - 10 * MINUTE_SECONDS });
  // A lock whose holder ended without releasing it (its end recorded by a writer that does not release locks).
  const staleHolder = await builds.create(aNewBuild());
  await builds.claimStart(staleHolder, 'an-attempt', { environmentLock: { policy: 'queue', at: new Date() } });
  await builds.recordCompletion(staleHolder, { status: 'FAILED', errorMsg: 'ended elsewhere' }, new Date());

  await expect(sweep(aScheduledEvent())).resolves.toMatchObject({ mode: 'status-index', failed: 0, locksReleased: 1 });
  expect([await statusOf(unreported), await statusOf(lost), await statusOf(behindGo)]).toEqual(['SUCCESS', 'IN_PROGRESS', 'PENDING']);
  expect(await builds.getEnvironmentLock(goRunning.repo, goRunning.env)).toMatchObject({ holder: goRunning.sk, adopted: true });
  expect(await builds.getEnvironmentLock(staleHolder.repo, staleHolder.env)).toBeUndefined();

  // Without the index: the executions of the last day, each asked how it ended.
  const sweepWithoutIndex = invokedByLambda(createSweeperHandler({ ...sweeperDeps(deployed('sweeper', tableWithoutIndex)), s3Bucket: S3_BUCKET }));
  const old = aBuildKey();
  const oldArn = anExecutionOf(old);
  sfn.completeExecution(oldArn, { status: 'SUCCEEDED', output: '{}' });
  await putRaw({ ...old, status: 'IN_PROGRESS', executionArn: oldArn }, tableWithoutIndex);

  await expect(sweepWithoutIndex(aScheduledEvent())).resolves.toMatchObject({ mode: 'execution-window' });
  expect(await statusOf(old, new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(admin), tableName: tableWithoutIndex }))).toBe('SUCCESS');
}

async function httpApiPaths(): Promise<void> {
  const container = deployed('http-api');
  const handler = invokedByLambda(createHttpApiHandler({ services: httpApiServicesOf(container), logger: new RecordingLogger() }));
  const send = async (method: string, path: string, options: { key?: string; body?: unknown; query?: string } = {}) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const result = await handler(
      anHttpApiEvent({
        method,
        path,
        ...(options.query === undefined ? {} : { query: options.query }),
        headers: { ...(options.key === undefined ? {} : { 'idempotency-key': options.key }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body }),
      }),
    );
    return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') as Record<string, unknown> };
  };
  const base = (key: { repo: string; env: string }) => `/repos/${key.repo}/envs/${key.env}`;

  // Reads: a page (Query), a page of one status (Query, filtered), a build (GetItem). The history is minutes old, so
  // the builds recorded now sort after it.
  const minutesAgo = (minutes: number) => ksuidOf(new Date(Date.now() - minutes * 60_000), randomBytes(16));
  const older = { ...aBuildKey(), sk: minutesAgo(10) };
  await putRaw({ ...older, status: 'SUCCESS', version: '1.0.0' });
  const newer = { ...older, sk: minutesAgo(5) };
  await putRaw({ ...newer, status: 'SUCCESS', version: '2.0.0' });
  expect((await send('GET', `${base(older)}/builds`)).status).toBe(200);
  expect((await send('GET', `${base(older)}/builds`, { query: 'status=SUCCESS&limit=1' })).status).toBe(200);
  expect((await send('GET', `${base(older)}/builds/${newer.sk}`)).status).toBe(200);

  // A redeploy with a key: the key taken (PutItem) and completed (UpdateItem); the build and its pointer (PutItem, PutItem).
  const redeploy = await send('POST', `${base(newer)}/builds/${newer.sk}/redeploy`, { key: 'redeploy-1' });
  expect(redeploy.status).toBe(202);
  // Its retry: the key's PutItem refused, the record read (GetItem: DynamoDB Local does not return it), the first result.
  expect((await send('POST', `${base(newer)}/builds/${newer.sk}/redeploy`, { key: 'redeploy-1' })).body).toEqual(redeploy.body);
  // The latest: the pointers' Query, the builds they name (BatchGetItem).
  expect((await send('GET', `${base(older)}/latest`)).status).toBe(200);

  // A rollback: the successes (Query), the new build, the line (Query), a waiting build superseded (UpdateItem, PutItem).
  const waitingBehind = { ...older, sk: minutesAgo(1) };
  await putRaw({ ...waitingBehind, status: 'PENDING', version: '3.0.0' });
  expect((await send('POST', `${base(older)}/rollback`, { key: 'rollback-1' })).status).toBe(202);
  expect(await statusOf(waitingBehind)).toBe('FAILED');
  // A refused rollback gives its key up (DeleteItem on the idempotency table).
  expect((await send('POST', `${base(older)}/rollback`, { key: 'rollback-2', body: { to: aBuildKey().sk } })).status).toBe(404);

  // A waiting build cancelled (UpdateItem, PutItem).
  const waiting = await builds.create(aNewBuild());
  expect((await send('POST', `${base(waiting)}/builds/${waiting.sk}/cancel`)).status).toBe(202);

  // A running build cancelled with force: its lock kept (ConditionCheckItem, UpdateItem), its execution stopped
  // (DescribeExecution, StopExecution), its end recorded (UpdateItem, PutItem).
  const running = aBuildKey();
  await putRaw({ ...running, status: 'IN_PROGRESS', executionArn: anExecutionOf(running) });
  expect((await send('POST', `${base(running)}/builds/${running.sk}/cancel`, { body: { force: true } })).status).toBe(202);
  expect(await builds.getEnvironmentLock(running.repo, running.env)).toMatchObject({ holder: running.sk });

  // A failed build whose execution timed out, redriven: DescribeExecution, its mark and the lock (UpdateItem, PutItem), the newer
  // builds (Query), RedriveExecution. (An execution that FAILED is refused: the workflow's failure path would fail again.)
  const failed = aBuildKey();
  const failedArn = anExecutionOf(failed);
  sfn.completeExecution(failedArn, { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'the execution timed out' });
  await putRaw({ ...failed, status: 'FAILED', executionArn: failedArn });
  expect((await send('POST', `${base(failed)}/builds/${failed.sk}/redrive`)).status).toBe(202);

  // A redrive refused once it holds the lock, a newer build having started: its mark cleared (UpdateItem), the lock
  // given back (DeleteItem).
  const overtaken = aBuildKey();
  const overtakenArn = anExecutionOf(overtaken);
  sfn.completeExecution(overtakenArn, { status: 'ABORTED', error: 'Cancelled', cause: 'stopped by an operator' });
  await putRaw({ ...overtaken, status: 'FAILED', executionArn: overtakenArn });
  const started = { ...aBuildKey(), repo: overtaken.repo, env: overtaken.env };
  await putRaw({ ...started, status: 'SUCCESS', executionArn: anExecutionOf(started) });
  expect((await send('POST', `${base(overtaken)}/builds/${overtaken.sk}/redrive`)).status).toBe(409);
  expect(await builds.getEnvironmentLock(overtaken.repo, overtaken.env)).toBeUndefined();
}

/** The function's policy on this deployment's resources, as the docs print it with the placeholders filled in. */
function policyOf(run: FunctionRun): Policy {
  const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${run.tableName}`;
  return policyDocumentOf(run.functionName, {
    table,
    'status-index': `${table}/index/status-updated_at-index`,
    'table-stream': `${table}/stream/*`,
    'state-machine': stateMachineArn,
    executions: executionArnFor(parseStateMachineArn(stateMachineArn), '*'),
    'idempotency-table': `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${idempotencyTableName}`,
    'failure-queue': `arn:aws:sqs:${REGION}:${ACCOUNT}:aws-deployer-${run.functionName}-failures`,
    'log-group': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/aws-deployer-${run.functionName}:*`,
  });
}

const requestsOf = (run: FunctionRun): IamRequest[] => run.sent.flatMap((command) => iamRequestsOf(command, { region: REGION, account: ACCOUNT }));

// What Lambda sends with a function's role, as AWS documents it (the sources are cited in permissions.ts):
// the stream poller of an event source mapping, a failure destination, the log delivery.
const STREAM_POLLER = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];
const FAILURE_DESTINATION = ['sqs:SendMessage'];
const LOG_DELIVERY = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const PLATFORM_SENDS: { readonly [F in LambdaFunctionName]: readonly string[] } = {
  'trigger-build': [...STREAM_POLLER, ...FAILURE_DESTINATION, ...LOG_DELIVERY],
  'update-build-status': LOG_DELIVERY,
  'execution-status-change': [...FAILURE_DESTINATION, ...LOG_DELIVERY],
  sweeper: LOG_DELIVERY,
  'http-api': LOG_DELIVERY,
};

beforeAll(async () => {
  // createAwsContainer's clients read credentials as in Lambda, from the environment.
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  sfn = await startLocalStepFunctions();
  stateMachineArn = sfn.createStateMachine('deployment');
  await createBuildsTable(admin, tableName);
  await createBuildsTable(admin, tableWithoutIndex, { statusIndex: false });
  await createIdempotencyTable(admin, idempotencyTableName);
  await triggerBuildPaths();
  await updateBuildStatusPaths();
  await executionStatusChangePaths();
  await sweeperPaths();
  await httpApiPaths();
});

afterAll(async () => {
  await sfn?.close();
  await deleteTable(admin, tableName);
  await deleteTable(admin, tableWithoutIndex);
  await deleteTable(admin, idempotencyTableName);
  admin.destroy();
  vi.unstubAllEnvs();
});

describe.each(LAMBDA_FUNCTIONS)('the %s function', (functionName) => {
  const runsOfFunction = () => runs.filter((run) => run.functionName === functionName);

  it('is allowed every request its code sent, each on its resource', () => {
    const refused = runsOfFunction().flatMap((run) =>
      requestsOf(run)
        .filter((request) => !policyOf(run).Statement.some((statement) => allows(statement, request)))
        .map((request) => `${request.action} on ${request.resource}`),
    );

    expect(runsOfFunction().flatMap(requestsOf).length).toBeGreaterThan(0);
    expect([...new Set(refused)]).toEqual([]);
  });

  it('is granted for its code only actions some request needed', () => {
    const granted = LAMBDA_PERMISSIONS[functionName]
      .filter((permission) => permission.sentBy === 'code')
      .flatMap((permission) => permission.actions.map((action) => ({ sid: permission.sid, action })));
    const neededBySomeRequest = ({ sid, action }: { sid: string; action: string }) =>
      runsOfFunction().some((run) => {
        const statement = policyOf(run).Statement.find((candidate) => candidate.Sid === sid);
        return statement !== undefined && requestsOf(run).some((request) => allows({ ...statement, Action: action }, request));
      });

    expect(granted.length).toBeGreaterThan(0);
    expect(granted.filter((grant) => !neededBySomeRequest(grant)).map(({ sid, action }) => `${sid}: ${action}`)).toEqual([]);
  });

  it("is granted for the platform only what Lambda sends with the function's role", () => {
    const platform = LAMBDA_PERMISSIONS[functionName].filter((permission) => permission.sentBy === 'platform').flatMap((permission) => permission.actions);

    expect([...platform].sort()).toEqual([...PLATFORM_SENDS[functionName]].sort());
  });

  it('names every action whole, never with a wildcard', () => {
    const actions = LAMBDA_PERMISSIONS[functionName].flatMap((permission) => permission.actions);

    expect(actions.filter((action) => !/^[a-z0-9-]+:[A-Za-z]+$/.test(action))).toEqual([]);
  });
});
