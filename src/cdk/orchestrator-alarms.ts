import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  OPEN_BUILDS_METRIC,
  PERMANENT_START_FAILURES_METRIC,
  STUCK_BUILDS_METRIC,
  SWEEPER_COMPLETED_METRIC,
  SWEEPER_STARTED_METRIC,
  TRANSIENT_START_FAILURES_METRIC,
} from './handler-facts.js';

export interface OrchestratorAlarmsProps {
  /** The functions by name, with what a failed invocation means and what to do: each gets an alarm on its errors. */
  readonly functions: Readonly<Record<string, { readonly function: IFunction; readonly meaning: string }>>;
  /** Queues that hold what was given up on, with what a message there means: each gets an alarm on its first message. */
  readonly failureQueues: Readonly<Record<string, { readonly queue: IQueue; readonly meaning: string }>>;
  /** The handlers' metrics namespace; `undefined` when metrics are off (no alarm on the handlers' metrics then). */
  readonly metricsNamespace: string | undefined;
  /** The stuck-builds alarm fires at this many builds stuck in one sweep. */
  readonly stuckBuildsThreshold: number;
  /** When given, an alarm on the sweeper's `OpenBuildsFound` above it too (the deprecated open-builds alarm). */
  readonly openBuildsThreshold: number | undefined;
  /** trigger-build, whose `IteratorAge` reaching `threshold` fires an alarm. */
  readonly iteratorAge: { readonly function: IFunction; readonly threshold: Duration };
  /** The sweeper, whose having no invocation for `period` fires an alarm; `undefined`: no such alarm. */
  readonly sweeperStopped: { readonly function: IFunction; readonly period: Duration } | undefined;
  readonly alarmTopic: ITopic | undefined;
}

const PERIOD = Duration.minutes(5);
// "Above 0 for several periods": three periods of five minutes in a row.
const TRANSIENT_FAILURE_PERIODS = 3;

/**
 * The alarms that say the orchestrator needs a person: a function failing, a
 * record or event given up on, builds stuck open, a build that will not
 * deploy, something lost on the way that the sweeper made up for, stream
 * records read late, a sweeper that stopped running. A healthy deployment,
 * however long it runs, raises none. Missing data (a quiet period) is not
 * breaching, but for the sweeper's invocations, whose absence is the trouble;
 * each alarm's description says what it means and what to do.
 */
export class OrchestratorAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OrchestratorAlarmsProps) {
    super(scope, id);
    const alarmOn = (alarmId: string, description: string, metric: IMetric, threshold: number, options: AlarmShape = {}) => {
      const periods = options.periods ?? 1;
      const alarm = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: periods,
        ...(periods > 1 ? { datapointsToAlarm: periods } : {}),
        treatMissingData: options.missingData ?? TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmTopic !== undefined) alarm.addAlarmAction(new SnsAction(props.alarmTopic));
      this.alarms.push(alarm);
    };

    for (const [name, { function: fn, meaning }] of Object.entries(props.functions)) {
      alarmOn(`${name}Errors`, meaning, fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), 1);
    }
    for (const [name, { queue, meaning }] of Object.entries(props.failureQueues)) {
      alarmOn(`${name}Messages`, meaning, queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }), 1);
    }
    const { threshold: lateness } = props.iteratorAge;
    // IteratorAge by FunctionName: trigger-build has one event source mapping, so its age is that mapping's.
    alarmOn(
      'TriggerBuildIteratorAge',
      `trigger-build read stream records ${lateness.toHumanString()} or more after they were written (IteratorAge, the age ` +
        'of the last record of a batch): new builds start that late. A batch that fails and is retried holds back the records ' +
        'behind it on its shard (see the StartFailuresTransient alarm and trigger-build errors), and so do throttled ' +
        'invocations and a mapping that resumed after a pause. Past the grace period the sweeper starts those builds itself. ' +
        "What to do: look at trigger-build's errors, throttles and duration on the dashboard and at the mapping's state " +
        '(aws lambda get-event-source-mapping --uuid UUID), then fix what holds the records back.',
      props.iteratorAge.function.metric('IteratorAge', { period: PERIOD, statistic: 'Maximum' }),
      lateness.toMilliseconds(),
    );
    if (props.sweeperStopped !== undefined) {
      const { function: sweeper, period } = props.sweeperStopped;
      alarmOn(
        'SweeperStopped',
        `The sweeper was not invoked for ${period.toHumanString()}: its schedule (the sweep rule) is disabled or gone, or its ` +
          'invocations are throttled. Until it runs again nothing starts a PENDING build whose stream record was lost, and ' +
          "nothing records the end of an execution nobody reported. What to do: check the sweep rule's state (aws events " +
          "describe-rule --name RULE), the sweeper's throttles and concurrency, and its errors; a rule disabled by hand is " +
          'enabled again by deploying the construct with startBuilds true.',
        sweeper.metricInvocations({ period, statistic: 'Sum' }),
        1,
        { comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD, missingData: TreatMissingData.BREACHING },
      );
    }
    const namespace = props.metricsNamespace;
    if (namespace === undefined) return;
    const metric = (fact: { readonly metricName: string; readonly dimensionsMap: Readonly<Record<string, string>> }, statistic: 'Sum' | 'Maximum') =>
      new Metric({ namespace, metricName: fact.metricName, dimensionsMap: { ...fact.dimensionsMap }, period: PERIOD, statistic });

    alarmOn(
      'StuckBuilds',
      `The sweeper found ${props.stuckBuildsThreshold === 1 ? 'a build' : `${props.stuckBuildsThreshold} builds`} stuck open past the ` +
        'grace period in one sweep: a PENDING build nothing started, an IN_PROGRESS build whose execution has ended or does not ' +
        'exist, an open item that does not read as a build (also counted in UnreadableOpenItems), or an IN_PROGRESS build whose ' +
        'execution cannot be matched to it. Running deployments are never counted. The sweeper starts or ends what it can and logs ' +
        "each stuck build as 'Stuck build found by the sweeper', with the build id and why (stuck). What to do: query the sweeper's " +
        "log group for that message. 'unreadable' and 'undecided' builds stay open until a person repairs the item or records the " +
        "end (aws-deployer-orchestrator complete); 'not-started' builds found again and again mean the sweeper cannot start them " +
        '(no ARTIFACT_BUCKET, or a failing start: see its errors).',
      metric(STUCK_BUILDS_METRIC, 'Maximum'),
      props.stuckBuildsThreshold,
    );
    alarmOn(
      'StartFailuresPermanent',
      'trigger-build recorded a build FAILED because it can never start: a permanent Step Functions error (the state machine ' +
        'missing or being deleted, KMS access denied, an invalid input) or a build record that does not read as a build. That ' +
        "build will not deploy. What to do: find it in trigger-build's log ('Build cannot start; recorded FAILED', with the build " +
        'id and the reason) or with aws-deployer-orchestrator list --status FAILED, fix the cause (the state machine, its KMS ' +
        'key, the record), then deploy again with a new build.',
      metric(PERMANENT_START_FAILURES_METRIC, 'Sum'),
      1,
    );
    alarmOn(
      'StartFailuresTransient',
      `For ${TRANSIENT_FAILURE_PERIODS * PERIOD.toMinutes()} minutes in a row, trigger-build has reported stream records for ` +
        'redelivery: their builds stay PENDING, and the records behind them on the same shard wait (throttling, ' +
        'ExecutionLimitExceeded, DynamoDB errors...). Lambda retries them; a record past its retries or age goes to the ' +
        'trigger-build failure queue and the sweeper starts its build later. What to do: read the error codes in ' +
        "trigger-build's warnings ('Record will be delivered again; the build stays PENDING'), then raise the limit that is " +
        'hit (Step Functions open executions, DynamoDB capacity) or fix the failing dependency.',
      metric(TRANSIENT_START_FAILURES_METRIC, 'Sum'),
      1,
      { periods: TRANSIENT_FAILURE_PERIODS },
    );
    alarmOn(
      'BuildsStartedBySweeper',
      'The sweeper started PENDING builds that trigger-build never started: their stream records were lost (Lambda gave up on ' +
        'them after their retries or age, the stream mapping was disabled, a record was dropped). They are deploying now, late ' +
        "by at least the grace period; the sweeper logs each as 'PENDING build taken up by the sweeper'. What to do: find why " +
        "the records were lost: messages in the trigger-build failure queue, trigger-build's errors, the state of its stream " +
        'mapping.',
      metric(SWEEPER_STARTED_METRIC, 'Sum'),
      1,
    );
    alarmOn(
      'BuildsCompletedBySweeper',
      'The sweeper recorded how builds ended because neither the state machine (update-build-status) nor the execution\'s ' +
        'EventBridge event did, so their status was wrong for at least the grace period: an execution that ended unreported, ' +
        'one that does not exist, a FAILED build whose redriven execution succeeded, or a PENDING build it recorded FAILED ' +
        "because it can never start. The builds are true now; the sweeper logs each ('Build completed by reconciliation', " +
        "'Build recorded FAILED by the sweeper', 'PENDING build taken up by the sweeper'). What to do: find why both reports " +
        'were lost: update-build-status errors, messages in the execution events dead-letter queue, EventBridge delivery, the ' +
        "state machine's report states (a timeout or an abort never reports).",
      metric(SWEEPER_COMPLETED_METRIC, 'Sum'),
      1,
    );
    if (props.openBuildsThreshold !== undefined) {
      alarmOn(
        'OpenBuilds',
        `The sweeper found more than ${props.openBuildsThreshold} builds open past their grace period, running deployments ` +
          'included: a measure of load, not of trouble (StuckBuilds is). What to do: if deployments are slow rather than stuck, ' +
          'nothing; otherwise see the StuckBuilds alarm.',
        metric(OPEN_BUILDS_METRIC, 'Maximum'),
        props.openBuildsThreshold,
        { comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD },
      );
    }
  }
}

/** How an alarm compares, over how many periods in a row, and what a period without data is (default: at least the threshold, in one period, not breaching). */
interface AlarmShape {
  readonly comparisonOperator?: ComparisonOperator;
  readonly periods?: number;
  readonly missingData?: TreatMissingData;
}
