/**
 * What the construct must agree on with the handlers' code. The construct may
 * not load that code (it would drag the AWS SDK into a CDK app), so these are
 * written again here, and test/cdk/handler-facts.test.ts holds each equal to
 * the code's own.
 */

/** The status index the sweeper queries unless `BUILDS_STATUS_INDEX_NAME` names another (the DynamoDB adapter's default). */
export const DEFAULT_STATUS_INDEX_NAME = 'status-updated_at-index';

/** The handlers' CloudWatch namespace unless `POWERTOOLS_METRICS_NAMESPACE` names another. */
export const DEFAULT_METRICS_NAMESPACE = 'AwsDeployerOrchestrator';

/** The sweeper's count of open builds past their grace period, with Powertools' `service` dimension. */
export const OPEN_BUILDS_METRIC = { metricName: 'OpenBuildsFound', dimensionsMap: { service: 'sweeper' } } as const;

/** Each bundle's entry file (scripts/bundle.ts writes `dist/lambda/{function}/index.mjs`) and its export. */
export const BUNDLE_ENTRY_FILE = 'index.mjs';
export const BUNDLE_HANDLER = 'index.handler';

/** The execution statuses the execution-status-change handler reconciles; it ignores the others (RUNNING, PENDING_REDRIVE). */
export const CLOSED_EXECUTION_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** A DynamoDB index name, as `BUILDS_STATUS_INDEX_NAME` accepts it: 3 to 255 of A-Z a-z 0-9 _ . - */
export const INDEX_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;

/**
 * A CloudWatch namespace, as `POWERTOOLS_METRICS_NAMESPACE` accepts it: 1 to
 * 255 printable ASCII characters, not starting with ":" nor "AWS/".
 */
export const METRICS_NAMESPACE_PATTERN = /^(?!AWS\/)[\x20-\x39\x3b-\x7e][\x20-\x7e]{0,254}$/;
