// The HTTP API's wire formats, as zod schemas: the handler validates requests
// and writes responses with them, and the OpenAPI document is generated from
// them (http-api-openapi.ts), so the two cannot drift apart.
import * as z from 'zod/mini';
import { BUILD_STATUSES, DEPLOYMENT_KINDS, recordedBuildKeySchema, type Build } from '../../../../domain/index.js';

/** The most builds one page holds; the default is {@link DEFAULT_PAGE_LIMIT}. */
export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 25;

/** The largest request body taken, in bytes once base64 is decoded: the bodies of this API are a few dozen bytes (API Gateway's own limit is 10 MB). */
export const MAX_BODY_BYTES = 16 * 1024;

/** The longest `Idempotency-Key` taken (the application's rule: 1 to 255 visible ASCII characters). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const statusNames = BUILD_STATUSES.map((status) => `"${status}"`).join(', ');

/** An instant on the wire: an ISO 8601 UTC date-time (`2026-03-01T10:05:00.000Z`); a `Date` in code. */
const isoDateTime = z.codec(z.iso.datetime({ error: 'must be an ISO 8601 UTC date-time' }), z.date(), {
  decode: (text: string) => new Date(text),
  encode: (date: Date) => date.toISOString(),
});

const text = z.string();

/**
 * A build as the API returns it: the build record's fields (camelCase, as
 * the CLI's `--json` prints them), its id, and its instants as ISO 8601 UTC
 * date-times. Optional members are absent, never `null`.
 */
export const buildResponseSchema = z.object({
  id: text,
  repo: text,
  env: text,
  sk: text,
  status: z.enum(BUILD_STATUSES),
  branch: text,
  version: text,
  commitHash: text,
  buildNumber: z.optional(text),
  stackName: z.optional(text),
  executionArn: z.optional(text),
  errorMsg: z.optional(text),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  finishedAt: z.optional(isoDateTime),
  supersededBy: z.optional(text),
  waitingFor: z.optional(text),
  unlockedBy: z.optional(text),
  unlockedAt: z.optional(isoDateTime),
  kind: z.optional(z.enum(DEPLOYMENT_KINDS)),
  redeployOf: z.optional(text),
  requestedBy: z.optional(text),
  cancelledBy: z.optional(text),
  redrivenBy: z.optional(text),
  redrivenAt: z.optional(isoDateTime),
});

/** What a build is in code: the domain's `Build` plus its id. */
export type BuildResponseValue = z.output<typeof buildResponseSchema>;
/** What a build is on the wire. */
export type BuildResponseBody = z.input<typeof buildResponseSchema>;

// Every field of the domain's Build must be in the response: a field added to Build and not here
// fails to compile here, naming it.
type FieldsLeftOut = Exclude<keyof Build, keyof BuildResponseValue>;
const _everyBuildFieldIsReturned: [FieldsLeftOut] extends [never] ? true : FieldsLeftOut = true;

/** A page of an environment's builds, newest first. */
export const buildPageResponseSchema = z.object({
  builds: z.array(buildResponseSchema),
  /** Pass back as `?cursor=` for the next page; absent on the last page. */
  cursor: z.optional(text),
  /** Records of this page that do not read as builds (never failing the page). */
  unreadable: z.optional(z.array(z.object({ id: text, reason: text }))),
});

/**
 * An error answer: RFC 9457 problem details (`application/problem+json`).
 * `type` is `urn:aws-deployer:error:{CODE}`, `CODE` from the error catalogue
 * (or one of the HTTP API's own). Extension members say more where they apply.
 */
export const problemResponseSchema = z.object({
  type: z.string().check(z.regex(/^urn:aws-deployer:error:[A-Z][A-Z_]*$/)),
  title: text,
  status: z.int().check(z.gte(400), z.lte(599)),
  detail: z.optional(text),
  /** 400: the path parameter, query parameter, header or body member at fault. */
  field: z.optional(text),
  /** The build the problem is about, `{repo}/{env}:{sk}`. */
  buildId: z.optional(text),
  /** 409 (`ILLEGAL_TRANSITION`): the build's current status. */
  buildStatus: z.optional(z.enum(BUILD_STATUSES)),
  /** 409 (`ENVIRONMENT_BUSY`): the id of the build that holds the environment's lock. */
  holder: z.optional(text),
  /** 409/422: why, in the application's words. */
  reason: z.optional(text),
  /** 409 (`IDEMPOTENCY_REQUEST_IN_PROGRESS`): when the first request's hold on the key lapses at the latest. */
  heldUntil: z.optional(text),
  /** 405: the methods the path takes (also the `Allow` header). */
  allow: z.optional(z.array(text)),
});

export type ProblemBody = z.input<typeof problemResponseSchema>;

// Path parameters: the key of a build as recorded (a build another writer gave an odd key is
// still addressable); the router has decoded each and refused a "/" in one.
export const pathParameterSchemas = {
  repo: recordedBuildKeySchema.shape.repo,
  env: recordedBuildKeySchema.shape.env,
  sk: recordedBuildKeySchema.shape.sk,
} as const;

const limitError = `must be a whole number from 1 to ${MAX_PAGE_LIMIT}`;

/** `?limit=`: a query string value in, a number out. */
const pageLimit = z.codec(
  z.string().check(z.regex(/^[0-9]{1,4}$/, { error: limitError })),
  z.int({ error: limitError }).check(z.gte(1, { error: limitError }), z.lte(MAX_PAGE_LIMIT, { error: limitError })),
  { decode: (value: string) => Number(value), encode: (value: number) => String(value) },
);

/** The query of `GET /repos/{repo}/envs/{env}/builds`. */
export const listBuildsQuerySchema = z.strictObject({
  status: z.optional(z.enum(BUILD_STATUSES, { error: `must be one of ${statusNames}` })),
  limit: z.optional(pageLimit),
  cursor: z.optional(
    z.string().check(
      z.minLength(1, { error: 'must not be empty' }),
      z.maxLength(4096, { error: 'must be at most 4096 characters' }),
    ),
  ),
});

/** The `Idempotency-Key` header: 1 to 255 visible ASCII characters (a structured-field string's quotes are taken off first). */
export const idempotencyKeySchema = z
  .string()
  .check(
    z.regex(/^[\x21-\x7e]{1,255}$/, { error: `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters` }),
  );

/** The body of `redeploy` and `redrive`: none, or an empty object. */
export const emptyRequestSchema = z.strictObject({});

/** The body of `cancel`: none, or `{ "force": true }` to cancel a build that is deploying. */
export const cancelRequestSchema = z.strictObject({
  force: z.optional(z.boolean({ error: 'must be a boolean' })),
});

/** The body of `rollback`: none, or `{ "to": "<sk>" }` naming the build to roll back to. */
export const rollbackRequestSchema = z.strictObject({
  to: z.optional(recordedBuildKeySchema.shape.sk),
});
