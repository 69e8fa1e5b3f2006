import { Annotations, Arn, ArnFormat, Duration, Resource, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { PermissionsBoundary, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { EventSourceMapping, FilterCriteria, FilterRule, StartingPosition, type Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { LambdaFunctionName, PermissionResourceArns } from '../adapters/driving/lambda/permissions.js';
import { settingsOf, type BuildOrchestratorProps, type OrchestratorSettings } from './build-orchestrator-props.js';
import { BundledFunction, type BundledFunctionProps } from './bundled-function.js';
import { environmentOf } from './function-environment.js';
import {
  CLOSED_EXECUTION_STATUSES,
  ENVIRONMENT_LOCK_PARTITION,
  UNLOCKED_CONCURRENCY_POLICY,
  type ConcurrencyPolicyName,
} from './handler-facts.js';
import { OrchestratorAlarms } from './orchestrator-alarms.js';
import { IdempotencyTable, OrchestratorApi } from './orchestrator-api.js';
import { OrchestratorDashboard } from './orchestrator-dashboard.js';
import { QueueFailureDestination } from './queue-failure-destination.js';
import { KEPT_RULES, flattened, isIntrinsic, keepFinding } from './security-findings.js';

/**
 * The TypeScript orchestrator on an existing AWS Deployer: its four Lambda
 * functions from the bundles this package ships, and everything that feeds
 * and watches them.
 *
 * - trigger-build, on the table's stream (INSERTs, and with a locking
 *   `concurrency` the REMOVEs of the environment locks; partial batch
 *   responses, bisect on error, bounded retries and record age, an SQS
 *   on-failure queue);
 * - update-build-status, for the state machine to invoke at its end (grant
 *   it: `updateBuildStatusFunction.grantInvoke(stateMachineRole)`);
 * - execution-status-change, on the state machine's "Step Functions Execution
 *   Status Change" events for closed executions (retry policy, dead-letter
 *   queue);
 * - the sweeper, on a schedule;
 * - with `api`, the http-api function behind an API Gateway HTTP API (AWS_IAM
 *   on every route, throttled, access logs naming each caller) and its
 *   idempotency table: manual redeploys, rollbacks, redrives and cancels;
 * - one role per function with exactly its permissions
 *   (src/adapters/driving/lambda/permissions.ts, as docs/lambda.md prints them), a
 *   log group each, CloudWatch alarms and a dashboard.
 *
 * The table and the state machine are only referenced, never changed. On an
 * imported table, `startBuilds` must be given (docs/deploy.md).
 *
 * @example
 * ```ts
 * import { BuildOrchestrator } from '@aws-deployer/orchestrator/cdk';
 *
 * const orchestrator = new BuildOrchestrator(this, 'Orchestrator', {
 *   table: Table.fromTableAttributes(this, 'Builds', {
 *     tableName: 'prd-aws-deployer--builds',
 *     tableStreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/prd-aws-deployer--builds/stream/2026-01-01T00:00:00.000',
 *   }),
 *   stateMachine: StateMachine.fromStateMachineName(this, 'Deployment', 'prd-aws-deployer-deployment'),
 *   artifactsBucket: Bucket.fromBucketName(this, 'Artifacts', 'prd-aws-deployer-artifacts'),
 *   alarmTopic: Topic.fromTopicArn(this, 'OnCall', 'arn:aws:sns:us-east-1:123456789012:on-call'),
 *   // The Go deployer's trigger-build still reads this stream: docs/deploy.md, "Switching from the Go deployer".
 *   startBuilds: false,
 * });
 * ```
 */
export class BuildOrchestrator extends Construct {
  /** Starts one deployment per new build, from the table's stream. */
  readonly triggerBuildFunction: LambdaFunction;
  /** Records how a deployment ended: the state machine's callback (let its role invoke it). */
  readonly updateBuildStatusFunction: LambdaFunction;
  /** Records how an execution really ended, from Step Functions' status change events. */
  readonly executionStatusChangeFunction: LambdaFunction;
  /** Brings every build left open past the grace period to a true status. */
  readonly sweeperFunction: LambdaFunction;
  /** The stream mapping of trigger-build (disabled with `startBuilds: false`). */
  readonly triggerBuildEventSource: EventSourceMapping;
  /** Where Lambda reports the stream records trigger-build was given up on (their builds stay PENDING until the next sweep). */
  readonly triggerBuildFailureQueue: Queue;
  /** Execution status change events that could not be delivered to, or processed by, execution-status-change. */
  readonly executionEventsDeadLetterQueue: Queue;
  /** The rule that sends the state machine's closed executions to execution-status-change. */
  readonly executionEndedRule: Rule;
  /** The sweeper's schedule (disabled with `startBuilds: false`). */
  readonly sweepRule: Rule;
  /**
   * Every alarm: function errors, messages in either queue, stream records
   * read late, a sweeper that stopped running (while builds are started), and
   * with metrics on, builds stuck open, builds that can never start, start
   * failures that persist, builds the sweeper had to start or end.
   */
  readonly alarms: readonly Alarm[];
  /** The CloudWatch dashboard of the functions, queues, alarms and build metrics (`undefined` with `dashboard: false`). */
  readonly dashboard: Dashboard | undefined;
  /** The HTTP API of manual deployments (`undefined` without `api`): grant callers `execute-api:Invoke` on its routes (docs/deploy.md). */
  readonly api: HttpApi | undefined;
  /** The API's URL, `https://{api-id}.execute-api.{region}.amazonaws.com/` (`undefined` without `api`). */
  readonly apiUrl: string | undefined;
  /** The function behind the API (`undefined` without `api`). */
  readonly httpApiFunction: LambdaFunction | undefined;
  /** Where the API's stage writes its access logs, the audit trail of its callers (`undefined` without `api`). */
  readonly apiAccessLogs: LogGroup | undefined;
  /** The API's idempotency keys, each kept 24 hours (`undefined` without `api`). */
  readonly idempotencyTable: Table | undefined;

  constructor(scope: Construct, id: string, props: BuildOrchestratorProps) {
    super(scope, id);
    const settings = settingsOf(props);
    const queueKey = props.encryptionKey;
    const failureQueue = (queueId: string, whyNoDeadLetterQueue: string) => {
      const queue = new Queue(this, queueId, {
        ...(queueKey === undefined ? { encryption: QueueEncryption.SQS_MANAGED } : { encryption: QueueEncryption.KMS, encryptionMasterKey: queueKey }),
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      keepFinding(queue, KEPT_RULES.queueWithoutDeadLetterQueue, whyNoDeadLetterQueue);
      return queue;
    };
    this.triggerBuildFailureQueue = failureQueue(
      'TriggerBuildFailures',
      "This queue is itself a dead-letter destination: the trigger-build stream mapping's on-failure destination, which " +
        'holds what Lambda gave up on (shard and sequence numbers). Nothing consumes it, so no message is ever received ' +
        'too often to need a dead-letter queue of its own; messages stay 14 days and the first one fires an alarm.',
    );
    this.executionEventsDeadLetterQueue = failureQueue(
      'ExecutionEventsDeadLetters',
      "This queue is itself a dead-letter destination: the EventBridge rule target's dead-letter queue and " +
        "execution-status-change's asynchronous on-failure destination. Nothing consumes it, so no message is ever received " +
        'too often to need a dead-letter queue of its own; messages stay 14 days and the first one fires an alarm.',
    );

    const resources: Omit<PermissionResourceArns, 'log-group' | 'failure-queue' | 'idempotency-table'> = {
      table: props.table.tableArn,
      'status-index': `${props.table.tableArn}/index/${settings.statusIndexName}`,
      'table-stream': settings.tableStreamArn,
      'state-machine': props.stateMachine.stateMachineArn,
      executions: executionsArnOf(props.stateMachine),
    };
    const physicalName = (functionName: LambdaFunctionName) => settings.functionNames[functionName];
    const bundled = (functionId: string, functionName: LambdaFunctionName, options: FunctionOptions) =>
      new BundledFunction(this, functionId, {
        functionName,
        ...(physicalName(functionName) === undefined ? {} : { physicalName: physicalName(functionName) }),
        ...(props.logsEncryptionKey === undefined ? {} : { logsEncryptionKey: props.logsEncryptionKey }),
        ...(options.failureQueue === undefined || queueKey === undefined ? {} : { failureQueueKey: queueKey }),
        bundlesDirectory: settings.bundlesDirectory,
        environment: environmentOf(functionName, {
          tableName: props.table.tableName,
          stateMachineArn: props.stateMachine.stateMachineArn,
          artifactsBucketName: settings.artifactsBucketName,
          concurrency: settings.concurrency,
          statusIndexName: settings.statusIndexName,
          triggerConcurrency: settings.triggerConcurrency,
          sweepGraceMinutes: settings.sweepGraceMinutes,
          metricsNamespace: settings.metricsNamespace,
          tracing: settings.tracing,
          idempotencyTableName: options.idempotencyTable?.tableName,
        }),
        logRetention: settings.logRetention,
        tracing: settings.tracing,
        timeout: options.timeout,
        resources: {
          ...resources,
          ...(options.failureQueue === undefined ? {} : { 'failure-queue': options.failureQueue.queueArn }),
          ...(options.idempotencyTable === undefined ? {} : { 'idempotency-table': options.idempotencyTable.tableArn }),
        },
        ...(options.retryAttempts === undefined ? {} : { retryAttempts: options.retryAttempts }),
        ...(options.onFailure === undefined ? {} : { onFailure: options.onFailure }),
      }).function;

    // A batch of 25 costs at most 25 claims, starts and transactions, 10 at a time (docs/lambda.md).
    this.triggerBuildFunction = bundled('TriggerBuild', 'trigger-build', {
      timeout: Duration.seconds(60),
      failureQueue: this.triggerBuildFailureQueue,
    });
    // The shipped workflow's callback states time out after 60 s.
    this.updateBuildStatusFunction = bundled('UpdateBuildStatus', 'update-build-status', { timeout: Duration.seconds(30) });
    this.executionStatusChangeFunction = bundled('ExecutionStatusChange', 'execution-status-change', {
      timeout: Duration.seconds(30),
      retryAttempts: 2,
      onFailure: new QueueFailureDestination(this.executionEventsDeadLetterQueue),
      failureQueue: this.executionEventsDeadLetterQueue,
    });
    // A sweep stops reading new pages after 60 s; the next scheduled run covers what one misses.
    this.sweeperFunction = bundled('Sweeper', 'sweeper', { timeout: Duration.seconds(90), retryAttempts: 0 });

    if (settings.api === undefined) {
      this.api = this.apiUrl = this.httpApiFunction = this.apiAccessLogs = this.idempotencyTable = undefined;
    } else {
      this.idempotencyTable = new IdempotencyTable(this, 'IdempotencyKeys', settings.api).table;
      this.httpApiFunction = bundled('HttpApi', 'http-api', { timeout: Duration.seconds(HTTP_API_TIMEOUT_SECONDS), idempotencyTable: this.idempotencyTable });
      const api = new OrchestratorApi(this, 'Api', {
        settings: settings.api,
        handler: this.httpApiFunction,
        ...(props.logsEncryptionKey === undefined ? {} : { logsEncryptionKey: props.logsEncryptionKey }),
      });
      this.api = api.httpApi;
      this.apiUrl = api.url;
      this.apiAccessLogs = api.accessLogs;
    }

    this.triggerBuildEventSource = this.triggerBuildStream(settings);
    this.executionEndedRule = new Rule(this, 'ExecutionEnded', {
      description: 'Closed executions of the deployment state machine, to execution-status-change',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [props.stateMachine.stateMachineArn], status: [...CLOSED_EXECUTION_STATUSES] },
      },
      targets: [
        new LambdaTarget(this.executionStatusChangeFunction, {
          retryAttempts: 10,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: this.executionEventsDeadLetterQueue,
        }),
      ],
    });
    // The next run covers what a failed one missed: no retries.
    this.sweepRule = new Rule(this, 'Sweep', {
      description: 'The sweep of open builds',
      schedule: settings.sweepSchedule,
      // It starts PENDING builds: off while another implementation starts them.
      enabled: settings.startBuilds,
      targets: [new LambdaTarget(this.sweeperFunction, { retryAttempts: 0 })],
    });

    if (queueKey !== undefined) this.letEventBridgeUse(queueKey);
    if (props.logsEncryptionKey !== undefined) this.letCloudWatchLogsUse(props.logsEncryptionKey);
    if (props.permissionsBoundary !== undefined) PermissionsBoundary.of(this).apply(props.permissionsBoundary);

    this.alarms = new OrchestratorAlarms(this, 'Alarms', {
      functions: {
        TriggerBuild: {
          function: this.triggerBuildFunction,
          meaning:
            'trigger-build failed an invocation (it threw or timed out): Lambda retries the batch, split in two, and gives up ' +
            'on records past their retries or age (to the trigger-build failure queue); their builds stay PENDING until the ' +
            "sweeper starts them. What to do: read the error in trigger-build's log group (level ERROR, with the record's " +
            'sequence number), then fix the cause: its permissions, the table, the state machine, the function timeout.',
        },
        UpdateBuildStatus: {
          function: this.updateBuildStatusFunction,
          meaning:
            "update-build-status failed an invocation: the state machine's report of how a build ended was not recorded " +
            '(the shipped workflow retries it; execution-status-change or the sweeper record the end from the execution). ' +
            "What to do: read the error in its log group; a ValidationError names the field of the state machine's payload " +
            'that is wrong (fix the callback states), a BuildNotFoundError a build the table does not hold.',
        },
        ExecutionStatusChange: {
          function: this.executionStatusChangeFunction,
          meaning:
            'execution-status-change failed an invocation: Lambda retries an event twice, then sends it to the execution ' +
            'events dead-letter queue, and the sweeper reconciles the build. What to do: read the error in its log group and ' +
            'fix the cause (DescribeExecution or table permissions, throttling).',
        },
        Sweeper: {
          function: this.sweeperFunction,
          meaning:
            'The sweeper failed a run (it threw or timed out): open builds past the grace period wait for the next run. ' +
            "What to do: read the error in its log group and fix the cause (the status index missing or still backfilling, " +
            'permissions, throttling); one failed run among good ones needs nothing.',
        },
        ...(this.httpApiFunction === undefined
          ? {}
          : {
              HttpApi: {
                function: this.httpApiFunction,
                meaning:
                  'http-api failed an invocation (it timed out or crashed; errors it catches are answered 500 and logged at ' +
                  'level ERROR instead): the caller got a 500 or 503 and may retry with the same Idempotency-Key, which ' +
                  'answers once the first request ends or its hold lapses (60 s). What to do: read its log group for the ' +
                  'request, and fix the cause (its permissions, the tables, Step Functions throttling, the function timeout).',
              },
            }),
      },
      failureQueues: {
        TriggerBuildFailures: {
          queue: this.triggerBuildFailureQueue,
          meaning:
            'Lambda gave up on stream records of trigger-build (each message names a shard and a range of sequence numbers, ' +
            'not the records); their builds stay PENDING until the sweeper starts them. What to do: find why trigger-build ' +
            'failed (its errors and warnings), fix it, then delete the messages: nobody has to restart a build.',
        },
        ExecutionEventsDeadLetters: {
          queue: this.executionEventsDeadLetterQueue,
          meaning:
            'Execution status change events were not delivered to, or not processed by, execution-status-change; the ' +
            'sweeper reconciles their builds. What to do: read a message (the event, and for a failed invocation the error) ' +
            "and execution-status-change's errors, fix the cause, then delete the messages.",
        },
      },
      metricsNamespace: settings.metricsNamespace,
      stuckBuildsThreshold: settings.stuckBuildsAlarmThreshold,
      openBuildsThreshold: settings.openBuildsAlarmThreshold,
      iteratorAge: { function: this.triggerBuildFunction, threshold: settings.iteratorAgeAlarmThreshold },
      sweeperStopped:
        settings.startBuilds && settings.sweeperStoppedAlarmPeriod !== undefined
          ? { function: this.sweeperFunction, period: settings.sweeperStoppedAlarmPeriod }
          : undefined,
      alarmTopic: props.alarmTopic,
    }).alarms;
    if (settings.startBuilds && settings.sweeperStoppedAlarmPeriod === undefined) {
      Annotations.of(this).addWarningV2(
        '@aws-deployer/orchestrator:sweeperStoppedAlarm',
        'No alarm on a sweeper that stopped running: sweepSchedule is not a rate; give sweeperStoppedAlarmPeriod.',
      );
    }

    this.dashboard = settings.dashboard
      ? new OrchestratorDashboard(this, 'Dashboard', {
          functions: {
            'trigger-build': this.triggerBuildFunction,
            'update-build-status': this.updateBuildStatusFunction,
            'execution-status-change': this.executionStatusChangeFunction,
            sweeper: this.sweeperFunction,
            ...(this.httpApiFunction === undefined ? {} : { 'http-api': this.httpApiFunction }),
          },
          triggerBuild: this.triggerBuildFunction,
          queues: { 'trigger-build failures': this.triggerBuildFailureQueue, 'execution events dead letters': this.executionEventsDeadLetterQueue },
          alarms: this.alarms,
          metricsNamespace: settings.metricsNamespace,
        }).dashboard
      : undefined;
  }

  /**
   * EventBridge writes to the rule's dead-letter queue with its own service
   * principal, so a customer managed key of the queue must allow it in its key
   * policy (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
   * The condition names the account's rules, not this rule: naming it would
   * make the key depend on the rule, the rule on the queue and the queue on the key.
   */
  private letEventBridgeUse(key: IKey): void {
    this.addToKeyPolicy(
      key,
      'encryptionKey',
      new PolicyStatement({
        sid: 'EventBridgeDeadLettersOfAwsDeployerOrchestrator',
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: '*' }) },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );
  }

  /**
   * CloudWatch Logs encrypts a log group with its regional service principal,
   * which the key policy must allow, for this account's log groups
   * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
   */
  private letCloudWatchLogsUse(key: IKey): void {
    const stack = Stack.of(this);
    this.addToKeyPolicy(
      key,
      'logsEncryptionKey',
      new PolicyStatement({
        sid: 'LogGroupsOfAwsDeployerOrchestrator',
        principals: [new ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
  }

  /** Adds `statement` to the key policy of a key of this stack; for another key, a warning says the key policy needs it. */
  private addToKeyPolicy(key: IKey, prop: string, statement: PolicyStatement): void {
    if (Resource.isOwnedResource(key) && Stack.of(key) === Stack.of(this) && key.addToResourcePolicy(statement).statementAdded) return;
    const readable = JSON.stringify(Stack.of(this).resolve(statement.toStatementJson()), (_, value: unknown) => (isIntrinsic(value) ? flattened(value) : value));
    Annotations.of(this).addWarningV2(
      `@aws-deployer/orchestrator:${prop}Policy`,
      `The key policy of ${prop} must allow ${readable} ` +
        '(a key of another stack, or imported, is not changed here): docs/deploy.md, "Security review".',
    );
  }

  /** The stream mapping of trigger-build (docs/lambda.md, "Event source mapping"). */
  private triggerBuildStream(settings: OrchestratorSettings): EventSourceMapping {
    return new EventSourceMapping(this, 'TriggerBuildStream', {
      target: this.triggerBuildFunction,
      eventSourceArn: settings.tableStreamArn,
      enabled: settings.startBuilds,
      // Builds inserted while the mapping was off are started by the sweeper, not replayed.
      startingPosition: StartingPosition.LATEST,
      batchSize: settings.batchSize,
      maxBatchingWindow: Duration.seconds(1),
      parallelizationFactor: 1,
      // Without it Lambda ignores the handler's batchItemFailures.
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: settings.retryAttempts,
      maxRecordAge: settings.maxRecordAge,
      onFailure: new QueueFailureDestination(this.triggerBuildFailureQueue),
      // The handler ignores what these leave out itself; the filters save their invocations.
      filters: triggerBuildFilters(settings.concurrency),
    });
  }
}

/**
 * What trigger-build is given of the stream (the filters are ORed): the
 * INSERTs (new builds); under a locking policy, also the REMOVE records of
 * the environment locks (`pk = lock`), each a release that hands the
 * environment on to its next build. A REMOVE carries the item's keys in
 * `dynamodb.Keys` whatever the stream's view type, `KEYS_ONLY` included.
 */
function triggerBuildFilters(concurrency: ConcurrencyPolicyName): Array<Record<string, unknown>> {
  const newBuilds = FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT') });
  if (concurrency === UNLOCKED_CONCURRENCY_POLICY) return [newBuilds];
  const lockReleases = FilterCriteria.filter({
    eventName: FilterRule.isEqual('REMOVE'),
    dynamodb: { Keys: { pk: { S: FilterRule.isEqual(ENVIRONMENT_LOCK_PARTITION) } } },
  });
  return [newBuilds, lockReleases];
}

/** How one function differs from the others. */
interface FunctionOptions extends Pick<BundledFunctionProps, 'timeout' | 'retryAttempts' | 'onFailure'> {
  /** The queue its permissions name as its `failure-queue` (an event source's or its asynchronous invocations' destination). */
  readonly failureQueue?: Queue;
  /** The table its permissions name as its `idempotency-table` (the http-api function's), told to it as `IDEMPOTENCY_TABLE_NAME`. */
  readonly idempotencyTable?: Table;
}

/**
 * The http-api function's timeout: under the API integration's 29 s, so a
 * hung request ends as the function's error, and under the idempotency
 * key's hold (`IDEMPOTENCY_HOLD_SECONDS`, 60 s; test/cdk/orchestrator-api.test.ts),
 * so no retry takes over a request still running.
 */
const HTTP_API_TIMEOUT_SECONDS = 25;

/** `arn:{partition}:states:{region}:{account}:execution:{name}:*`, from the state machine's own ARN. */
function executionsArnOf(stateMachine: IStateMachine): string {
  const stateMachineArn = Arn.split(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME);
  return Arn.format({ ...stateMachineArn, resource: 'execution', resourceName: `${stateMachineArn.resourceName ?? ''}:*` });
}
