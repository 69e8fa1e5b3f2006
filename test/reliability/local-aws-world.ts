import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ServiceContainer } from '../../src/composition/service-container.js';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbBuildRepository } from '../../src/dynamodb.js';
import { SfnExecutionController, SfnExecutionInspector, SfnExecutionStarter } from '../../src/sfn.js';
import {
  buildKeyOfSerializedInput,
  canTransition,
  createContainer,
  isBuildStatus,
  type BuildKey,
  type ConcurrencyPolicy,
  type NewBuild,
} from '../../src/index.js';
import { InMemoryIdempotencyStore, RecordingLogger } from '../../src/testing.js';
import { dynamoDbClientFor } from '../../dev/dynamodb-local/builds-table.js';
import { paddedToLimit } from '../support/dynamodb-local/item-size.js';
import { aGoBuildItem } from '../support/mothers/go-item.mother.js';
import { statusChangesOf, streamsClientFor, tableStreamRecords } from '../../dev/dynamodb-local/table-stream.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../dev/local-sfn/local-sfn-server.js';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../../dev/wire/dynamodb-fault-proxy.js';
import type { BloatRoom, Fault, LifecycleWorld } from './lifecycle-world.js';
import { sfnClientFor } from '../../dev/local-sfn/sfn-client.js';

/**
 * The lifecycle on the real adapters: DynamoDB Local behind a fault-injecting
 * proxy, the local Step Functions endpoint. Faults are injected at the wire.
 * Clients make one attempt each, so every fault reaches the module.
 */
// Free bytes a bloated item keeps (paddedToLimit over-estimates numbers, so a few more in fact):
// 400 hold the start's execution_arn but no long error_msg; 60 hold the claim's start_attempt (49
// bytes) but not the ARN (about 110); 30 hold neither, only the fewest words of a failure.
const FREE_BYTES: Readonly<Record<BloatRoom, number>> = { start: 400, 'claim-only': 60, none: 30 };

export async function aLocalAwsWorld(dynamoDbEndpoint: string, tableName: string): Promise<LifecycleWorld> {
  const proxy: DynamoDbFaultProxy = await startDynamoDbFaultProxy(dynamoDbEndpoint);
  const sfn: LocalStepFunctions = await startLocalStepFunctions();
  const dynamodb: DynamoDBClient = dynamoDbClientFor(proxy.endpoint);
  const evidence = dynamoDbClientFor(dynamoDbEndpoint);
  const streams = streamsClientFor(dynamoDbEndpoint);
  const stepFunctions = sfnClientFor(sfn.endpoint, { maxAttempts: 1 });
  const stateMachineArn = sfn.createStateMachine('deployment');
  const repository = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(dynamodb), tableName });
  // The model's manual requests keep their keys in memory: the DynamoDB store has its own contract
  // suite, and the HTTP API's tests run it against DynamoDB Local.
  const idempotencyStore = new InMemoryIdempotencyStore();
  let policy: ConcurrencyPolicy = 'queue';
  // One process: a new starter checks the state machine again, as after a cold start.
  const aProcess = (): ServiceContainer =>
    createContainer({
      concurrency: policy,
      buildRepository: repository,
      executionStarter: new SfnExecutionStarter({ client: stepFunctions, stateMachineArn, limitExceededAttempts: 1 }),
      executionInspector: new SfnExecutionInspector({ client: stepFunctions, stateMachineArn }),
      executionController: new SfnExecutionController({ client: stepFunctions, stateMachineArn }),
      idempotencyStore,
      logger: new RecordingLogger(),
    });
  let container = aProcess();
  const itemKey = (build: BuildKey) => ({ pk: { S: `${build.repo}/${build.env}` }, sk: { S: build.sk } });
  // Levers an operator or the Go implementation pulls: straight to DynamoDB Local, past the fault proxy.
  const putAsGo = async (build: NewBuild): Promise<void> => {
    const buildNumber = build.version.split('.')[0] ?? '';
    await evidence.send(
      new PutItemCommand({
        TableName: tableName,
        Item: aGoBuildItem({ repo: build.repo, env: build.env, sk: build.sk, branch: build.branch, buildNumber, commitHash: build.commitHash, version: build.version, createdAt: Math.floor(Date.now() / 1000) }),
      }),
    );
  };

  const inject = (fault: Fault): void => {
    switch (fault) {
      case 'sfn-throttling':
        return sfn.injectFault({ operation: 'StartExecution', fault: 'ThrottlingException' });
      case 'sfn-5xx':
        return sfn.injectFault({ operation: 'StartExecution', fault: 'InternalServerError' });
      case 'sfn-execution-limit':
        return sfn.injectFault({ operation: 'StartExecution', fault: 'ExecutionLimitExceeded' });
      case 'sfn-permanent':
        return sfn.injectFault({ operation: 'StartExecution', fault: 'StateMachineDoesNotExist' });
      case 'dynamodb-throttling':
        return proxy.injectFault({ fault: 'ThrottlingException' });
      case 'dynamodb-5xx':
        return proxy.injectFault({ fault: 'InternalServerError' });
      case 'dynamodb-lost-answer':
        return proxy.injectFault({ fault: 'InternalServerError', afterApply: true });
      case 'crash-between-start-and-write':
        return proxy.injectFault({ operation: 'TransactWriteItems', fault: 'InternalServerError' });
    }
  };

  return {
    get container() {
      return container;
    },
    repository,
    stateMachineArn,
    inject,
    createAsGo: putAsGo,
    reinsert: async (build) => {
      await evidence.send(new DeleteItemCommand({ TableName: tableName, Key: itemKey(build) }));
      await putAsGo(build);
    },
    bloat: async (build, room) => {
      const { Item } = await evidence.send(new GetItemCommand({ TableName: tableName, Key: itemKey(build), ConsistentRead: true }));
      if (Item) await evidence.send(new PutItemCommand({ TableName: tableName, Item: paddedToLimit(Item, FREE_BYTES[room]) }));
    },
    startForeignExecution: async (name, input) => sfn.startExecution(stateMachineArn, name, input),
    coldStart: (describeFails) => {
      if (describeFails) sfn.injectFault({ operation: 'DescribeStateMachine', fault: 'KmsAccessDeniedException' });
      container = aProcess();
    },
    usePolicy: (next) => {
      policy = next;
      container = aProcess();
    },
    endExecution: async (executionArn, status) =>
      sfn.completeExecution(executionArn, { status, ...(status === 'SUCCEEDED' ? {} : { error: `States.${status}` }) }),
    executions: async () =>
      sfn.executions.map((execution) => ({
        executionArn: execution.executionArn,
        name: execution.name,
        input: execution.input,
        build: buildKeyOfSerializedInput(execution.input),
        status: execution.status,
      })),
    // The table's own stream is the evidence: every write the items went through.
    backwardMoves: async (builds: readonly BuildKey[]) => {
      const records = await tableStreamRecords(evidence, streams, tableName);
      return builds.flatMap((build) =>
        statusChangesOf(records, build)
          .map((change) => change.split(' -> '))
          .filter(([from, to]) => isBuildStatus(from) && isBuildStatus(to) && from !== to && !canTransition(from, to))
          .map(([from, to]) => `${build.repo}/${build.env}:${build.sk}: ${from} -> ${to}`),
      );
    },
    close: async () => {
      dynamodb.destroy();
      evidence.destroy();
      streams.destroy();
      stepFunctions.destroy();
      await sfn.close();
      await proxy.close();
    },
  };
}
