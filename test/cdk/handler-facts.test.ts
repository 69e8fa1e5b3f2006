// The construct's copies of what the handlers' code decides (it may not load
// that code) are the code's own.
import { describe, expect, it } from 'vitest';
import { TABLE_NAME } from '../../src/adapters/driven/arguments.js';
import { DEFAULT_STATUS_INDEX_NAME as REPOSITORY_INDEX_NAME } from '../../src/dynamodb.js';
import { readObservabilityEnvironment } from '../../src/composition/lambda/environment.js';
import { BuildMetric, DEFAULT_METRICS_NAMESPACE as HANDLERS_NAMESPACE } from '../../src/adapters/driving/lambda/observability/build-metrics.js';
import { isClosedExecutionStatus } from '../../src/domain/execution-status.js';
import {
  CONCURRENCY_POLICIES as DOMAIN_CONCURRENCY_POLICIES,
  DEFAULT_CONCURRENCY_POLICY as DOMAIN_DEFAULT_CONCURRENCY_POLICY,
  locksEnvironment,
} from '../../src/domain/concurrency-policy.js';
import { ENVIRONMENT_LOCK_PARTITION as DOMAIN_LOCK_PARTITION } from '../../src/domain/environment-lock.js';
import {
  CALLBACK_COMPLETED_METRIC,
  CLOSED_EXECUTION_STATUSES,
  CONCURRENCY_POLICIES,
  DEFAULT_CONCURRENCY_POLICY,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_STATUS_INDEX_NAME,
  ENVIRONMENT_LOCK_PARTITION,
  EVENT_COMPLETED_METRIC,
  INDEX_NAME_PATTERN,
  LOCKS_RELEASED_METRIC,
  METRICS_NAMESPACE_PATTERN,
  OPEN_BUILDS_METRIC,
  PERMANENT_START_FAILURES_METRIC,
  STUCK_BUILDS_METRIC,
  SWEEPER_COMPLETED_METRIC,
  SWEEPER_STARTED_METRIC,
  TRANSIENT_START_FAILURES_METRIC,
  TRIGGER_BUILD_STARTED_METRIC,
  UNLOCKED_CONCURRENCY_POLICY,
  UNREADABLE_OPEN_ITEMS_METRIC,
} from '../../src/cdk/handler-facts.js';
import { LAMBDA_FUNCTIONS } from '../../src/adapters/driving/lambda/permissions.js';
import { IDEMPOTENCY_HOLD_SECONDS as APP_HOLD_SECONDS } from '../../src/app/manual/idempotent-requests.js';
import { DynamoDbIdempotencyStore } from '../../src/dynamodb.js';
import { IDEMPOTENCY_HOLD_SECONDS, IDEMPOTENCY_PARTITION_KEY, IDEMPOTENCY_TTL_ATTRIBUTE } from '../../src/cdk/handler-facts.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

describe("the construct's copies of the handlers' facts", () => {
  it('name the status index the DynamoDB adapter queries by default', () => {
    expect(DEFAULT_STATUS_INDEX_NAME).toBe(REPOSITORY_INDEX_NAME);
  });

  it("name the handlers' metrics namespace and the sweeper's open-builds metric", () => {
    expect(DEFAULT_METRICS_NAMESPACE).toBe(HANDLERS_NAMESPACE);
    expect(OPEN_BUILDS_METRIC.metricName).toBe(BuildMetric.OpenFound);
  });

  it("name the metrics the alarms and the dashboard watch as the handlers emit them, each with its function's service", () => {
    const facts = [
      [STUCK_BUILDS_METRIC, BuildMetric.Stuck, 'sweeper'],
      [UNREADABLE_OPEN_ITEMS_METRIC, BuildMetric.UnreadableOpen, 'sweeper'],
      [PERMANENT_START_FAILURES_METRIC, BuildMetric.StartFailedPermanently, 'trigger-build'],
      [TRANSIENT_START_FAILURES_METRIC, BuildMetric.StartFailedTransiently, 'trigger-build'],
      [SWEEPER_STARTED_METRIC, BuildMetric.Started, 'sweeper'],
      [SWEEPER_COMPLETED_METRIC, BuildMetric.CompletedByReconciliation, 'sweeper'],
      [TRIGGER_BUILD_STARTED_METRIC, BuildMetric.Started, 'trigger-build'],
      [CALLBACK_COMPLETED_METRIC, BuildMetric.CompletedByCallback, 'update-build-status'],
      [EVENT_COMPLETED_METRIC, BuildMetric.CompletedByReconciliation, 'execution-status-change'],
      [LOCKS_RELEASED_METRIC, BuildMetric.LocksReleased, 'sweeper'],
    ] as const;

    for (const [fact, metricName, service] of facts) {
      expect(fact).toEqual({ metricName, dimensionsMap: { service } });
      expect(LAMBDA_FUNCTIONS).toContain(service);
    }
  });

  it('name the concurrency policies DEPLOYMENT_CONCURRENCY reads, its default, the one that locks nothing, and the partition of the locks', () => {
    expect(CONCURRENCY_POLICIES).toEqual(DOMAIN_CONCURRENCY_POLICIES);
    expect(DEFAULT_CONCURRENCY_POLICY).toBe(DOMAIN_DEFAULT_CONCURRENCY_POLICY);
    expect(CONCURRENCY_POLICIES.filter((policy) => !locksEnvironment(policy))).toEqual([UNLOCKED_CONCURRENCY_POLICY]);
    expect(ENVIRONMENT_LOCK_PARTITION).toBe(DOMAIN_LOCK_PARTITION);
  });

  it('list exactly the execution statuses execution-status-change reconciles', () => {
    const statuses = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

    expect(statuses.filter(isClosedExecutionStatus)).toEqual([...CLOSED_EXECUTION_STATUSES]);
  });

  it('accept the index names BUILDS_STATUS_INDEX_NAME accepts', () => {
    expect(INDEX_NAME_PATTERN.source).toBe(TABLE_NAME.source);
  });

  it.each(['Deployments', 'aws-deployer/prd', 'a', ':deployments', 'AWS/Lambda', 'x'.repeat(255), 'x'.repeat(256), 'tab\there'])(
    'agree with POWERTOOLS_METRICS_NAMESPACE on whether %j is a namespace',
    (namespace) => {
      const readerAccepts = (() => {
        try {
          readObservabilityEnvironment({ POWERTOOLS_METRICS_NAMESPACE: namespace });
          return true;
        } catch {
          return false;
        }
      })();

      expect(METRICS_NAMESPACE_PATTERN.test(namespace)).toBe(readerAccepts);
    },
  );

  it("shape the idempotency table as the DynamoDB idempotency store reads and writes it, and hold a key as long as the app does", async () => {
    const sent: Array<Record<string, unknown>> = [];
    const client = { send: async (command: { input: Record<string, unknown> }) => (sent.push(command.input), {}) } as unknown as DynamoDBDocumentClient;
    const store = new DynamoDbIdempotencyStore({ client, tableName: 'prd-aws-deployer--idempotency' });

    await store.complete('redeploy#caller#key-1', 'a-hash', '{}', new Date('2026-01-02T00:00:00Z'));
    await store.release('redeploy#caller#key-1', 'a-hash');

    for (const input of sent) expect(Object.keys(input.Key as object)).toEqual([IDEMPOTENCY_PARTITION_KEY]);
    expect(sent[0]?.ExpressionAttributeNames).toMatchObject({ '#expiration': IDEMPOTENCY_TTL_ATTRIBUTE });
    expect(IDEMPOTENCY_HOLD_SECONDS).toBe(APP_HOLD_SECONDS);
  });
});
