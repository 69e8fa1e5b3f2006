/**
 * Starts and stops the local stack: DynamoDB Local with the builds table and
 * its stream, a local Step Functions endpoint running the deployment
 * workflow's ASL, the stream poller feeding trigger-build, and the Lambda
 * handlers built exactly as in AWS (`createAwsContainer`), pointed at the
 * local endpoints; with `httpApi`, the HTTP API's handler too, served on
 * 127.0.0.1 with an idempotency table of its own.
 */
import { randomBytes } from 'node:crypto';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBRecord } from 'aws-lambda';
import {
  createAwsContainer,
  createHttpApiHandler,
  createTriggerBuildHandler,
  createUpdateBuildStatusHandler,
  httpApiServicesOf,
  type AwsContainerOptions,
  type UpdateBuildStatusHandler,
} from '../../src/lambda.js';
import {
  DEFAULT_CONCURRENCY_POLICY,
  RecordCompletionService,
  TOKENS,
  TriggerBuildService,
  buildIdOf,
  type BuildRepository,
  type ConcurrencyPolicy,
} from '../../src/index.js';
import { RecordingLogger, type LogEntry } from '../../src/testing.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor } from '../dynamodb-local/builds-table.js';
import { startDynamoDbLocal, type DynamoDbLocalBackend } from '../dynamodb-local/dynamodb-local.js';
import { createIdempotencyTable } from '../dynamodb-local/idempotency-table.js';
import { latestStreamArn, streamsClientFor } from '../dynamodb-local/table-stream.js';
import { invocationContext } from '../lambda-context.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../local-sfn/local-sfn-server.js';
import { createAslRunner } from './asl-runner.js';
import { CloudFormationStandIn, type StackRefusal, type StackStatusChange } from './cloudformation-stand-ins.js';
import {
  LOCAL_SUBSTITUTIONS,
  SETTLE_WAIT_STATE,
  STACK_POLL_WAIT_STATE,
  readDeploymentDefinitionText,
  substituteDefinition,
} from './deployment-definition.js';
import { deploymentTasks } from './deployment-tasks.js';
import { startHttpApiServer } from './http-api-server.js';

/** Who every request to the local HTTP API is recorded as (`requested_by`): nobody signs requests locally. */
const LOCAL_CALLER = 'local';
import { lifecycleChangeOf, lockChangeOf, type LifecycleChange, type LockChange } from './lifecycle.js';
import { startStreamPoller, type PollerEvent, type StreamPoller } from './stream-poller.js';
import { triggerBuildFilter } from './trigger-build-filter.js';

/** One entry a local Lambda function logged; `source` names the function, e.g. `trigger-build`. */
export interface LambdaLogEntry extends LogEntry {
  readonly source: string;
}

/** A build end update-build-status recorded: its write was done by `at`. */
export interface RecordedEnd {
  /** `{repo}/{env}:{sk}` */
  readonly buildId: string;
  readonly status: string;
  /** When the handler returned, its write done. */
  readonly at: Date;
}

/** Everything the stack reports while it runs, in the order it happens. */
export type StackEvent =
  | { readonly type: 'lifecycle'; readonly change: LifecycleChange; readonly sequenceNumber: string | undefined }
  | { readonly type: 'lock'; readonly change: LockChange; readonly sequenceNumber: string | undefined }
  | { readonly type: 'stack'; readonly change: StackStatusChange }
  | { readonly type: 'stack-refused'; readonly refusal: StackRefusal }
  | { readonly type: 'poller'; readonly event: PollerEvent }
  | { readonly type: 'log'; readonly entry: LambdaLogEntry };

export type StackListener = (event: StackEvent) => void;

export interface LocalStackOptions {
  /**
   * A DynamoDB Local that is already running (e.g. the integration tests').
   * Without it one is started with `startDynamoDbLocal()` (Testcontainers
   * where a container runtime exists, else the JVM) and stopped with the stack.
   */
  readonly dynamodbEndpoint?: string;
  /** Default `dev-aws-deployer--builds`, with a random suffix on a DynamoDB Local the stack did not start. */
  readonly tableName?: string;
  /** The local Step Functions endpoint lives in us-east-1, so that is the default. */
  readonly region?: string;
  /** The artifacts bucket trigger-build puts into the execution input (nothing reads it locally). */
  readonly s3Bucket?: string;
  /** Stacks (`{env}-{repo}`) whose deployments roll back. */
  readonly brokenStacks?: Iterable<string>;
  /** DescribeStack looks until a stack settles (default 3). */
  readonly settleAfterPolls?: number;
  /** The workflow's Wait between two looks at the stack (WaitForStack, and WaitForSettle on the failure path), in ms (default 20). */
  readonly stackPollWaitMs?: number;
  /**
   * The stream poller's pause after an empty read, in ms (default 20); it
   * doubles while the stream stays idle, up to `streamMaxPollIntervalMs`.
   */
  readonly streamPollIntervalMs?: number;
  /**
   * The longest pause of an idle stream poller, in ms (default 250, the pace at which Lambda reads a
   * shard): a kept stack idles cheaply, and a record after a quiet spell waits at most this long.
   */
  readonly streamMaxPollIntervalMs?: number;
  /** Stream records whose batch is delivered a second time. */
  readonly redeliver?: (record: DynamoDBRecord) => boolean;
  /**
   * How the builds of one environment share it: every Lambda function's
   * container gets it (`createAwsContainer({ concurrency })`, what
   * `DEPLOYMENT_CONCURRENCY` sets in AWS), and the stream poller filters as
   * the construct's mapping does under it. Default `queue`.
   */
  readonly concurrency?: ConcurrencyPolicy;
  /**
   * Also serve the HTTP API's handler (the fifth Lambda function) on
   * `127.0.0.1`, on `port` (default: a free one), every request recorded as
   * `requested_by` `local`: its container gets an idempotency table of its
   * own on the same DynamoDB Local, and reaches Step Functions through the
   * local endpoint (`SfnExecutionController` for redrives and forced
   * cancels). Off by default.
   */
  readonly httpApi?: boolean | { readonly port?: number };
}

/** The HTTP API a stack serves (`httpApi`). */
export interface LocalHttpApi {
  /** `http://127.0.0.1:{port}`, no trailing slash. */
  readonly url: string;
  /** Where its requests' idempotency keys are kept. */
  readonly idempotencyTableName: string;
  /** Who every request is recorded as (`requested_by`, `cancelled_by`, `redriven_by`). */
  readonly requestedBy: string;
}

/** A running local stack. */
export interface LocalStack {
  readonly region: string;
  readonly tableName: string;
  readonly s3Bucket: string;
  readonly stateMachineArn: string;
  readonly dynamodbEndpoint: string;
  readonly dynamodbBackend: DynamoDbLocalBackend;
  readonly stepFunctionsEndpoint: string;
  readonly concurrency: ConcurrencyPolicy;
  /** The builds table through the production repository (what the upload function writes with). */
  readonly builds: BuildRepository;
  /** The local Step Functions endpoint: its executions and call counts. */
  readonly stepFunctions: LocalStepFunctions;
  readonly poller: StreamPoller;
  /** The CloudFormation stand-in the deployments run against (to hold a stack, count refusals). */
  readonly cloudFormation: CloudFormationStandIn;
  /** What the trigger-build function logged. */
  readonly triggerBuildLog: readonly LogEntry[];
  /** The build ends update-build-status recorded, in order (the first of each build). */
  readonly recordedEnds: readonly RecordedEnd[];
  /** The HTTP API, when the stack serves it (`httpApi`). */
  readonly httpApi: LocalHttpApi | undefined;
  /** Adds a listener of the stack's events; returns its removal. */
  subscribe(listener: StackListener): () => void;
  /** Stops everything the stack started, in reverse order; safe to call twice. */
  stop(): Promise<void>;
}

const DEFAULT_REGION = 'us-east-1';
const DEFAULT_TABLE = 'dev-aws-deployer--builds';
const STATE_MACHINE_NAME = 'deployment';
const STATE_MACHINE_ROLE = 'arn:aws:iam::123456789012:role/aws-deployer-deployment';

/**
 * Starts the local stack. On failure, whatever was already started is stopped
 * before the error is rethrown.
 *
 * The SDK clients inside the container read credentials as in Lambda, from
 * `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`; when those are unset they
 * are set to `local` (the local endpoints accept any).
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const region = options.region ?? DEFAULT_REGION;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY_POLICY;
  const s3Bucket = options.s3Bucket ?? 'local-aws-deployer-artifacts';
  const listeners = new Set<StackListener>();
  const emit = (event: StackEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const cleanups: Array<{ what: string; run: () => Promise<void> }> = [];
  const stop = onceOnly(() => runCleanups(cleanups));

  try {
    useLocalCredentials();

    // DynamoDB Local and the builds table with its stream.
    const dynamodb = options.dynamodbEndpoint === undefined ? await startDynamoDbLocal() : undefined;
    if (dynamodb) cleanups.push({ what: 'DynamoDB Local', run: () => dynamodb.stop() });
    const dynamodbEndpoint = dynamodb?.endpoint ?? options.dynamodbEndpoint!;
    const shared = dynamodb === undefined || dynamodb.backend === 'endpoint';
    const tableName = options.tableName ?? (shared ? `${DEFAULT_TABLE}-${randomBytes(4).toString('hex')}` : DEFAULT_TABLE);
    const dynamodbClient = dynamoDbClientFor(dynamodbEndpoint, { region });
    cleanups.push({ what: 'DynamoDB client', run: async () => dynamodbClient.destroy() });
    await createBuildsTable(dynamodbClient, tableName);
    // On an instance others use, leave it as it was found.
    if (shared) cleanups.push({ what: `table ${tableName}`, run: () => deleteTable(dynamodbClient, tableName) });
    const streamArn = await latestStreamArn(dynamodbClient, tableName);

    // Step Functions: the real definition, run by the ASL engine.
    // The update-build-status function needs the state machine's ARN, which needs the runner: wired below.
    const late: { updateBuildStatus?: UpdateBuildStatusHandler } = {};
    const cloudFormation = new CloudFormationStandIn({
      ...(options.settleAfterPolls === undefined ? {} : { settleAfterPolls: options.settleAfterPolls }),
      brokenStacks: options.brokenStacks ?? [],
      onStatusChange: (change) => emit({ type: 'stack', change }),
      onRefused: (refusal) => emit({ type: 'stack-refused', refusal }),
    });
    const definition = substituteDefinition(readDeploymentDefinitionText(), { ...LOCAL_SUBSTITUTIONS, 'AWS::Region': region });
    const asl = createAslRunner({
      definition,
      tasks: deploymentTasks({
        cloudFormation,
        updateBuildStatus: (payload, context) => {
          if (late.updateBuildStatus === undefined) throw new Error('update-build-status is not ready yet');
          return late.updateBuildStatus(payload, context);
        },
      }),
      waitMs: { [STACK_POLL_WAIT_STATE]: options.stackPollWaitMs ?? 20, [SETTLE_WAIT_STATE]: options.stackPollWaitMs ?? 20 },
    });
    const stepFunctions = await startLocalStepFunctions({ runner: asl.runner });
    cleanups.push({ what: 'local Step Functions', run: () => stepFunctions.close() });
    cleanups.push({ what: 'running executions', run: () => asl.abortAll() });
    const stateMachineArn = await createStateMachine(stepFunctions.endpoint, region, definition);

    // The Lambda functions, each with its own container, as in AWS.
    const lambda = (name: string, adapters: Pick<AwsContainerOptions, 'idempotencyTableName'> = {}) => {
      const logger = new RecordingLogger({ onEntry: (entry) => emit({ type: 'log', entry: { source: name, ...entry } }) });
      const container = createAwsContainer({
        tableName,
        stateMachineArn,
        region,
        dynamodbEndpoint,
        stepFunctionsEndpoint: stepFunctions.endpoint,
        logger,
        concurrency,
        ...adapters,
      });
      return { container, logger };
    };
    const triggerBuild = lambda('trigger-build');
    const triggerBuildHandler = createTriggerBuildHandler({
      trigger: triggerBuild.container.get(TriggerBuildService),
      logger: triggerBuild.container.get(TOKENS.Logger),
      s3Bucket,
    });
    const updateBuildStatus = lambda('update-build-status');
    const updateBuildStatusHandler = createUpdateBuildStatusHandler({
      completions: updateBuildStatus.container.get(RecordCompletionService),
      logger: updateBuildStatus.container.get(TOKENS.Logger),
    });
    const recordedEnds: RecordedEnd[] = [];
    late.updateBuildStatus = async (payload, context) => {
      const result = await updateBuildStatusHandler(payload, context);
      const end = recordedEndOf(payload);
      if (end !== undefined && !recordedEnds.some((recorded) => recorded.buildId === end.buildId)) recordedEnds.push(end);
      return result;
    };
    const builds = lambda('upload').container.get<BuildRepository>(TOKENS.BuildRepository);

    // The event source mapping: stream -> trigger-build.
    const streams = streamsClientFor(dynamodbEndpoint);
    cleanups.push({ what: 'DynamoDB Streams client', run: async () => streams.destroy() });
    const poller = startStreamPoller({
      streams,
      streamArn,
      region,
      // Each batch is an invocation of its own, as the event source mapping makes it.
      handler: (event) => triggerBuildHandler(event, invocationContext('aws-deployer-trigger-build')),
      pollIntervalMs: options.streamPollIntervalMs ?? 20,
      maxPollIntervalMs: options.streamMaxPollIntervalMs ?? 250,
      retryDelayMs: 20,
      // As the construct's mapping: INSERTs, and under queue or supersede the lock releases (the hand-off).
      filter: triggerBuildFilter(concurrency),
      ...(options.redeliver === undefined ? {} : { redeliver: options.redeliver }),
      onEvent: (event) => {
        if (event.type === 'read') {
          for (const record of event.records) {
            const sequenceNumber = record.dynamodb?.SequenceNumber;
            const change = lifecycleChangeOf(record);
            if (change) emit({ type: 'lifecycle', change, sequenceNumber });
            const lock = lockChangeOf(record);
            if (lock) emit({ type: 'lock', change: lock, sequenceNumber });
          }
        }
        emit({ type: 'poller', event });
      },
    });
    cleanups.push({ what: 'stream poller', run: () => poller.stop() });

    // The HTTP API: the handler the fifth Lambda function runs, behind a stand-in for API Gateway on 127.0.0.1.
    let httpApi: LocalHttpApi | undefined;
    if (options.httpApi !== undefined && options.httpApi !== false) {
      const idempotencyTableName = idempotencyTableNameFor(tableName);
      await createIdempotencyTable(dynamodbClient, idempotencyTableName);
      if (shared) cleanups.push({ what: `table ${idempotencyTableName}`, run: () => deleteTable(dynamodbClient, idempotencyTableName) });
      const api = lambda('http-api', { idempotencyTableName });
      const server = await startHttpApiServer({
        handler: createHttpApiHandler({ services: httpApiServicesOf(api.container), logger: api.logger }),
        userArn: LOCAL_CALLER,
        ...(options.httpApi === true || options.httpApi.port === undefined ? {} : { port: options.httpApi.port }),
      });
      // Closed before anything it calls stops (cleanups run last-in first-out).
      cleanups.push({ what: 'HTTP API server', run: () => server.close() });
      httpApi = { url: server.url, idempotencyTableName, requestedBy: LOCAL_CALLER };
    }

    return {
      region,
      tableName,
      s3Bucket,
      stateMachineArn,
      dynamodbEndpoint,
      dynamodbBackend: dynamodb?.backend ?? 'endpoint',
      stepFunctionsEndpoint: stepFunctions.endpoint,
      concurrency,
      builds,
      stepFunctions,
      poller,
      cloudFormation,
      triggerBuildLog: triggerBuild.logger.entries,
      recordedEnds,
      httpApi,
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** The idempotency table beside a builds table: `dev-aws-deployer--idempotency` for `dev-aws-deployer--builds`. */
function idempotencyTableNameFor(tableName: string): string {
  return tableName.includes('--builds') ? tableName.replace('--builds', '--idempotency') : `${tableName}--idempotency`;
}

/** Creates the state machine over the wire, as a deployment would: the definition is stored with it. */
async function createStateMachine(endpoint: string, region: string, definition: string): Promise<string> {
  const client = new SFNClient({ endpoint, region });
  try {
    const { stateMachineArn } = await client.send(
      new CreateStateMachineCommand({ name: STATE_MACHINE_NAME, definition, roleArn: STATE_MACHINE_ROLE, type: 'STANDARD' }),
    );
    if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
    return stateMachineArn;
  } finally {
    client.destroy();
  }
}

/** The build an update-build-status payload (`{ repo, env, sk, status, ... }`) ended, now. */
function recordedEndOf(payload: unknown): RecordedEnd | undefined {
  const field = (name: string): string | undefined => {
    const value = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[name] : undefined;
    return typeof value === 'string' ? value : undefined;
  };
  const [repo, env, sk, status] = [field('repo'), field('env'), field('sk'), field('status')];
  if (repo === undefined || env === undefined || sk === undefined || status === undefined) return undefined;
  return { buildId: buildIdOf({ repo, env, sk }), status, at: new Date() };
}

function useLocalCredentials(): void {
  if (process.env.AWS_ACCESS_KEY_ID || process.env.AWS_SECRET_ACCESS_KEY) return;
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
}

/** Runs the cleanups last-in first-out; every one runs even if another fails. */
async function runCleanups(cleanups: Array<{ what: string; run: () => Promise<void> }>): Promise<void> {
  const failures: string[] = [];
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup.run();
    } catch (error) {
      failures.push(`${cleanup.what}: ${String(error)}`);
    }
  }
  if (failures.length > 0) throw new Error(`Stopping the local stack failed for ${failures.join('; ')}`);
}

function onceOnly(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= run());
}
