import type { Context } from 'aws-lambda';
import type { CompletionResult, RecordCompletionService } from '../../../../app/index.js';
import type { Logger } from '../../../../ports/index.js';
import { BuildMetric } from '../observability/build-metrics.js';
import { observed, type HandlerObservability } from '../observability/observed-handler.js';
import { parseCallbackPayload } from './callback-payload.js';

export interface UpdateBuildStatusHandlerDeps extends HandlerObservability {
  /** Records a build's end (`container.get(RecordCompletionService)`). */
  readonly completions: RecordCompletionService;
  /** The logger the services log to: a Powertools logger gets each invocation's Lambda context. */
  readonly logger: Logger;
}

export interface UpdateBuildStatusResult {
  /** `refused`: the build had already ended otherwise; it was not changed. */
  readonly outcome: CompletionResult['outcome'];
  /** The build's status after the call. */
  readonly status: CompletionResult['status'];
}

export type UpdateBuildStatusHandler = (payload: unknown, context: Context) => Promise<UpdateBuildStatusResult>;

/**
 * The update-build-status Lambda handler, invoked by the deployment state
 * machine at its end with `{ repo, env, sk, status: 'SUCCESS' | 'FAILED', error_msg?, execution_arn? }`
 * (the Go workflow's failure state names the reason `errorMsg`, read when
 * `error_msg` is absent).
 *
 * Idempotent and never moves a build backwards: a repeat answers
 * `already-completed`, a conflicting end answers `refused`. An invalid payload
 * throws a `ValidationError` naming the field; a build that does not exist
 * throws `BuildNotFoundError`. Counts `BuildsCompletedByCallback` when given
 * `metrics`.
 *
 * @example
 * ```ts
 * import { RecordCompletionService, TOKENS } from '@aws-deployer/orchestrator';
 * import { createAwsContainer, createUpdateBuildStatusHandler } from '@aws-deployer/orchestrator/lambda';
 *
 * const container = createAwsContainer({ tableName, stateMachineArn });
 * export const handler = createUpdateBuildStatusHandler({
 *   completions: container.get(RecordCompletionService),
 *   logger: container.get(TOKENS.Logger),
 * });
 * // await handler({ repo: 'myapp', env: 'prd', sk, status: 'FAILED', error_msg: 'stack rolled back' }, context);
 * // -> { outcome: 'completed', status: 'FAILED' }
 * ```
 */
export function createUpdateBuildStatusHandler(deps: UpdateBuildStatusHandlerDeps): UpdateBuildStatusHandler {
  const { completions, logger } = deps;
  const counted = [BuildMetric.CompletedByCallback];

  return observed({ logger, metrics: deps.metrics, counted }, async (payload: unknown, _context, counts) => {
    const { key, completion, executionArn } = parseCallbackPayload(payload);
    const { outcome, status } = await completions.record(key, completion, executionArn);
    if (outcome === 'completed') counts.add(BuildMetric.CompletedByCallback);
    return { outcome, status };
  });
}
