import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { Logger } from '../../../../ports/index.js';
import { InvocationCounts, type BuildMetricName } from './build-metrics.js';

/** What a handler factory takes, beside its services, to be observed. */
export interface HandlerObservability {
  /**
   * Powertools Metrics (EMF) for the handler's counts (docs/lambda.md,
   * "Metrics"), published once per invocation, also when it throws. Without
   * it no metric is emitted.
   */
  readonly metrics?: Metrics | undefined;
}

export interface ObservedHandlerOptions {
  /** The services' logger: one that takes a Lambda context (a `PowertoolsLogger`) gets each invocation's. */
  readonly logger: Logger;
  readonly metrics: Metrics | undefined;
  /** The handler's metrics, emitted by every invocation (0 when nothing happened). */
  readonly counted: readonly BuildMetricName[];
}

export type LambdaHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

/**
 * What Powertools' `injectLambdaContext` and `logMetrics` middlewares do,
 * without middy: every line the invocation logs carries its Lambda context
 * (`function_request_id`, `cold_start`, `function_name`...; Powertools
 * `logger.addContext`), and the counts of the invocation are published when
 * it ends, whether it returned or threw (`publishStoredMetrics`).
 */
export function observed<TEvent, TResult>(
  options: ObservedHandlerOptions,
  handle: (event: TEvent, context: Context, counts: InvocationCounts) => Promise<TResult>,
): LambdaHandler<TEvent, TResult> {
  const { logger, metrics, counted } = options;
  return async (event, context) => {
    // Replaces the previous invocation's context: nothing of it outlives its invocation.
    if (takesLambdaContext(logger)) logger.addContext(context);
    const counts = new InvocationCounts(counted);
    try {
      return await handle(event, context, counts);
    } finally {
      if (metrics !== undefined) counts.publish(metrics);
    }
  };
}

/** A logger that can stamp its lines with the invocation's Lambda context, as Powertools Logger's `addContext` does. */
function takesLambdaContext(logger: Logger): logger is Logger & { addContext(context: Context): void } {
  return typeof (logger as { addContext?: unknown }).addContext === 'function';
}
