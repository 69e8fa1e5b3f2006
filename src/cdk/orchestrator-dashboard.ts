import { Duration } from 'aws-cdk-lib';
import { AlarmStatusWidget, Dashboard, GraphWidget, Metric, TextWidget, type Alarm, type IMetric, type IWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CALLBACK_COMPLETED_METRIC,
  EVENT_COMPLETED_METRIC,
  LOCKS_RELEASED_METRIC,
  OPEN_BUILDS_METRIC,
  PERMANENT_START_FAILURES_METRIC,
  STUCK_BUILDS_METRIC,
  SWEEPER_COMPLETED_METRIC,
  SWEEPER_STARTED_METRIC,
  TRANSIENT_START_FAILURES_METRIC,
  TRIGGER_BUILD_STARTED_METRIC,
  UNREADABLE_OPEN_ITEMS_METRIC,
} from './handler-facts.js';

export interface OrchestratorDashboardProps {
  /** The functions by the label their lines get. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** trigger-build, whose `IteratorAge` gets a graph of its own. */
  readonly triggerBuild: IFunction;
  /** The queues by the label their lines get. */
  readonly queues: Readonly<Record<string, IQueue>>;
  readonly alarms: readonly Alarm[];
  /** The handlers' metrics namespace; `undefined` when metrics are off (a note replaces their graphs). */
  readonly metricsNamespace: string | undefined;
}

const PERIOD = Duration.minutes(5);
const WIDTH = 24;

/**
 * One CloudWatch dashboard of the orchestrator: the state of every alarm; the
 * functions' invocations, errors, duration and throttles, and trigger-build's
 * iterator age; the queues' visible messages and age of the oldest; the
 * handlers' build metrics (started, failed to start, completed by the callback
 * or by reconciliation, open, stuck, unreadable, environment locks the
 * sweeper released).
 */
export class OrchestratorDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OrchestratorDashboardProps) {
    super(scope, id);
    const functions = Object.entries(props.functions);
    const queues = Object.entries(props.queues);
    const perFunction = (metricOf: (fn: IFunction) => IMetric) => functions.map(([label, fn]) => withLabel(metricOf(fn), label));
    const perQueue = (metricOf: (queue: IQueue) => IMetric) => queues.map(([label, queue]) => withLabel(metricOf(queue), label));
    const graph = (title: string, left: IMetric[], width = WIDTH / 4) => new GraphWidget({ title, left, width, height: 6 });

    const rows: IWidget[][] = [
      [new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: WIDTH, height: 4 })],
      [
        graph('Invocations', perFunction((fn) => fn.metricInvocations({ period: PERIOD, statistic: 'Sum' }))),
        graph('Errors', perFunction((fn) => fn.metricErrors({ period: PERIOD, statistic: 'Sum' }))),
        graph('Duration (maximum, ms)', perFunction((fn) => fn.metricDuration({ period: PERIOD, statistic: 'Maximum' }))),
        graph('Throttles', perFunction((fn) => fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }))),
      ],
      [
        graph('trigger-build IteratorAge (maximum, ms)', [props.triggerBuild.metric('IteratorAge', { period: PERIOD, statistic: 'Maximum' })], WIDTH / 3),
        graph('Queue messages visible', perQueue((queue) => queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' })), WIDTH / 3),
        graph('Queue age of oldest message (s)', perQueue((queue) => queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' })), WIDTH / 3),
      ],
      props.metricsNamespace === undefined ? [metricsOffNote()] : buildMetricGraphs(props.metricsNamespace, graph),
    ];
    this.dashboard = new Dashboard(this, 'Dashboard', { widgets: rows, defaultInterval: Duration.hours(3) });
  }
}

/** The handlers' build metrics, one graph a question: what started, what failed to start, what ended how, what is open. */
function buildMetricGraphs(namespace: string, graph: (title: string, left: IMetric[], width?: number) => GraphWidget): IWidget[] {
  const metric = (fact: { readonly metricName: string; readonly dimensionsMap: Readonly<Record<string, string>> }, statistic: 'Sum' | 'Maximum') =>
    new Metric({
      namespace,
      metricName: fact.metricName,
      dimensionsMap: { ...fact.dimensionsMap },
      period: PERIOD,
      statistic,
      label: `${fact.metricName} (${fact.dimensionsMap.service ?? ''})`,
    });
  return [
    graph('Builds started', [metric(TRIGGER_BUILD_STARTED_METRIC, 'Sum'), metric(SWEEPER_STARTED_METRIC, 'Sum')]),
    graph('Start failures', [metric(PERMANENT_START_FAILURES_METRIC, 'Sum'), metric(TRANSIENT_START_FAILURES_METRIC, 'Sum')]),
    graph('Builds completed', [metric(CALLBACK_COMPLETED_METRIC, 'Sum'), metric(EVENT_COMPLETED_METRIC, 'Sum'), metric(SWEEPER_COMPLETED_METRIC, 'Sum')]),
    graph('Open builds and stale locks in a sweep (maximum)', [
      metric(OPEN_BUILDS_METRIC, 'Maximum'),
      metric(STUCK_BUILDS_METRIC, 'Maximum'),
      metric(UNREADABLE_OPEN_ITEMS_METRIC, 'Maximum'),
      metric(LOCKS_RELEASED_METRIC, 'Maximum'),
    ]),
  ];
}

function metricsOffNote(): TextWidget {
  return new TextWidget({
    markdown: "The functions' build metrics are off (`metrics: false`): no graph of builds started, completed, open or stuck.",
    width: WIDTH,
    height: 2,
  });
}

function withLabel(metric: IMetric, label: string): IMetric {
  return metric instanceof Metric ? metric.with({ label }) : metric;
}
