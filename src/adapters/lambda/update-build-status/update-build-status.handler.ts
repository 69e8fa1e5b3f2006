import type { Container } from 'inversify';
import { RecordCompletionService, type CompletionResult } from '../../../app/index.js';
import { parseCallbackPayload } from './callback-payload.js';

export interface UpdateBuildStatusHandlerDeps {
  /** What `createContainer` (or `createAwsContainer`) returns. */
  readonly container: Container;
}

export interface UpdateBuildStatusResult {
  /** `refused`: the build had already ended otherwise; it was not changed. */
  readonly outcome: CompletionResult['outcome'];
  /** The build's status after the call. */
  readonly status: CompletionResult['status'];
}

export type UpdateBuildStatusHandler = (payload: unknown) => Promise<UpdateBuildStatusResult>;

/**
 * The update-build-status Lambda handler, invoked by the deployment state
 * machine at its end with `{ repo, env, sk, status: 'SUCCESS' | 'FAILED', error_msg? }`.
 *
 * Idempotent and never moves a build backwards: a repeat answers
 * `already-completed`, a conflicting end answers `refused`. An invalid payload
 * throws a `ValidationError` naming the field; a build that does not exist
 * throws `BuildNotFoundError`.
 *
 * @example
 * ```ts
 * import { createAwsContainer, createUpdateBuildStatusHandler } from '@aws-deployer/orchestrator/lambda';
 *
 * export const handler = createUpdateBuildStatusHandler({ container: createAwsContainer({ tableName, stateMachineArn }) });
 * // await handler({ repo: 'myapp', env: 'prd', sk, status: 'FAILED', error_msg: 'stack rolled back' });
 * // -> { outcome: 'completed', status: 'FAILED' }
 * ```
 */
export function createUpdateBuildStatusHandler(deps: UpdateBuildStatusHandlerDeps): UpdateBuildStatusHandler {
  const completions = deps.container.get(RecordCompletionService);
  return async (payload) => {
    const { key, completion, executionArn } = parseCallbackPayload(payload);
    const { outcome, status } = await completions.record(key, completion, executionArn);
    return { outcome, status };
  };
}
