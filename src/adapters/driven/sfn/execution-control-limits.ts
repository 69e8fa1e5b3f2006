import {
  ValidationError,
  boundErrorMessage,
  executionArnFor,
  executionNameOfArn,
  type StateMachineArn,
} from '../../../domain/index.js';

// Plain data and checks for stopping and redriving executions, shared with the
// in-memory controller so both refuse and cut alike; like start-error-codes.ts,
// it loads no SDK.

/**
 * Step Functions' limit on StopExecution's `error`: the StopExecution API
 * reference gives it "Length Constraints: Minimum length of 0. Maximum length
 * of 256."
 */
export const MAX_STOP_ERROR_LENGTH = 256;

/**
 * Step Functions' limit on StopExecution's `cause`: the StopExecution API
 * reference gives it "Length Constraints: Minimum length of 0. Maximum length
 * of 32768."
 */
export const MAX_STOP_CAUSE_LENGTH = 32_768;

/**
 * RedriveExecution's `clientToken` (the Step Functions API model's
 * `ClientToken` shape): 1 to 64 characters, each printable ASCII other than
 * the space (pattern `[!-~]+`). The API returns idempotent responses for the
 * last 10 client tokens that redrove the execution, each for up to 15 minutes
 * after its first use (RedriveExecution API reference).
 */
export const MAX_CLIENT_TOKEN_LENGTH = 64;
const CLIENT_TOKEN = /^[!-~]{1,64}$/;

/** How long Step Functions answers a repeated `clientToken` with its first answer. */
export const CLIENT_TOKEN_VALIDITY_MS = 15 * 60 * 1000;
/** How many of an execution's latest tokens Step Functions remembers. */
export const REMEMBERED_CLIENT_TOKENS = 10;

/**
 * How long after it closed an execution can be redriven: the RedriveExecution
 * API reference says it "restarts unsuccessful executions of Standard
 * workflows that didn't complete successfully in the last 14 days"; after
 * that, DescribeExecution's `redriveStatusReason` is "Execution redrivable
 * period exceeded.".
 */
export const REDRIVABLE_PERIOD_MS = 14 * 24 * 60 * 60 * 1000;

/** Checks a redrive's `clientToken` before anything is sent, naming the field. */
export function requireClientToken(clientToken: string): void {
  if (typeof clientToken !== 'string' || !CLIENT_TOKEN.test(clientToken)) {
    throw new ValidationError('clientToken', `must be 1 to ${MAX_CLIENT_TOKEN_LENGTH} printable ASCII characters without spaces (${JSON.stringify(clientToken)})`);
  }
}

/**
 * Checks that `executionArn` is an execution of the controlled state machine:
 * a controller never stops or redrives another machine's execution.
 */
export function requireExecutionOf(stateMachine: StateMachineArn, executionArn: string): void {
  const name = typeof executionArn === 'string' ? executionNameOfArn(executionArn) : undefined;
  if (name === undefined || executionArnFor(stateMachine, name) !== executionArn) {
    throw new ValidationError('executionArn', `must be an execution of state machine ${stateMachine.name} (arn:...:execution:${stateMachine.name}:{name})`);
  }
}

/**
 * A stop's `error` and `cause` cut to what Step Functions accepts (marked
 * ` [truncated]`, never splitting a character); an empty one is left out, so
 * that a stop without either needs no KMS permission on an encrypted
 * execution (StopExecution API reference: a caller providing a null value for
 * both needs none).
 */
export function stopDetails(reason: { readonly error: string; readonly cause: string }): { error?: string; cause?: string } {
  if (typeof reason !== 'object' || reason === null) throw new ValidationError('reason', 'must be an object with error and cause');
  if (typeof reason.error !== 'string') throw new ValidationError('reason.error', 'must be a string');
  if (typeof reason.cause !== 'string') throw new ValidationError('reason.cause', 'must be a string');
  const error = boundErrorMessage(reason.error, MAX_STOP_ERROR_LENGTH);
  const cause = boundErrorMessage(reason.cause, MAX_STOP_CAUSE_LENGTH);
  return { ...(error === '' ? {} : { error }), ...(cause === '' ? {} : { cause }) };
}
