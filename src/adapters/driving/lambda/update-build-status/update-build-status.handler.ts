import type { Context } from 'aws-lambda';
import type { ServiceContainer } from '../../../../composition/service-container.js';
import { RecordCompletionService, type CompletionResult } from '../../../../app/index.js';
import type { Logger } from '../../../../ports/index.js';
import { TOKENS } from '../../../../ports/tokens.js';
import { BuildMetric } from '../observability/build-metrics.js';
import { observed, type HandlerObservability } from '../observability/observed-handler.js';
import { parseCallbackPayload } from './callback-payload.js';

export interface UpdateBuildStatusHandlerDeps extends HandlerObservability {
  /** What `createContainer` (or `createAwsContainer`) returns. */
  readonly container: ServiceContainer;
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
 * machine at its end with `{ repo, env, sk, status: 'SUCCESS' | 'FAILED', error_msg? }`.
 *
 * Idempotent and never moves a build backwards: a repeat answers
 * `already-completed`, a conflicting end answers `refused`. An invalid payload
 * throws a `ValidationError` naming the field; a build that does not exist
 * throws `BuildNotFoundError`. Counts `BuildsCompletedByCallback` when given
 * `metrics`.
 *
 * @example
 * ```ts
 * import { createAwsContainer, createUpdateBuildStatusHandler } from '@aws-deployer/orchestrator/lambda';
 *
 * export const handler = createUpdateBuildStatusHandler({ container: createAwsContainer({ tableName, stateMachineArn }) });
 * // await handler({ repo: 'myapp', env: 'prd', sk, status: 'FAILED', error_msg: 'stack rolled back' }, context);
 * // -> { outcome: 'completed', status: 'FAILED' }
 * ```
 */
export function createUpdateBuildStatusHandler(deps: UpdateBuildStatusHandlerDeps): UpdateBuildStatusHandler {
  const completions = deps.container.get(RecordCompletionService);
  const logger = deps.container.get<Logger>(TOKENS.Logger);
  const counted = [BuildMetric.CompletedByCallback];

  return observed({ logger, metrics: deps.metrics, counted }, async (payload: unknown, _context, counts) => {
    const { key, completion, executionArn } = parseCallbackPayload(payload);
    const { outcome, status } = await completions.record(key, completion, executionArn);
    if (outcome === 'completed') counts.add(BuildMetric.CompletedByCallback);
    return { outcome, status };
  });
}
