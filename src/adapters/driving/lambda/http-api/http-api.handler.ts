import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import type {
  CancelRequest,
  ManualDeploymentResult,
  RedeployRequest,
  RedriveRequest,
  RollbackRequest,
} from '../../../../app/manual/manual-deployment-result.js';
import { buildIdOf, type Build, type BuildKey, type BuildStatus } from '../../../../domain/index.js';
import type { BuildRepository, ListBuildsOptions, Logger } from '../../../../ports/index.js';
import { observed } from '../observability/observed-handler.js';
import { PROBLEM_CONTENT_TYPE, invalid, isProblem, problem, problemOfRefusal, problemOfThrown, type Problem } from './http-api-problems.js';
import { headersOf, jsonBodyOf, queryOf, routeOf, type HttpApiEvent, type RoutedRequest } from './http-api-request.js';
import {
  DEFAULT_PAGE_LIMIT,
  buildPageResponseSchema,
  buildResponseSchema,
  cancelRequestSchema,
  emptyRequestSchema,
  idempotencyKeySchema,
  listBuildsQuerySchema,
  pathParameterSchemas,
  rollbackRequestSchema,
} from './http-api-schemas.js';

/** The reads the HTTP API serves. */
export type HttpApiBuildReads = Pick<BuildRepository, 'get' | 'listBuilds' | 'latestBuilds'>;

/** What the HTTP API handler does its work with: the build store's reads and the four manual deployment use cases. */
export interface HttpApiServices {
  readonly builds: HttpApiBuildReads;
  redeploy(request: RedeployRequest): Promise<ManualDeploymentResult>;
  rollBack(request: RollbackRequest): Promise<ManualDeploymentResult>;
  redrive(request: RedriveRequest): Promise<ManualDeploymentResult>;
  cancel(request: CancelRequest): Promise<ManualDeploymentResult>;
}

export interface HttpApiHandlerDeps {
  readonly services: HttpApiServices;
  /** Where unexpected errors are logged (the answer is then a `500` without detail); a Powertools logger gets each invocation's Lambda context. */
  readonly logger: Logger;
}

export type HttpApiHandler = (event: HttpApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** What a route answers before it becomes a Lambda result. */
interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly contentType: string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

const JSON_CONTENT_TYPE = 'application/json';

/**
 * The HTTP API's Lambda handler: API Gateway HTTP API events, payload format
 * 2.0, every route authorized with AWS_IAM (the caller's ARN,
 * `requestContext.authorizer.iam.userArn`, is who asked). Routes (path
 * segments percent-encoded; `{sk}` is a build's KSUID):
 *
 * - `GET /repos/{repo}/envs/{env}/builds?status=&limit=&cursor=`: a page of builds, newest first (`{ builds, cursor? }`)
 * - `GET /repos/{repo}/envs/{env}/builds/{sk}`, `GET /repos/{repo}/envs/{env}/latest`: a build
 * - `POST /repos/{repo}/envs/{env}/builds/{sk}/redeploy`, `.../redrive`, `.../cancel` (`{ "force": true }`),
 *   `POST /repos/{repo}/envs/{env}/rollback` (`{ "to": "<sk>" }`): `202` and the build (`Location` when created);
 *   an `Idempotency-Key` header makes a retry safe
 * - `GET /openapi.json`: the OpenAPI 3.1 document, generated from the schemas the handler validates with
 *
 * Errors are `application/problem+json` (RFC 9457) with a stable `type`
 * `urn:aws-deployer:error:{CODE}` (see `http-api-problems.ts`). Never a stack
 * trace: an unexpected error is logged and answered `500` without detail.
 *
 * @example
 * ```ts
 * export const handler = createHttpApiHandler({
 *   services: { builds: buildRepository, redeploy, rollBack, redrive, cancel },
 *   logger,
 * });
 * ```
 */
export function createHttpApiHandler(deps: HttpApiHandlerDeps): HttpApiHandler {
  const { services, logger } = deps;

  return observed({ logger, metrics: undefined, counted: [] }, async (event: HttpApiEvent) => {
    let routed: RoutedRequest | undefined;
    try {
      if (!isPayloadV2(event)) {
        logger.error('HTTP API event is not API Gateway payload format 2.0: set the integration\'s PayloadFormatVersion to "2.0"', {
          version: (event as { version?: unknown } | null)?.version,
        });
        return lambdaResult(problemAnswer(problem(500, 'INTERNAL_ERROR')), false);
      }
      const route = routeOf(event);
      if (isProblem(route)) return lambdaResult(problemAnswer(route), false);
      routed = route;
      return lambdaResult(await answer(services, logger, event, route), route.head);
    } catch (error) {
      logger.error('HTTP API request failed unexpectedly', {
        route: routed === undefined ? undefined : `${routed.route.method} ${routed.route.path}`,
        method: event?.requestContext?.http?.method,
        ...errorAttributes(error),
      });
      return lambdaResult(problemAnswer(problem(500, 'INTERNAL_ERROR')), routed?.head ?? false);
    }
  });
}

async function answer(services: HttpApiServices, logger: Logger, event: HttpApiEvent, routed: RoutedRequest): Promise<Answer> {
  const requestedBy = callerOf(event);
  if (requestedBy === undefined) {
    logger.error('HTTP API request names no IAM caller: authorize every route of the API with AWS_IAM', { routeKey: event.routeKey });
    return problemAnswer(problem(403, 'CALLER_UNKNOWN', 'The request names no IAM caller; the API must authorize it with AWS_IAM'));
  }
  const headers = headersOf(event);
  const queried = queryOf(event);
  if (isProblem(queried)) return problemAnswer(queried);
  const { query } = queried;

  const { route, params } = routed;
  if (route.operation === 'getOpenApiDocument') {
    const noQuery = refuseQuery(query);
    if (noQuery) return problemAnswer(noQuery);
    const { openApiDocument } = await import('./http-api-openapi.js');
    return { status: 200, body: openApiDocument(), contentType: JSON_CONTENT_TYPE };
  }

  const repo = parsed(pathParameterSchemas.repo, params.repo, 'repo');
  if (isProblem(repo)) return problemAnswer(repo);
  const env = parsed(pathParameterSchemas.env, params.env, 'env');
  if (isProblem(env)) return problemAnswer(env);

  if (route.operation === 'listBuilds') {
    const options = parsed(listBuildsQuerySchema, query, 'query', 'is not a parameter of this route');
    if (isProblem(options)) return problemAnswer(options);
    return readAnswer(async () => {
      const page = await services.builds.listBuilds(repo.value, env.value, pageOptions(options.value));
      return {
        status: 200,
        contentType: JSON_CONTENT_TYPE,
        body: z.encode(buildPageResponseSchema, {
          builds: page.builds.map(withId),
          ...(page.nextCursor === undefined ? {} : { cursor: page.nextCursor }),
          ...(page.unreadable === undefined || page.unreadable.length === 0 ? {} : { unreadable: [...page.unreadable] }),
        }),
      };
    });
  }

  const noQuery = refuseQuery(query);
  if (noQuery) return problemAnswer(noQuery);

  if (route.operation === 'getLatestBuild') {
    return readAnswer(async () => {
      // As the CLI's `latest`: the environment's latest-build pointers, this repo's.
      const latest = (await services.builds.latestBuilds(env.value)).find((build) => build.repo === repo.value);
      if (latest === undefined) {
        return problemAnswer(problem(404, 'BUILD_NOT_FOUND', `${repo.value}/${env.value} has no build yet`));
      }
      return buildAnswer(200, latest);
    });
  }

  if (route.operation === 'rollBack') {
    const body = requestBody(event, headers, rollbackRequestSchema);
    if (isProblem(body)) return problemAnswer(body);
    const key = idempotencyKeyOf(headers);
    if (isProblem(key)) return problemAnswer(key);
    const result = await services.rollBack({ repo: repo.value, env: env.value, to: body.value.to, requestedBy, idempotencyKey: key.value });
    return manualAnswer(result, routed.basePath);
  }

  const sk = parsed(pathParameterSchemas.sk, params.sk, 'sk');
  if (isProblem(sk)) return problemAnswer(sk);
  const build: BuildKey = { repo: repo.value, env: env.value, sk: sk.value };

  switch (route.operation) {
    case 'getBuild':
      return readAnswer(async () => {
        const found = await services.builds.get(build);
        return found === undefined
          ? problemAnswer(problem(404, 'BUILD_NOT_FOUND', `Build ${buildIdOf(build)} does not exist`, { buildId: buildIdOf(build) }))
          : buildAnswer(200, found);
      });
    case 'redeploy':
    case 'redrive': {
      const body = requestBody(event, headers, emptyRequestSchema);
      if (isProblem(body)) return problemAnswer(body);
      const key = idempotencyKeyOf(headers);
      if (isProblem(key)) return problemAnswer(key);
      const request = { build, requestedBy, idempotencyKey: key.value };
      return manualAnswer(await (route.operation === 'redeploy' ? services.redeploy(request) : services.redrive(request)), routed.basePath);
    }
    case 'cancel': {
      const body = requestBody(event, headers, cancelRequestSchema);
      if (isProblem(body)) return problemAnswer(body);
      const key = idempotencyKeyOf(headers);
      if (isProblem(key)) return problemAnswer(key);
      return manualAnswer(await services.cancel({ build, force: body.value.force, requestedBy, idempotencyKey: key.value }), routed.basePath);
    }
  }
}

/** A read's answer; the errors a read is expected to throw (a bad cursor, an unreadable record) are problems, not 500s. */
async function readAnswer(read: () => Promise<Answer>): Promise<Answer> {
  try {
    return await read();
  } catch (error) {
    const expected = problemOfThrown(error);
    if (expected === undefined) throw error;
    return problemAnswer(expected);
  }
}

function manualAnswer(result: ManualDeploymentResult, basePath: string): Answer {
  if (!result.ok) return problemAnswer(problemOfRefusal(result.error));
  const { build, created, replayed } = result;
  return buildAnswer(202, build, {
    ...(created ? { location: `${basePath}${buildPath(build)}` } : {}),
    ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
  });
}

function buildAnswer(status: number, build: Build, headers: Record<string, string> = {}): Answer {
  return { status, contentType: JSON_CONTENT_TYPE, body: z.encode(buildResponseSchema, withId(build)), headers };
}

/** The path of a build's `GET`, each part percent-encoded. */
export function buildPath(key: BuildKey): string {
  return `/repos/${encodeURIComponent(key.repo)}/envs/${encodeURIComponent(key.env)}/builds/${encodeURIComponent(key.sk)}`;
}

function withId(build: Build): z.output<typeof buildResponseSchema> {
  return { ...build, id: buildIdOf(build) };
}

function pageOptions(query: z.output<typeof listBuildsQuerySchema>): ListBuildsOptions & { readonly status?: BuildStatus } {
  return {
    limit: query.limit ?? DEFAULT_PAGE_LIMIT,
    ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    ...(query.status === undefined ? {} : { status: query.status }),
  };
}

function problemAnswer(answer: Problem): Answer {
  return { status: answer.status, body: answer.body, contentType: PROBLEM_CONTENT_TYPE, headers: answer.headers };
}

function lambdaResult(answer: Answer, head: boolean): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: answer.status,
    headers: { 'content-type': answer.contentType, 'cache-control': 'no-store', ...answer.headers },
    ...(head ? {} : { body: JSON.stringify(answer.body) }),
    isBase64Encoded: false,
  };
}

/** `{ value }` or the `400` naming `field` (or, for an object, the member at fault). */
function parsed<T extends z.core.$ZodType>(
  schema: T,
  value: unknown,
  field: string,
  unknownMember = 'is not a member of this request body',
): { readonly value: z.output<T> } | Problem {
  const result = z.safeDecode(schema, value as z.input<T>);
  if (result.success) return { value: result.data };
  const [issue] = result.error.issues;
  if (issue?.code === 'unrecognized_keys') return invalid(issue.keys[0] ?? field, unknownMember);
  const path = issue?.path.map(String) ?? [];
  return invalid(path.length > 0 ? path.join('.') : field, issue?.message ?? 'is invalid');
}

function refuseQuery(query: Readonly<Record<string, string>>): Problem | undefined {
  const [name] = Object.keys(query);
  return name === undefined ? undefined : invalid(name, 'is not a parameter of this route');
}

/** A POST's JSON body, validated; no body reads as `{}`. */
function requestBody<T extends z.core.$ZodType>(
  event: HttpApiEvent,
  headers: ReadonlyMap<string, string>,
  schema: T,
): { readonly value: z.output<T> } | Problem {
  const body = jsonBodyOf(event, headers);
  if (isProblem(body)) return body;
  return parsed(schema, body === undefined ? {} : body.value, 'body');
}

/**
 * The `Idempotency-Key` header: a token (`Idempotency-Key: 4f1c...`) or, as
 * the IETF draft writes it, a structured-field string (`"4f1c..."`).
 */
function idempotencyKeyOf(headers: ReadonlyMap<string, string>): { readonly value: string | undefined } | Problem {
  const header = headers.get('idempotency-key');
  if (header === undefined) return { value: undefined };
  const trimmed = header.trim();
  const unquoted = trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
  return parsed(idempotencyKeySchema, unquoted, 'Idempotency-Key');
}

function callerOf(event: HttpApiEvent): string | undefined {
  const userArn = (event.requestContext as { authorizer?: { iam?: { userArn?: unknown } } }).authorizer?.iam?.userArn;
  return typeof userArn === 'string' && userArn.length > 0 ? userArn : undefined;
}

function isPayloadV2(event: unknown): event is HttpApiEvent {
  if (typeof event !== 'object' || event === null) return false;
  const { version, requestContext } = event as { version?: unknown; requestContext?: { http?: { method?: unknown } } };
  return version === '2.0' && typeof requestContext?.http?.method === 'string';
}

/** What an error says about itself, for the log only (the answer carries none of it). */
function errorAttributes(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  return { errorName: error.name, errorMessage: error.message, errorStack: error.stack };
}
