/**
 * Starts and stops the local stack: DynamoDB Local with the builds table and
 * its stream, a local Step Functions endpoint running the deployment
 * workflow's ASL, the stream poller feeding trigger-build, and the Lambda
 * handlers built exactly as in AWS (`createAwsContainer`), pointed at the
 * local endpoints.
 */
import { randomBytes } from 'node:crypto';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBRecord } from 'aws-lambda';
import {
  createAwsContainer,
  createTriggerBuildHandler,
  createUpdateBuildStatusHandler,
  type UpdateBuildStatusHandler,
} from '../../src/lambda.js';
import { RecordCompletionService, TOKENS, TriggerBuildService, type BuildRepository } from '../../src/index.js';
import { RecordingLogger, type LogEntry } from '../../src/testing.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor } from '../dynamodb-local/builds-table.js';
import { startDynamoDbLocal, type DynamoDbLocalBackend } from '../dynamodb-local/dynamodb-local.js';
import { latestStreamArn, streamsClientFor } from '../dynamodb-local/table-stream.js';
import { invocationContext } from '../lambda-context.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../local-sfn/local-sfn-server.js';
import { createAslRunner } from './asl-runner.js';
import { CloudFormationStandIn, type StackStatusChange } from './cloudformation-stand-ins.js';
import {
  LOCAL_SUBSTITUTIONS,
  SETTLE_WAIT_STATE,
  STACK_POLL_WAIT_STATE,
  readDeploymentDefinitionText,
  substituteDefinition,
} from './deployment-definition.js';
import { deploymentTasks } from './deployment-tasks.js';

import { lifecycleChangeOf, type LifecycleChange } from './lifecycle.js';

/** One entry a local Lambda function logged; `source` names the function, e.g. `trigger-build`. */
export interface LambdaLogEntry extends LogEntry {
  readonly source: string;
}
import { startStreamPoller, type PollerEvent, type StreamPoller } from './stream-poller.js';

/** Everything the stack reports while it runs, in the order it happens. */
export type StackEvent =
  | { readonly type: 'lifecycle'; readonly change: LifecycleChange; readonly sequenceNumber: string | undefined }
  | { readonly type: 'stack'; readonly change: StackStatusChange }
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
  /** The longest pause of an idle stream poller, in ms (default 1,000): a kept stack idles cheaply. */
  readonly streamMaxPollIntervalMs?: number;
  /** Stream records whose batch is delivered a second time. */
  readonly redeliver?: (record: DynamoDBRecord) => boolean;
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
  /** The builds table through the production repository (what the upload function writes with). */
  readonly builds: BuildRepository;
  /** The local Step Functions endpoint: its executions and call counts. */
  readonly stepFunctions: LocalStepFunctions;
  readonly poller: StreamPoller;
  /** What the trigger-build function logged. */
  readonly triggerBuildLog: readonly LogEntry[];
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
    const lambda = (name: string) => {
      const logger = new RecordingLogger({ onEntry: (entry) => emit({ type: 'log', entry: { source: name, ...entry } }) });
      const container = createAwsContainer({
        tableName,
        stateMachineArn,
        region,
        dynamodbEndpoint,
        stepFunctionsEndpoint: stepFunctions.endpoint,
        logger,
      });
      return { container, logger };
    };
    const triggerBuild = lambda('trigger-build');
    const triggerBuildHandler = createTriggerBuildHandler({
      trigger: triggerBuild.container.get(TriggerBuildService),
      logger: triggerBuild.container.get(TOKENS.Logger),
      s3Bucket,
    });
    late.updateBuildStatus = createUpdateBuildStatusHandler({
      completions: lambda('update-build-status').container.get(RecordCompletionService),
      logger: lambda('update-build-status').container.get(TOKENS.Logger),
    });
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
      maxPollIntervalMs: options.streamMaxPollIntervalMs ?? 1_000,
      retryDelayMs: 20,
      ...(options.redeliver === undefined ? {} : { redeliver: options.redeliver }),
      onEvent: (event) => {
        if (event.type === 'read') {
          for (const record of event.records) {
            const change = lifecycleChangeOf(record);
            if (change) emit({ type: 'lifecycle', change, sequenceNumber: record.dynamodb?.SequenceNumber });
          }
        }
        emit({ type: 'poller', event });
      },
    });
    cleanups.push({ what: 'stream poller', run: () => poller.stop() });

    return {
      region,
      tableName,
      s3Bucket,
      stateMachineArn,
      dynamodbEndpoint,
      dynamodbBackend: dynamodb?.backend ?? 'endpoint',
      stepFunctionsEndpoint: stepFunctions.endpoint,
      builds,
      stepFunctions,
      poller,
      triggerBuildLog: triggerBuild.logger.entries,
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
