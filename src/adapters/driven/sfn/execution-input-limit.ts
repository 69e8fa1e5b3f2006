import type { ExecutionStartError } from '../../../domain/index.js';
import { executionStartError } from './start-error-codes.js';

// Plain data and one check, shared with the in-memory starter so both refuse
// alike; like start-error-codes.ts, it loads no SDK.

/**
 * Step Functions' limit on an execution's input: 262,144 bytes of UTF-8. The
 * StartExecution API reference gives `input` a maximum length of 262144 and
 * says its length constraints apply to the payload size, in bytes of UTF-8
 * encoding (not in characters).
 */
export const MAX_EXECUTION_INPUT_BYTES = 262_144;

/**
 * The permanent `InvalidExecutionInput` error for an input over the limit,
 * naming the input and its size; `undefined` for an input within it. Checked
 * before StartExecution is sent: Step Functions would refuse it the same way
 * on every attempt.
 */
export function oversizedInputError(input: string): ExecutionStartError | undefined {
  const bytes = new TextEncoder().encode(input).length;
  if (bytes <= MAX_EXECUTION_INPUT_BYTES) return undefined;
  return executionStartError('InvalidExecutionInput', `Invalid input: is ${bytes} bytes of JSON, over the ${MAX_EXECUTION_INPUT_BYTES}-byte limit`);
}
