import type { ScheduledEvent } from 'aws-lambda';
import type { Container } from 'inversify';
import type { SweepSummary } from '../../../app/index.js';
import { ValidationError } from '../../../domain/index.js';
import { reconcilerOf } from './reconciler-of.js';

export interface SweeperHandlerDeps {
  /** A container with an execution inspector (`createAwsContainer` has one). */
  readonly container: Container;
  /** How far back, by execution start, each sweep looks (default 24 hours). Cover at least two schedule periods. */
  readonly lookbackMs?: number | undefined;
  /** At most this many executions per sweep (default 1,000). */
  readonly maxExecutions?: number | undefined;
}

export type SweeperResult = Pick<SweepSummary, 'examined' | 'completed' | 'failed'>;

export type SweeperHandler = (event?: ScheduledEvent) => Promise<SweeperResult>;

/**
 * The scheduled sweeper: reconciles the recently ended executions, so a
 * build whose end event and callback were both lost still records how its
 * execution ended. A safety net behind the EventBridge handler.
 *
 * @example
 * ```ts
 * import { createAwsContainer, createSweeperHandler } from '@aws-deployer/orchestrator/lambda';
 *
 * export const handler = createSweeperHandler({
 *   container: createAwsContainer({ tableName, stateMachineArn }),
 *   lookbackMs: 6 * 60 * 60 * 1000,
 * });
 * // await handler(); // { examined: 12, completed: 1 }
 * ```
 */
export function createSweeperHandler(deps: SweeperHandlerDeps): SweeperHandler {
  const { lookbackMs, maxExecutions } = deps;
  if (lookbackMs !== undefined && !(Number.isFinite(lookbackMs) && lookbackMs > 0)) {
    throw new ValidationError('lookbackMs', 'must be a positive number of milliseconds');
  }
  if (maxExecutions !== undefined && !(Number.isSafeInteger(maxExecutions) && maxExecutions > 0)) {
    throw new ValidationError('maxExecutions', 'must be a positive integer');
  }
  const reconciler = reconcilerOf(deps.container);

  return async () => {
    const { examined, completed, failed } = await reconciler.sweep({ lookbackMs, maxExecutions });
    return { examined, completed, failed };
  };
}
