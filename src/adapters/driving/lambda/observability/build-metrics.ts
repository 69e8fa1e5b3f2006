import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';

/** The CloudWatch namespace of the handlers' metrics unless `POWERTOOLS_METRICS_NAMESPACE` names another. */
export const DEFAULT_METRICS_NAMESPACE = 'AwsDeployerOrchestrator';

/**
 * What the handlers count (docs/lambda.md, "Metrics"): each a `Count` with
 * Powertools' `service` dimension, the name of the handler that counted it.
 */
export const BuildMetric = {
  /** An execution started: by trigger-build, or for a `PENDING` build the sweeper took up. */
  Started: 'BuildsStarted',
  /** trigger-build recorded the build FAILED: it can never start (a permanent error, an item that is no build). */
  StartFailedPermanently: 'BuildStartFailuresPermanent',
  /** trigger-build left the build PENDING and reported its record for redelivery. */
  StartFailedTransiently: 'BuildStartFailuresTransient',
  /** update-build-status recorded the end the state machine reported. */
  CompletedByCallback: 'BuildsCompletedByCallback',
  /** execution-status-change or the sweeper recorded an end the callback never did. */
  CompletedByReconciliation: 'BuildsCompletedByReconciliation',
  /** Open builds past their grace period the sweeper found in the status index, running deployments included. */
  OpenFound: 'OpenBuildsFound',
  /**
   * Open builds the sweeper found stuck: `PENDING` past its grace period with
   * nothing holding it back, `IN_PROGRESS` with its execution ended or
   * missing, unreadable, or undecided (the sweep's `stuck`).
   */
  Stuck: 'StuckBuilds',
  /** Open items the sweeper found that do not read as builds (also in `StuckBuilds`). */
  UnreadableOpen: 'UnreadableOpenItems',
  /**
   * Environment locks the sweeper released because their holder had ended
   * (or was gone) without releasing them (the sweep's `locksReleased`).
   */
  LocksReleased: 'LocksReleased',
} as const;

export type BuildMetricName = (typeof BuildMetric)[keyof typeof BuildMetric];

/**
 * One invocation's counts, added to Powertools Metrics only when it ends:
 * Powertools keeps every `addMetric` of a name as a separate value, so
 * counting build by build would send a sample per build instead of one count.
 */
export class InvocationCounts {
  private readonly counts: Map<BuildMetricName, number>;

  /** `always`: emitted even when nothing was counted, so a quiet period reads 0 instead of missing data. */
  constructor(always: readonly BuildMetricName[]) {
    this.counts = new Map(always.map((name) => [name, 0]));
  }

  add(name: BuildMetricName, count = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + count);
  }

  /** Adds the counts to `metrics` and flushes them: one EMF document on stdout. */
  publish(metrics: Metrics): void {
    for (const [name, count] of this.counts) metrics.addMetric(name, MetricUnit.Count, count);
    metrics.publishStoredMetrics();
  }
}
