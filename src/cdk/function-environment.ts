import type { LambdaFunctionName } from '../adapters/driving/lambda/permissions.js';
import type { ConcurrencyPolicyName } from './handler-facts.js';

/** What the functions are told through their environment (docs/lambda.md, "Environment"). */
export interface FunctionSettings {
  readonly tableName: string;
  readonly stateMachineArn: string;
  readonly artifactsBucketName: string;
  /** Every function reads it: one policy per table. */
  readonly concurrency: ConcurrencyPolicyName;
  readonly statusIndexName: string;
  readonly triggerConcurrency: number;
  readonly sweepGraceMinutes: number;
  /** `undefined`: metrics are off. */
  readonly metricsNamespace: string | undefined;
  readonly tracing: boolean;
  /** The HTTP API's idempotency table; only the http-api function has one. */
  readonly idempotencyTableName?: string | undefined;
}

/**
 * The environment variables `functionName` reads at cold start (its ready
 * handler in src/composition/lambda/ready-handlers.ts), from the settings.
 */
export function environmentOf(functionName: LambdaFunctionName, settings: FunctionSettings): Record<string, string> {
  const common = {
    BUILDS_TABLE_NAME: settings.tableName,
    STATE_MACHINE_ARN: settings.stateMachineArn,
    DEPLOYMENT_CONCURRENCY: settings.concurrency,
    // The bundles ship linked source maps: stack traces then name the sources.
    NODE_OPTIONS: '--enable-source-maps',
    ...(settings.metricsNamespace === undefined
      ? { POWERTOOLS_METRICS_DISABLED: 'true' }
      : { POWERTOOLS_METRICS_NAMESPACE: settings.metricsNamespace }),
    POWERTOOLS_TRACE_ENABLED: String(settings.tracing),
  };
  switch (functionName) {
    case 'trigger-build':
      return { ...common, ARTIFACT_BUCKET: settings.artifactsBucketName, TRIGGER_CONCURRENCY: String(settings.triggerConcurrency) };
    case 'sweeper':
      return {
        ...common,
        ARTIFACT_BUCKET: settings.artifactsBucketName,
        BUILDS_STATUS_INDEX_NAME: settings.statusIndexName,
        SWEEP_GRACE_MINUTES: String(settings.sweepGraceMinutes),
      };
    case 'update-build-status':
    case 'execution-status-change':
      return common;
    case 'http-api':
      if (settings.idempotencyTableName === undefined) throw new Error('The http-api function needs its idempotency table');
      return { ...common, IDEMPOTENCY_TABLE_NAME: settings.idempotencyTableName };
  }
}
