import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OPEN_BUILDS_METRIC } from './handler-facts.js';

export interface OrchestratorAlarmsProps {
  /** The functions by name: each gets an alarm on its errors. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Queues that hold what was given up on, with what a message there means: each gets an alarm on its first message. */
  readonly failureQueues: Readonly<Record<string, { readonly queue: IQueue; readonly meaning: string }>>;
  /** The sweeper's metrics namespace; `undefined` when metrics are off (no open-builds alarm then). */
  readonly metricsNamespace: string | undefined;
  readonly openBuildsThreshold: number;
  readonly alarmTopic: ITopic | undefined;
}

const PERIOD = Duration.minutes(5);

/**
 * The alarms that say the orchestrator needs a person: a function failing, a
 * record or event given up on, builds piling up open. Missing data (a quiet
 * period) is not breaching.
 */
export class OrchestratorAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OrchestratorAlarmsProps) {
    super(scope, id);
    const alarmOn = (alarmId: string, description: string, metric: IMetric, threshold: number, comparisonOperator: ComparisonOperator) => {
      const alarm = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmTopic !== undefined) alarm.addAlarmAction(new SnsAction(props.alarmTopic));
      this.alarms.push(alarm);
    };
    const atLeastOne = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;

    for (const [name, fn] of Object.entries(props.functions)) {
      alarmOn(`${name}Errors`, `The ${name} function failed (an invocation threw or timed out).`, fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), 1, atLeastOne);
    }
    for (const [name, { queue, meaning }] of Object.entries(props.failureQueues)) {
      alarmOn(
        `${name}Messages`,
        meaning,
        queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        1,
        atLeastOne,
      );
    }
    if (props.metricsNamespace !== undefined) {
      alarmOn(
        'OpenBuilds',
        `The sweeper found more than ${props.openBuildsThreshold} builds open past their grace period.`,
        new Metric({ namespace: props.metricsNamespace, ...OPEN_BUILDS_METRIC, period: PERIOD, statistic: 'Maximum' }),
        props.openBuildsThreshold,
        ComparisonOperator.GREATER_THAN_THRESHOLD,
      );
    }
  }
}
