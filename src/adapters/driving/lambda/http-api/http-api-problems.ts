// Error answers of the HTTP API: RFC 9457 problem details, each with a stable
// `type` made from an error catalogue code (or one of the API's own), and the
// status that fits it.
import type { ManualDeploymentRefusal } from '../../../../app/manual/manual-deployment-result.js';
import {
  BuildNotFoundError,
  BuildUnreadableError,
  ERROR_CATALOGUE,
  ValidationError,
  buildIdOf,
  environmentIdOf,
  holderIdOf,
  type ErrorCode,
} from '../../../../domain/index.js';
import { MAX_BODY_BYTES, type ProblemBody } from './http-api-schemas.js';

/** Every problem `type` is this prefix and a code: `urn:aws-deployer:error:BUILD_NOT_FOUND`. */
export const PROBLEM_TYPE_PREFIX = 'urn:aws-deployer:error:';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The HTTP API's own problems, beside the error catalogue's codes: what only
 * an HTTP request can get wrong. Plain data: a code here is never renamed.
 */
export const HTTP_PROBLEM_CODES = {
  ROUTE_NOT_FOUND: 'No route of the API has this path.',
  METHOD_NOT_ALLOWED: 'The path exists but does not take this method; `Allow` names those it takes.',
  UNSUPPORTED_MEDIA_TYPE: 'The request has a body that is not JSON (`Content-Type: application/json`, UTF-8).',
  CONTENT_TOO_LARGE: `The request body is larger than the API takes (${MAX_BODY_BYTES / 1024} KiB).`,
  CALLER_UNKNOWN: 'The request names no IAM caller: the API route is not authorized with AWS_IAM.',
  INTERNAL_ERROR: 'The request failed unexpectedly; the function logged why. Retrying may help.',
} as const;

export type HttpProblemCode = keyof typeof HTTP_PROBLEM_CODES;
export type ProblemCode = ErrorCode | HttpProblemCode;

/** Short titles: a title never changes from one occurrence of a type to the next (RFC 9457). */
const TITLES: Readonly<Partial<Record<ProblemCode, string>>> = {
  VALIDATION_ERROR: 'Invalid request',
  BUILD_NOT_FOUND: 'Build not found',
  BUILD_UNREADABLE: 'Build record unreadable',
  ILLEGAL_TRANSITION: 'Refused by the build status',
  ENVIRONMENT_BUSY: 'Environment busy',
  NOT_REDRIVABLE: 'Not redrivable',
  NOTHING_TO_ROLL_BACK_TO: 'Nothing to roll back to',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency key reused',
  IDEMPOTENCY_REQUEST_IN_PROGRESS: 'Request with this idempotency key in progress',
  ROUTE_NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  CONTENT_TOO_LARGE: 'Content too large',
  CALLER_UNKNOWN: 'Caller unknown',
  INTERNAL_ERROR: 'Internal error',
};

/** An error answer: its status, its problem details, and the headers it needs besides its content type. */
export interface Problem {
  /** Tells a problem from the values answered beside it (`{ value } | Problem`). */
  readonly problem: true;
  readonly status: number;
  readonly body: ProblemBody;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The problem details of `code` at `status`; `extensions` add members (`field`, `buildStatus`...). */
export function problem(status: number, code: ProblemCode, detail?: string, extensions: Partial<ProblemBody> = {}): Problem {
  const title = TITLES[code] ?? (code in HTTP_PROBLEM_CODES ? HTTP_PROBLEM_CODES[code as HttpProblemCode] : ERROR_CATALOGUE[code as ErrorCode].meaning);
  const body: ProblemBody = { type: `${PROBLEM_TYPE_PREFIX}${code}`, title, status };
  return { problem: true, status, body: { ...body, ...(detail === undefined ? {} : { detail }), ...extensions } };
}

export function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && (value as { problem?: unknown }).problem === true;
}

/** A `400` naming the field at fault. */
export function invalid(field: string, reason: string): Problem {
  return problem(400, 'VALIDATION_ERROR', `Invalid ${field}: ${reason}`, { field });
}

/**
 * The answer to an expected refusal of a manual deployment request:
 *
 * - `400` `VALIDATION_ERROR` (naming `field`), `404` `BUILD_NOT_FOUND`;
 * - `409` when the build's or environment's state refuses it now:
 *   `ILLEGAL_TRANSITION` (with `buildStatus`), `ENVIRONMENT_BUSY` (with
 *   `holder`), `NOT_REDRIVABLE`, `IDEMPOTENCY_REQUEST_IN_PROGRESS` (with
 *   `Retry-After`), and `BUILD_UNREADABLE`: the record exists but is not a
 *   build anyone can act on until a person repairs it; the request was fine
 *   and retrying cannot help, so no 5xx (which clients retry and alarms count);
 * - `422` when the request is well-formed but can never be done as asked:
 *   `IDEMPOTENCY_KEY_REUSED`, `NOTHING_TO_ROLL_BACK_TO`.
 */
export function problemOfRefusal(error: ManualDeploymentRefusal, now: Date = new Date()): Problem {
  switch (error.code) {
    case 'VALIDATION_ERROR':
      return problem(400, error.code, error.message, { field: error.field });
    case 'BUILD_NOT_FOUND':
      return problem(404, error.code, error.message, { buildId: buildIdOf(error.key) });
    case 'BUILD_UNREADABLE':
      return problem(409, error.code, error.message, { buildId: buildIdOf(error.key), reason: error.reason });
    case 'ILLEGAL_TRANSITION':
      return problem(409, error.code, error.message, { buildId: buildIdOf(error.existing), buildStatus: error.existing.status, reason: error.reason });
    case 'ENVIRONMENT_BUSY':
      return problem(409, error.code, error.message, { buildId: error.buildId, holder: holderIdOf(error.lock) });
    case 'NOT_REDRIVABLE':
      return problem(409, error.code, error.message, { buildId: buildIdOf(error.build), reason: error.reason });
    case 'IDEMPOTENCY_REQUEST_IN_PROGRESS': {
      const answer = problem(409, error.code, error.message, { heldUntil: error.retryAfter.toISOString() });
      return { ...answer, headers: { 'retry-after': String(retryAfterSeconds(error.retryAfter, now)) } };
    }
    case 'IDEMPOTENCY_KEY_REUSED':
      return problem(422, error.code, error.message);
    case 'NOTHING_TO_ROLL_BACK_TO':
      return problem(422, error.code, error.message, { reason: `${environmentIdOf(error.environment)}: ${error.reason}` });
  }
}

/**
 * The answer to an error a read (or a service) threw that the API expects:
 * bad input the repository refused (an unknown cursor...), a build that is
 * gone or unreadable. `undefined` for anything else: that is a `500`.
 */
export function problemOfThrown(error: unknown): Problem | undefined {
  if (error instanceof ValidationError || error instanceof BuildNotFoundError || error instanceof BuildUnreadableError) {
    return problemOfRefusal(error);
  }
  return undefined;
}

/**
 * Seconds to wait before retrying a request whose first run with the same
 * key is still going: usually done within a second or two, so at most 5,
 * and never past the moment its hold on the key lapses.
 */
function retryAfterSeconds(heldUntil: Date, now: Date): number {
  const untilLapse = Math.ceil((heldUntil.getTime() - now.getTime()) / 1000);
  return Math.min(5, Math.max(1, untilLapse));
}
