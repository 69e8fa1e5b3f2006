import { Arn, ArnFormat, Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { EventSourceMapping, FilterCriteria, FilterRule, StartingPosition, type Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { LambdaFunctionName, PermissionResourceArns } from '../adapters/driving/lambda/permissions.js';
import { settingsOf, type BuildOrchestratorProps, type OrchestratorSettings } from './build-orchestrator-props.js';
import { BundledFunction, type BundledFunctionProps } from './bundled-function.js';
import { environmentOf } from './function-environment.js';
import { CLOSED_EXECUTION_STATUSES } from './handler-facts.js';
import { OrchestratorAlarms } from './orchestrator-alarms.js';
import { QueueFailureDestination } from './queue-failure-destination.js';

/**
 * The TypeScript orchestrator on an existing AWS Deployer: its four Lambda
 * functions from the bundles this package ships, and everything that feeds
 * and watches them.
 *
 * - trigger-build, on the table's stream (INSERTs only, partial batch
 *   responses, bisect on error, bounded retries and record age, an SQS
 *   on-failure queue);
 * - update-build-status, for the state machine to invoke at its end (grant
 *   it: `updateBuildStatusFunction.grantInvoke(stateMachineRole)`);
 * - execution-status-change, on the state machine's "Step Functions Execution
 *   Status Change" events for closed executions (retry policy, dead-letter
 *   queue);
 * - the sweeper, on a schedule;
 * - one role per function with exactly its permissions
 *   (src/adapters/driving/lambda/permissions.ts, as docs/lambda.md prints them), a
 *   log group each, and CloudWatch alarms.
 *
 * The table and the state machine are only referenced, never changed.
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
  /** Every alarm: function errors, messages in either queue, open builds piling up (with metrics on). */
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: BuildOrchestratorProps) {
    super(scope, id);
    const settings = settingsOf(props);
    const failureQueue = (queueId: string) =>
      new Queue(this, queueId, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    this.triggerBuildFailureQueue = failureQueue('TriggerBuildFailures');
    this.executionEventsDeadLetterQueue = failureQueue('ExecutionEventsDeadLetters');

    const resources: Omit<PermissionResourceArns, 'log-group' | 'failure-queue'> = {
      table: props.table.tableArn,
      'status-index': `${props.table.tableArn}/index/${settings.statusIndexName}`,
      'table-stream': settings.tableStreamArn,
      'state-machine': props.stateMachine.stateMachineArn,
      executions: executionsArnOf(props.stateMachine),
    };
    const bundled = (functionId: string, functionName: LambdaFunctionName, options: FunctionOptions) =>
      new BundledFunction(this, functionId, {
        functionName,
        bundlesDirectory: settings.bundlesDirectory,
        environment: environmentOf(functionName, {
          tableName: props.table.tableName,
          stateMachineArn: props.stateMachine.stateMachineArn,
          artifactsBucketName: props.artifactsBucket.bucketName,
          statusIndexName: settings.statusIndexName,
          triggerConcurrency: settings.triggerConcurrency,
          sweepGraceMinutes: settings.sweepGraceMinutes,
          metricsNamespace: settings.metricsNamespace,
          tracing: settings.tracing,
        }),
        logRetention: settings.logRetention,
        tracing: settings.tracing,
        timeout: options.timeout,
        resources: options.failureQueue === undefined ? resources : { ...resources, 'failure-queue': options.failureQueue.queueArn },
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

    this.alarms = new OrchestratorAlarms(this, 'Alarms', {
      functions: {
        TriggerBuild: this.triggerBuildFunction,
        UpdateBuildStatus: this.updateBuildStatusFunction,
        ExecutionStatusChange: this.executionStatusChangeFunction,
        Sweeper: this.sweeperFunction,
      },
      failureQueues: {
        TriggerBuildFailures: {
          queue: this.triggerBuildFailureQueue,
          meaning:
            'Lambda gave up on stream records of trigger-build (the messages name their shard and sequence numbers); ' +
            'their builds stay PENDING until the sweeper starts them. Find why trigger-build failed.',
        },
        ExecutionEventsDeadLetters: {
          queue: this.executionEventsDeadLetterQueue,
          meaning:
            'Execution status change events were not delivered to, or not processed by, execution-status-change; ' +
            'the sweeper reconciles their builds. Find why.',
        },
      },
      metricsNamespace: settings.metricsNamespace,
      openBuildsThreshold: settings.openBuildsAlarmThreshold,
      alarmTopic: props.alarmTopic,
    }).alarms;
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
      // The handler ignores MODIFY and REMOVE itself; the filter saves their invocations.
      filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT') })],
    });
  }
}

/** How one function differs from the others. */
interface FunctionOptions extends Pick<BundledFunctionProps, 'timeout' | 'retryAttempts' | 'onFailure'> {
  /** The queue its permissions name as its `failure-queue` (an event source's or its asynchronous invocations' destination). */
  readonly failureQueue?: Queue;
}

/** `arn:{partition}:states:{region}:{account}:execution:{name}:*`, from the state machine's own ARN. */
function executionsArnOf(stateMachine: IStateMachine): string {
  const stateMachineArn = Arn.split(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME);
  return Arn.format({ ...stateMachineArn, resource: 'execution', resourceName: `${stateMachineArn.resourceName ?? ''}:*` });
}
