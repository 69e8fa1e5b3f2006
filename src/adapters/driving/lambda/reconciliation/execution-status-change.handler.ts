import type { Context, EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import type { ReconcileExecutionService, ReconcileOutcome } from '../../../../app/index.js';
import { isClosedExecutionStatus, parseStateMachineArn, parseWith } from '../../../../domain/index.js';
import type { Logger } from '../../../../ports/index.js';
import { BuildMetric } from '../observability/build-metrics.js';
import { observed, type HandlerObservability } from '../observability/observed-handler.js';

/** The part of the event's detail this handler reads; Step Functions sends more. */
export interface ExecutionStatusChangeDetail {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly status: string;
}

export type ExecutionStatusChangeEvent = EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChangeDetail>;

export type ExecutionStatusChangeResult = ReconcileOutcome | { readonly outcome: 'ignored'; readonly reason: string };

export type ExecutionStatusChangeHandler = (event: ExecutionStatusChangeEvent, context: Context) => Promise<ExecutionStatusChangeResult>;

export interface ExecutionStatusChangeHandlerDeps extends HandlerObservability {
  /** Records how an execution ended (`container.get(ReconcileExecutionService)`). */
  readonly reconciler: ReconcileExecutionService;
  /** The logger the services log to: a Powertools logger gets each invocation's Lambda context. */
  readonly logger: Logger;
  /** Events of other state machines are ignored. */
  readonly stateMachineArn: string;
}

const detailSchema = z.object({
  executionArn: z.string({ error: 'must be a string' }).check(z.minLength(1, { error: 'must not be empty' })),
  stateMachineArn: z.string({ error: 'must be a string' }),
  status: z.string({ error: 'must be a string' }),
});

/**
 * The execution-end reconciliation handler for EventBridge's "Step Functions
 * Execution Status Change" events: when a deployment execution ends, makes
 * its build record how it really ended (DescribeExecution is the truth), even
 * if the state machine never reported it (timeouts, aborts). Counts
 * `BuildsCompletedByReconciliation` when given `metrics`.
 *
 * @example
 * ```ts
 * import { ReconcileExecutionService, TOKENS } from '@aws-deployer/orchestrator';
 * import { createAwsContainer, createExecutionStatusChangeHandler } from '@aws-deployer/orchestrator/lambda';
 *
 * const container = createAwsContainer({ tableName, stateMachineArn });
 * export const handler = createExecutionStatusChangeHandler({
 *   reconciler: container.get(ReconcileExecutionService),
 *   logger: container.get(TOKENS.Logger),
 *   stateMachineArn,
 * });
 * // await handler(event, context); // { outcome: 'completed', buildId: 'myapp/prd:2HFj...', status: 'FAILED' }
 * ```
 */
export function createExecutionStatusChangeHandler(deps: ExecutionStatusChangeHandlerDeps): ExecutionStatusChangeHandler {
  parseStateMachineArn(deps.stateMachineArn);
  const { reconciler, logger } = deps;
  const counted = [BuildMetric.CompletedByReconciliation];

  return observed({ logger, metrics: deps.metrics, counted }, async (event: ExecutionStatusChangeEvent, _context, counts) => {
    const detail = parseWith(detailSchema, event.detail);
    const ignored = whyIgnored(detail, deps.stateMachineArn);
    if (ignored !== undefined) {
      logger.debug('Execution status change ignored', { executionArn: detail.executionArn, reason: ignored });
      return { outcome: 'ignored', reason: ignored };
    }
    const result = await reconciler.reconcile(detail.executionArn);
    if (result.outcome === 'completed') counts.add(BuildMetric.CompletedByReconciliation);
    logger.info('Execution end reconciled', { executionArn: detail.executionArn, executionStatus: detail.status, ...result });
    return result;
  });
}

function whyIgnored(detail: ExecutionStatusChangeDetail, stateMachineArn: string): string | undefined {
  if (detail.stateMachineArn !== stateMachineArn) return `execution of another state machine (${detail.stateMachineArn})`;
  // Not ended yet: the event that says how it ended comes later.
  if (!isClosedExecutionStatus(detail.status)) return `execution is ${detail.status}`;
  return undefined;
}
