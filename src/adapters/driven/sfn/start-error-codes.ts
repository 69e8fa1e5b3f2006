import { PermanentExecutionStartError, TransientExecutionStartError, type ExecutionStartError } from '../../../domain/index.js';

// Which Step Functions (and KMS) error codes of StartExecution are permanent
// and which pass, for STANDARD workflows. Permanent: the request is invalid
// (name, input, ARN), the state machine is gone or deleting, or its KMS key is
// unusable. Transient: throttling and 5xx (which the SDK retries itself),
// ExecutionLimitExceeded and KmsThrottlingException (which it does not),
// network errors and timeouts. The domain only knows "permanent or transient";
// this table is the Step Functions adapter's, shared with the in-memory starter
// so both classify alike.

/**
 * Step Functions errors that will fail the same way on every retry: the build
 * should be marked `FAILED` with the reason.
 */
export const PERMANENT_START_ERROR_CODES = [
  'InvalidName',
  'InvalidExecutionInput',
  'InvalidArn',
  'StateMachineDoesNotExist',
  'StateMachineDeleting',
  'ValidationException',
  'KmsAccessDeniedException',
  'KmsInvalidStateException',
] as const;

/**
 * Errors that pass: the build stays `PENDING` and the start is tried again.
 * The SDK retries throttling and 5xx itself but not `ExecutionLimitExceeded`
 * or `KmsThrottlingException`.
 */
export const TRANSIENT_START_ERROR_CODES = [
  'ThrottlingException',
  'ExecutionLimitExceeded',
  'KmsThrottlingException',
  'ServiceUnavailable',
  'InternalServerError',
  'InternalFailure',
  'RequestTimeout',
  'TimeoutError',
  'NetworkingError',
] as const;

export type PermanentStartErrorCode = (typeof PERMANENT_START_ERROR_CODES)[number];

/** Permanent errors about the request itself: the same request always fails the same way. */
const REQUEST_ERROR_CODES: readonly string[] = ['InvalidName', 'InvalidExecutionInput', 'InvalidArn'];

/**
 * Whether a permanent error depends on the state machine's surroundings (it
 * is gone or deleting, its KMS key is unusable...) rather than on the
 * request. Such an error can follow an earlier attempt that did start the
 * execution, so a starter must look for that execution before giving up.
 */
export function mayFollowAnEarlierStart(awsErrorCode: string): boolean {
  return isPermanentStartErrorCode(awsErrorCode) && !REQUEST_ERROR_CODES.includes(awsErrorCode);
}

export function isPermanentStartErrorCode(code: string): code is PermanentStartErrorCode {
  return (PERMANENT_START_ERROR_CODES as readonly string[]).includes(code);
}

/**
 * Classifies a Step Functions error code. Codes nobody listed count as
 * transient: a redelivery costs little, a build wrongly marked `FAILED` is a
 * lost deployment.
 */
export function executionStartError(awsErrorCode: string, message: string, options?: { cause?: unknown }): ExecutionStartError {
  return isPermanentStartErrorCode(awsErrorCode)
    ? new PermanentExecutionStartError(awsErrorCode, message, options)
    : new TransientExecutionStartError(awsErrorCode, message, options);
}
