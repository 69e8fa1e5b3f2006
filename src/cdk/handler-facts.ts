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

/** The sweeper's count of builds stuck open (`PENDING` nothing started, an ended or missing execution, unreadable, undecided). */
export const STUCK_BUILDS_METRIC = { metricName: 'StuckBuilds', dimensionsMap: { service: 'sweeper' } } as const;

/** The sweeper's count of open items that do not read as builds (also counted in `StuckBuilds`). */
export const UNREADABLE_OPEN_ITEMS_METRIC = { metricName: 'UnreadableOpenItems', dimensionsMap: { service: 'sweeper' } } as const;

/** trigger-build's count of builds recorded `FAILED` because they can never start. */
export const PERMANENT_START_FAILURES_METRIC = { metricName: 'BuildStartFailuresPermanent', dimensionsMap: { service: 'trigger-build' } } as const;

/** trigger-build's count of records reported for redelivery, their builds left `PENDING`. */
export const TRANSIENT_START_FAILURES_METRIC = { metricName: 'BuildStartFailuresTransient', dimensionsMap: { service: 'trigger-build' } } as const;

/** The sweeper's count of `PENDING` builds it started: their stream records were lost. */
export const SWEEPER_STARTED_METRIC = { metricName: 'BuildsStarted', dimensionsMap: { service: 'sweeper' } } as const;

/** The sweeper's count of build ends it recorded because neither the callback nor the event did. */
export const SWEEPER_COMPLETED_METRIC = { metricName: 'BuildsCompletedByReconciliation', dimensionsMap: { service: 'sweeper' } } as const;

/** trigger-build's count of executions it started. */
export const TRIGGER_BUILD_STARTED_METRIC = { metricName: 'BuildsStarted', dimensionsMap: { service: 'trigger-build' } } as const;

/** update-build-status's count of build ends the state machine reported and it recorded. */
export const CALLBACK_COMPLETED_METRIC = { metricName: 'BuildsCompletedByCallback', dimensionsMap: { service: 'update-build-status' } } as const;

/** execution-status-change's count of build ends it recorded because the callback never did. */
export const EVENT_COMPLETED_METRIC = { metricName: 'BuildsCompletedByReconciliation', dimensionsMap: { service: 'execution-status-change' } } as const;

/** The sweeper's count of environment locks it released, their holder ended without releasing them. */
export const LOCKS_RELEASED_METRIC = { metricName: 'LocksReleased', dimensionsMap: { service: 'sweeper' } } as const;

/**
 * The concurrency policies the functions read in `DEPLOYMENT_CONCURRENCY`
 * (src/domain/concurrency-policy.ts), and the one they read without it.
 */
export const CONCURRENCY_POLICIES = ['queue', 'supersede', 'parallel'] as const;
export type ConcurrencyPolicyName = (typeof CONCURRENCY_POLICIES)[number];
export const DEFAULT_CONCURRENCY_POLICY: ConcurrencyPolicyName = 'queue';
/** The policy under which no environment lock is taken (every other one locks). */
export const UNLOCKED_CONCURRENCY_POLICY: ConcurrencyPolicyName = 'parallel';

/**
 * The partition key of every environment lock item in the builds table
 * (`pk = lock`, `sk = {repo}/{env}`; src/domain/environment-lock.ts): the
 * release of a lock is its REMOVE on the stream, which trigger-build hands on.
 */
export const ENVIRONMENT_LOCK_PARTITION = 'lock';

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

/**
 * The idempotency table as the DynamoDB idempotency store reads it
 * (src/adapters/driven/dynamodb/dynamodb-idempotency-store.ts): partition key
 * `id` (S), no sort key, DynamoDB's TTL on `expiration` (epoch seconds).
 */
export const IDEMPOTENCY_PARTITION_KEY = 'id';
export const IDEMPOTENCY_TTL_ATTRIBUTE = 'expiration';

/**
 * How long a manual deployment request holds its idempotency key before
 * another request may take it over (src/app/manual/idempotent-requests.ts):
 * the http-api function's timeout stays below it, so a request still running
 * is never taken over.
 */
export const IDEMPOTENCY_HOLD_SECONDS = 60;
