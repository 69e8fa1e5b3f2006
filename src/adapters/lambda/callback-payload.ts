import * as z from 'zod';
import { ValidationError, buildKeySchema, parseWith, type BuildKey, type Completion } from '../../domain/index.js';

/**
 * What the deployment state machine sends when it ends, in the Go
 * implementation's snake_case: `{ repo, env, sk, status, error_msg? }`.
 */
export interface CallbackPayload {
  readonly repo: string;
  readonly env: string;
  readonly sk: string;
  readonly status: 'SUCCESS' | 'FAILED';
  readonly error_msg?: string;
}

const callbackPayloadSchema = buildKeySchema.extend({
  status: z.enum(['SUCCESS', 'FAILED'], { error: 'must be "SUCCESS" or "FAILED"' }),
  error_msg: z.string({ error: 'must be a string when present' }).optional(),
});

/**
 * Reads a callback payload into the build and its completion.
 *
 * @throws ValidationError naming the field (`payload`, `status`, `error_msg`, `repo`...).
 */
export function parseCallbackPayload(payload: unknown): { key: BuildKey; completion: Completion } {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ValidationError('payload', 'must be a JSON object { repo, env, sk, status, error_msg? }');
  }
  const { repo, env, sk, status, error_msg } = parseWith(callbackPayloadSchema, payload);
  return { key: { repo, env, sk }, completion: error_msg === undefined ? { status } : { status, errorMsg: error_msg } };
}
