import * as z from 'zod/mini';
import { ValidationError, parseWith, recordedBuildKeySchema, type BuildKey, type Completion } from '../../../../domain/index.js';

/**
 * What the deployment state machine sends when it ends, in the Go
 * implementation's snake_case: `{ repo, env, sk, status, error_msg? }`, plus
 * the optional `execution_arn` (`$$.Execution.Id` in the state machine), which
 * lets a build whose start was never recorded still gain its ARN. The Go
 * workflow's failure state names the reason `errorMsg`: it is read when
 * `error_msg` is absent (`error_msg` wins when both are sent).
 */
export interface CallbackPayload {
  readonly repo: string;
  readonly env: string;
  readonly sk: string;
  readonly status: 'SUCCESS' | 'FAILED';
  readonly error_msg?: string;
  /** The reason as the Go workflow's failure state sends it; `error_msg` wins when both are present. */
  readonly errorMsg?: string;
  readonly execution_arn?: string;
}

// The build is addressed as recorded: Go may have started a build whose key a new build may not have.
const callbackPayloadSchema = z.extend(recordedBuildKeySchema, {
  status: z.enum(['SUCCESS', 'FAILED'], { error: 'must be "SUCCESS" or "FAILED"' }),
  error_msg: z.optional(z.string({ error: 'must be a string when present' })),
  errorMsg: z.optional(z.string({ error: 'must be a string when present' })),
  execution_arn: z.optional(
    z
      .string({ error: 'must be a string when present' })
      .check(z.regex(/^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:execution:[^:\s]+:[^:\s]+$/, { error: 'must be a Step Functions execution ARN' })),
  ),
});

/**
 * Reads a callback payload into the build and its completion. The reason is
 * `error_msg`, or Go's `errorMsg` when `error_msg` is absent.
 *
 * @throws ValidationError naming the field (`payload`, `status`, `error_msg`, `errorMsg`, `repo`...).
 */
export function parseCallbackPayload(payload: unknown): { key: BuildKey; completion: Completion; executionArn: string | undefined } {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ValidationError('payload', 'must be a JSON object { repo, env, sk, status, error_msg?, execution_arn? }');
  }
  const { repo, env, sk, status, error_msg, errorMsg, execution_arn } = parseWith(callbackPayloadSchema, payload);
  const reason = error_msg ?? errorMsg;
  return {
    key: { repo, env, sk },
    completion: reason === undefined ? { status } : { status, errorMsg: reason },
    executionArn: execution_arn,
  };
}
