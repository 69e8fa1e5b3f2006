// The construct's copies of what the handlers' code decides (it may not load
// that code) are the code's own.
import { describe, expect, it } from 'vitest';
import { TABLE_NAME } from '../../src/adapters/driven/arguments.js';
import { DEFAULT_STATUS_INDEX_NAME as REPOSITORY_INDEX_NAME } from '../../src/dynamodb.js';
import { readObservabilityEnvironment } from '../../src/composition/lambda/environment.js';
import { BuildMetric, DEFAULT_METRICS_NAMESPACE as HANDLERS_NAMESPACE } from '../../src/adapters/driving/lambda/observability/build-metrics.js';
import { isClosedExecutionStatus } from '../../src/domain/execution-status.js';
import {
  CLOSED_EXECUTION_STATUSES,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_STATUS_INDEX_NAME,
  INDEX_NAME_PATTERN,
  METRICS_NAMESPACE_PATTERN,
  OPEN_BUILDS_METRIC,
} from '../../src/cdk/handler-facts.js';

describe("the construct's copies of the handlers' facts", () => {
  it('name the status index the DynamoDB adapter queries by default', () => {
    expect(DEFAULT_STATUS_INDEX_NAME).toBe(REPOSITORY_INDEX_NAME);
  });

  it("name the handlers' metrics namespace and the sweeper's open-builds metric", () => {
    expect(DEFAULT_METRICS_NAMESPACE).toBe(HANDLERS_NAMESPACE);
    expect(OPEN_BUILDS_METRIC.metricName).toBe(BuildMetric.OpenFound);
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
});
