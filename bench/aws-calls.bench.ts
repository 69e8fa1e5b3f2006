/**
 * AWS calls per build, per concurrency policy: the DynamoDB and Step
 * Functions calls each Lambda path makes, by operation name, counted by an
 * SDK middleware on the clients the adapters use (once per attempt: see
 * lib/call-recorder.ts) and cross-checked at the wire (the DynamoDB proxy and
 * the local Step Functions endpoint count every request they receive).
 *
 * Paths, each through the real Lambda handler of a deployment of the module
 * (its own container, as each Lambda function has):
 * - trigger-build on the INSERT of a build whose environment is free, and of
 *   one whose environment is busy;
 * - update-build-status recording a deployment's end (the release of the lock
 *   joins the end's transaction under `queue` and `supersede`);
 * - trigger-build on the REMOVE of a lock (the hand-off), with one waiting
 *   build, with none, and with three (`supersede` starts the newest and
 *   records the two older ones FAILED);
 * - the sweeper on a table with no open build and no lock.
 *
 * Each path runs `REPEATS` times on fresh builds; a count that differed
 * between repeats would show in its interquartile range. The baseline of each
 * line is measured in the same run: `parallel` (what 0.3.0 did before the
 * lock) for the trigger, the completion and the sweep, and the same policy's
 * trigger of a free environment for a hand-off (what the hand-off adds to a
 * start from an INSERT).
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbBuildRepository } from '../src/dynamodb.js';
import { SfnExecutionInspector, SfnExecutionStarter } from '../src/sfn.js';
import {
  RecordCompletionService,
  SweepOpenBuildsService,
  TOKENS,
  TriggerBuildService,
  createContainer,
  type BuildStatus,
  type ConcurrencyPolicy,
  type NewBuild,
} from '../src/index.js';
import { createSweeperHandler, createTriggerBuildHandler, createUpdateBuildStatusHandler } from '../src/lambda.js';
import { RecordingLogger } from '../src/testing.js';
import { createBuildsTable, dynamoDbClientFor, uniqueTableName } from '../dev/dynamodb-local/builds-table.js';
import { startDynamoDbLocal } from '../dev/dynamodb-local/dynamodb-local.js';
import { invocationContext } from '../dev/lambda-context.js';
import { startLocalStepFunctions } from '../dev/local-sfn/local-sfn-server.js';
import { sfnClientFor } from '../dev/local-sfn/sfn-client.js';
import { startDynamoDbFaultProxy } from '../dev/wire/dynamodb-fault-proxy.js';
import { CallRecorder, countByOperation, describeCalls, type RecordedCall } from './lib/call-recorder.js';
import type { Comparison } from './lib/results.js';
import { summarize, type Summary } from './lib/stats.js';
import { ARTIFACTS_BUCKET, aBenchBuild, benchBuildsOfOneEnvironment, insertEventOf, lockReleaseEventOf } from './lib/workload.js';

const REPEATS = 5;
const POLICIES: readonly ConcurrencyPolicy[] = ['parallel', 'queue', 'supersede'];

/** One path's calls, as measured `REPEATS` times. */
interface Counted {
  readonly path: string;
  readonly policy: ConcurrencyPolicy;
  readonly totals: number[];
  /** The calls of the first repeat, in order. */
  readonly calls: readonly RecordedCall[];
  /** Whether every repeat made the same calls, in the same order. */
  readonly stable: boolean;
  /** Requests the DynamoDB proxy and the Step Functions endpoint received, all repeats together. */
  readonly atTheWire: number;
}

export async function awsCalls(): Promise<Comparison[]> {
  const dynamodbLocal = await startDynamoDbLocal();
  const proxy = await startDynamoDbFaultProxy(dynamodbLocal.endpoint);
  const sfn = await startLocalStepFunctions();
  const dynamodb = dynamoDbClientFor(proxy.endpoint, { maxAttempts: 3 });
  const stepFunctions = sfnClientFor(sfn.endpoint);
  const recorder = new CallRecorder();
  recorder.watch(dynamodb, 'DynamoDB');
  recorder.watch(stepFunctions, 'StepFunctions');
  try {
    const tableName = uniqueTableName('bench-calls');
    const emptyTableName = uniqueTableName('bench-calls-empty');
    await createBuildsTable(dynamodb, tableName);
    await createBuildsTable(dynamodb, emptyTableName);
    const stateMachineArn = sfn.createStateMachine('deployment');
    const documents = DynamoDBDocumentClient.from(dynamodb);
    const builds = new DynamoDbBuildRepository({ client: documents, tableName });

    // One deployment of the module per policy, each Lambda function with its own container (as in AWS).
    const deploymentOf = (concurrency: ConcurrencyPolicy, table: string) => {
      const containerOf = () =>
        createContainer({
          buildRepository: new DynamoDbBuildRepository({ client: documents, tableName: table }),
          executionStarter: new SfnExecutionStarter({ client: stepFunctions, stateMachineArn }),
          executionInspector: new SfnExecutionInspector({ client: stepFunctions, stateMachineArn }),
          logger: new RecordingLogger(),
          concurrency,
        });
      const trigger = containerOf();
      const update = containerOf();
      const sweeper = containerOf();
      const triggerBuild = createTriggerBuildHandler({ trigger: trigger.get(TriggerBuildService), logger: trigger.get(TOKENS.Logger), s3Bucket: ARTIFACTS_BUCKET });
      const updateBuildStatus = createUpdateBuildStatusHandler({ completions: update.get(RecordCompletionService), logger: update.get(TOKENS.Logger) });
      const sweep = createSweeperHandler({ sweeper: sweeper.get(SweepOpenBuildsService), logger: sweeper.get(TOKENS.Logger), s3Bucket: ARTIFACTS_BUCKET });
      return {
        insert: async (build: NewBuild) => failOnRetry(await triggerBuild(insertEventOf([build]), lambdaContext('trigger-build'))),
        release: async (environment: { repo: string; env: string }) =>
          failOnRetry(await triggerBuild(lockReleaseEventOf(environment), lambdaContext('trigger-build'))),
        /** The callback the state machine makes when a deployment ends; `payload` from {@link endPayloadOf}. */
        end: async (payload: Record<string, string>) => {
          await updateBuildStatus(payload, lambdaContext('update-build-status'));
        },
        sweep: () => sweep(scheduledEvent(), lambdaContext('sweeper')),
      };
    };
    type Deployment = ReturnType<typeof deploymentOf>;

    // As the shipped state machine sends it: the build's key, the status and $$.Execution.Id (read before counting).
    const endPayloadOf = async (build: NewBuild): Promise<Record<string, string>> => {
      const executionArn = (await builds.get(build))?.executionArn;
      return { repo: build.repo, env: build.env, sk: build.sk, status: 'SUCCESS', ...(executionArn ? { execution_arn: executionArn } : {}) };
    };
    const created = async (...newBuilds: NewBuild[]) => {
      for (const build of newBuilds) await builds.create(build);
      return newBuilds;
    };
    const expectStatus = async (build: NewBuild, status: BuildStatus, what: string) => {
      const found = (await builds.get(build))?.status;
      if (found !== status) throw new Error(`${what}: build ${build.repo}/${build.env}:${build.sk} is ${found ?? 'missing'}, not ${status}`);
    };

    // `prepare` sets the table up (not counted), `run` is counted, `check` verifies what it did (not counted).
    const count = async <T>(
      path: string,
      policy: ConcurrencyPolicy,
      scenario: { prepare: () => Promise<T>; run: (prepared: T) => Promise<unknown>; check: (prepared: T) => Promise<void> },
    ): Promise<Counted> => {
      const runs: RecordedCall[][] = [];
      let atTheWire = 0;
      for (let i = 0; i < REPEATS; i += 1) {
        const prepared = await scenario.prepare();
        const wireBefore = proxy.callCount() + sfn.callCount();
        runs.push(await recorder.during(() => scenario.run(prepared)));
        atTheWire += proxy.callCount() + sfn.callCount() - wireBefore;
        await scenario.check(prepared);
      }
      const shapes = runs.map(describeCalls);
      return { path, policy, totals: runs.map((calls) => calls.length), calls: runs[0] ?? [], stable: shapes.every((shape) => shape === shapes[0]), atTheWire };
    };

    const results: Counted[] = [];
    for (const policy of POLICIES) {
      const deployment: Deployment = deploymentOf(policy, tableName);
      // The first start of a process asks DescribeStateMachine once (the STANDARD check): not per build.
      const [warmUp] = await created(aBenchBuild());
      await deployment.insert(warmUp!);
      const locking = policy !== 'parallel';

      results.push(
        await count('trigger-build, INSERT, environment free', policy, {
          prepare: async () => (await created(aBenchBuild()))[0]!,
          run: (build) => deployment.insert(build),
          check: (build) => expectStatus(build, 'IN_PROGRESS', 'a free environment'),
        }),
      );
      results.push(
        await count('trigger-build, INSERT, environment busy', policy, {
          prepare: async () => {
            // Each build recorded as its INSERT comes, as the upload function does.
            const [running, next] = benchBuildsOfOneEnvironment(2);
            await created(running!);
            await deployment.insert(running!);
            await created(next!);
            return next!;
          },
          run: (build) => deployment.insert(build),
          check: (build) => expectStatus(build, locking ? 'PENDING' : 'IN_PROGRESS', 'a busy environment'),
        }),
      );
      results.push(
        await count('update-build-status, deployment ends, no newer build', policy, {
          prepare: async () => {
            const [running] = await created(aBenchBuild());
            await deployment.insert(running!);
            return { build: running!, payload: await endPayloadOf(running!) };
          },
          run: ({ payload }) => deployment.end(payload),
          check: ({ build }) => expectStatus(build, 'SUCCESS', 'an end'),
        }),
      );
      // The usual end under queue: a newer build waits. Its INSERT moved the latest pointer to it, and the
      // pointer never moves back, so the end's transaction is refused once and written again without it.
      results.push(
        await count('update-build-status, deployment ends, a newer build recorded', policy, {
          prepare: async () => {
            const [running, next] = benchBuildsOfOneEnvironment(2);
            await created(running!);
            await deployment.insert(running!);
            await created(next!);
            await deployment.insert(next!);
            return { build: running!, payload: await endPayloadOf(running!) };
          },
          run: ({ payload }) => deployment.end(payload),
          check: ({ build }) => expectStatus(build, 'SUCCESS', 'an end'),
        }),
      );
      // Under parallel no end deletes a lock, so no hand-off record comes; delivered anyway, it does nothing.
      for (const waiting of locking ? [1, 0, 3] : [1]) {
        results.push(
          await count(`trigger-build, REMOVE of the lock (hand-off), ${waiting === 1 ? 'one build' : waiting === 0 ? 'no build' : `${waiting} builds`} waiting`, policy, {
            prepare: async () => {
              const [running, ...line] = benchBuildsOfOneEnvironment(1 + waiting);
              for (const build of [running!, ...line]) {
                await created(build);
                await deployment.insert(build);
              }
              await deployment.end(await endPayloadOf(running!));
              return { environment: running!, line };
            },
            run: ({ environment }) => deployment.release(environment),
            check: async ({ line }) => {
              if (!locking) {
                for (const build of line) await expectStatus(build, 'IN_PROGRESS', 'parallel');
                return;
              }
              const starts = policy === 'queue' ? line[0] : line.at(-1);
              for (const build of line) {
                const expected = build === starts ? 'IN_PROGRESS' : policy === 'queue' ? 'PENDING' : 'FAILED';
                await expectStatus(build, expected, `the hand-off under ${policy}`);
              }
            },
          }),
        );
      }
      const emptyTable = deploymentOf(policy, emptyTableName);
      results.push(
        await count('sweeper, no open build and no lock', policy, {
          prepare: async () => undefined,
          run: () => emptyTable.sweep(),
          check: async () => undefined,
        }),
      );
    }

    for (const result of results) {
      console.log(`  ${result.policy.padEnd(9)} ${result.path}: ${result.totals[0]} = ${describeCalls(result.calls)}${result.stable ? '' : ' (NOT the same every repeat)'}`);
    }
    return comparisonsOf(results);
  } finally {
    dynamodb.destroy();
    stepFunctions.destroy();
    await sfn.close();
    await proxy.close();
    await dynamodbLocal.stop();
  }
}

/** Each locking policy's line against its baseline; the parallel lines are the baselines. */
function comparisonsOf(results: readonly Counted[]): Comparison[] {
  const find = (path: string, policy: ConcurrencyPolicy) => results.find((result) => result.path === path && result.policy === policy);
  const summaryOf = (counted: Counted): Summary => summarize(counted.totals);
  const comparisons: Comparison[] = [];
  for (const subject of results) {
    const baseline = subject.path.includes('hand-off')
      ? find('trigger-build, INSERT, environment free', subject.policy)
      : subject.policy === 'parallel'
        ? undefined
        : find(subject.path, 'parallel');
    // A parallel line is compared with itself: it is the baseline of the others, and shows its own calls.
    const against = baseline ?? subject;
    comparisons.push({
      benchmark: `AWS calls: ${subject.path}, ${subject.policy}`,
      unit: 'calls',
      baseline: { name: `${against.path}, ${against.policy}`, summary: summaryOf(against) },
      subject: { name: `${subject.path}, ${subject.policy}`, summary: summaryOf(subject) },
      ratio: summarize(subject.totals.map((total, index) => total / Math.max(1, against.totals[index] ?? total))),
      notes: {
        calls: describeCalls(subject.calls),
        byOperation: JSON.stringify(countByOperation(subject.calls)),
        baselineCalls: describeCalls(against.calls),
        difference: subject.calls.length - against.calls.length,
        sameEveryRepeat: String(subject.stable),
        countedAtTheWire: `${subject.atTheWire} for ${subject.totals.reduce((sum, total) => sum + total, 0)} recorded`,
      },
    });
  }
  return comparisons;
}

function failOnRetry(response: { batchItemFailures: readonly unknown[] }): void {
  if (response.batchItemFailures.length > 0) throw new Error(`${response.batchItemFailures.length} records failed`);
}

function lambdaContext(name: string): Context {
  return invocationContext(`aws-deployer-${name}`);
}

function scheduledEvent(): ScheduledEvent {
  return {
    version: '0',
    id: 'bench',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {},
  };
}
