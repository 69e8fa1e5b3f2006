// The HTTP API's OpenAPI 3.1 document, generated from the zod schemas the
// handler validates requests and writes responses with (zod 4's JSON Schema
// output is draft 2020-12, OpenAPI 3.1's dialect). Loaded on demand: only
// `GET /openapi.json` pays for it.
// Named imports, not zod/mini's namespace: a bundle split at the dynamic import keeps the JSON
// Schema generator in this module's chunk only when nothing else shares a namespace with it.
import { registry, toJSONSchema, type $ZodType } from 'zod/v4/core';
import { HTTP_API_ROUTES, type HttpApiOperation } from './http-api-routes.js';
import { HTTP_PROBLEM_CODES, PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_PREFIX } from './http-api-problems.js';
import {
  DEFAULT_PAGE_LIMIT,
  MAX_BODY_BYTES,
  buildPageResponseSchema,
  buildResponseSchema,
  cancelRequestSchema,
  emptyRequestSchema,
  idempotencyKeySchema,
  listBuildsQuerySchema,
  pathParameterSchemas,
  problemResponseSchema,
  rollbackRequestSchema,
} from './http-api-schemas.js';

type JsonObject = Record<string, unknown>;

/** The version of the API's contract (not the package's): raised when a route, a field or a problem type changes meaning. */
export const HTTP_API_CONTRACT_VERSION = '1.0.0';

const componentSchemas = registry<{ id?: string; description?: string }>();
componentSchemas.add(buildResponseSchema, {
  id: 'Build',
  description: "A build record. Instants are ISO 8601 UTC date-times; optional members are absent, never null.",
});
componentSchemas.add(buildPageResponseSchema, { id: 'BuildPage', description: 'A page of builds, newest first.' });
componentSchemas.add(problemResponseSchema, {
  id: 'Problem',
  description: `RFC 9457 problem details. \`type\` is \`${PROBLEM_TYPE_PREFIX}{CODE}\`, CODE from the error catalogue or the API's own (${Object.keys(HTTP_PROBLEM_CODES).join(', ')}).`,
});
componentSchemas.add(emptyRequestSchema, { id: 'EmptyRequest', description: 'No body, or an empty JSON object.' });
componentSchemas.add(cancelRequestSchema, {
  id: 'CancelRequest',
  description: '`force`: also cancel a build that is deploying (its execution is stopped; its environment stays locked until `unlock`).',
});
componentSchemas.add(rollbackRequestSchema, {
  id: 'RollbackRequest',
  description: '`to`: the sk of the build to roll back to; by default the version deployed before the current one.',
});

const REQUEST_BODIES: Partial<Record<HttpApiOperation, string>> = {
  redeploy: 'EmptyRequest',
  redrive: 'EmptyRequest',
  cancel: 'CancelRequest',
  rollBack: 'RollbackRequest',
};

const SUMMARIES: Record<HttpApiOperation, string> = {
  listBuilds: "List an environment's builds, newest first",
  getBuild: 'Get a build',
  getLatestBuild: "Get the environment's latest build (its latest-build pointer)",
  redeploy: "Deploy a build's version again, as a new build",
  redrive: "Run a failed build's own execution again from the state it failed in",
  cancel: 'Cancel a waiting build (or, with force, a deploying one)',
  rollBack: 'Deploy the previous version (or the build named) again, as a new build',
  getOpenApiDocument: 'This document',
};

/** The statuses each operation answers with a problem, besides `403` (IAM) and `500`. */
const PROBLEM_STATUSES: Record<HttpApiOperation, readonly number[]> = {
  listBuilds: [400],
  getBuild: [400, 404, 409],
  getLatestBuild: [400, 404],
  redeploy: [400, 404, 409, 413, 415, 422],
  redrive: [400, 404, 409, 413, 415, 422],
  cancel: [400, 404, 409, 413, 415, 422],
  rollBack: [400, 404, 409, 413, 415, 422],
  getOpenApiDocument: [400],
};

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'A path parameter, query parameter, header or body member is invalid (`field` names it), or the body is not JSON.',
  403: "The caller is not allowed (API Gateway's own answer to an IAM denial, not a problem document), or the request names no IAM caller (`CALLER_UNKNOWN`).",
  404: 'The build does not exist (`BUILD_NOT_FOUND`).',
  409: "The build's or environment's state refuses the request now: `ILLEGAL_TRANSITION` (with `buildStatus`), `ENVIRONMENT_BUSY`, `NOT_REDRIVABLE`, `BUILD_UNREADABLE`, `IDEMPOTENCY_REQUEST_IN_PROGRESS` (with `Retry-After`).",
  413: `The body is larger than ${MAX_BODY_BYTES} bytes.`,
  415: 'The request has a body that is not `application/json` (UTF-8).',
  422: 'The request can never be done as asked: `NOTHING_TO_ROLL_BACK_TO`, `IDEMPOTENCY_KEY_REUSED`.',
  500: 'An unexpected error; the function logged it. No detail is given.',
};

let cached: JsonObject | undefined;

/** The OpenAPI 3.1 document of the HTTP API (the same object on every call). */
export function openApiDocument(): JsonObject {
  cached ??= generate();
  return cached;
}

function generate(): JsonObject {
  const { schemas } = toJSONSchema(componentSchemas, {
    io: 'input',
    metadata: componentSchemas,
    uri: (id) => `#/components/schemas/${id}`,
  });
  const paths: Record<string, JsonObject> = {};
  for (const route of HTTP_API_ROUTES) {
    const pathItem = (paths[route.path] ??= {});
    pathItem[route.method.toLowerCase()] = operation(route.operation, route.path, route.method);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'AWS Deployer orchestrator HTTP API',
      version: HTTP_API_CONTRACT_VERSION,
      description:
        'Builds and manual deployments (redeploy, rollback, redrive, cancel). Every route is authorized with AWS_IAM (SigV4, `execute-api:Invoke`); ' +
        'the caller\'s IAM ARN is recorded as `requestedBy`. Path segments are percent-encoded; `{sk}` is a build\'s KSUID.',
    },
    security: [{ sigv4: [] }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, withoutSchemaIdentity(schema as JsonObject)])),
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (IAM), service `execute-api`.',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  };
}

function operation(name: HttpApiOperation, path: string, method: string): JsonObject {
  const parameters = [...pathParameters(path), ...(name === 'listBuilds' ? queryParameters() : [])];
  if (method === 'POST') {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Makes a retry safe: a request with a key this caller used for this operation in the last 24 hours returns the first result ' +
        '(`Idempotent-Replayed: true`) and does nothing new. A token or a structured-field string ("...").',
      schema: jsonSchemaOf(idempotencyKeySchema, 'input'),
    });
  }
  const requestBody = REQUEST_BODIES[name];
  return {
    operationId: name,
    summary: SUMMARIES[name],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody === undefined
      ? {}
      : { requestBody: { required: false, content: { 'application/json': { schema: { $ref: `#/components/schemas/${requestBody}` } } } } }),
    responses: { ...successResponse(name), ...problemResponses([...PROBLEM_STATUSES[name], 403, 500]) },
  };
}

function successResponse(name: HttpApiOperation): JsonObject {
  switch (name) {
    case 'listBuilds':
      return { 200: { description: 'A page of builds.', content: jsonOf('BuildPage') } };
    case 'getBuild':
    case 'getLatestBuild':
      return { 200: { description: 'The build.', content: jsonOf('Build') } };
    case 'getOpenApiDocument':
      return { 200: { description: 'The OpenAPI 3.1 document of this API.', content: { 'application/json': { schema: { type: 'object' } } } } };
    case 'redeploy':
    case 'redrive':
    case 'cancel':
    case 'rollBack':
      return {
        202: {
          description:
            'Accepted: the build the request created (redeploy, rollback: PENDING, started in its turn by the usual path) or acted on (redrive, cancel), as recorded then.',
          headers: {
            Location: { description: "The new build's URL (only when the request created a build).", schema: { type: 'string' } },
            'Idempotent-Replayed': {
              description: '`true` when this is the first answer to the same Idempotency-Key, replayed: nothing was done now.',
              schema: { type: 'string', enum: ['true'] },
            },
          },
          content: jsonOf('Build'),
        },
      };
  }
}

function problemResponses(statuses: readonly number[]): JsonObject {
  return Object.fromEntries(
    [...new Set(statuses)]
      .sort((a, b) => a - b)
      .map((status) => [
        status,
        {
          description: PROBLEM_DESCRIPTIONS[status] ?? 'A problem.',
          ...(status === 409 ? { headers: { 'Retry-After': { description: 'Seconds to wait (IDEMPOTENCY_REQUEST_IN_PROGRESS).', schema: { type: 'integer' } } } } : {}),
          content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      ]),
  );
}

function pathParameters(path: string): JsonObject[] {
  const descriptions: Record<string, string> = {
    repo: 'The repository (no "/").',
    env: 'The environment (no "/" nor ":").',
    sk: "The build's sort key, a KSUID.",
  };
  return [...path.matchAll(/\{([^}]+)\}/g)].map(([, name = '']) => ({
    name,
    in: 'path',
    required: true,
    description: descriptions[name],
    schema: jsonSchemaOf(pathParameterSchemas[name as keyof typeof pathParameterSchemas], 'input'),
  }));
}

function queryParameters(): JsonObject[] {
  const descriptions: Record<string, string> = {
    status: 'Only builds with this status.',
    limit: `At most this many builds (default ${DEFAULT_PAGE_LIMIT}).`,
    cursor: "The previous page's `cursor`: the page after it.",
  };
  return Object.entries(listBuildsQuerySchema.shape).map(([name, schema]) => {
    // A query value is text on the wire; its schema says what the text must read as (OpenAPI's form style).
    const value = jsonSchemaOf(schema.def.innerType, 'output');
    return {
      name,
      in: 'query',
      required: false,
      description: descriptions[name],
      schema: name === 'limit' ? { ...value, default: DEFAULT_PAGE_LIMIT } : value,
    };
  });
}

function jsonOf(id: string): JsonObject {
  return { 'application/json': { schema: { $ref: `#/components/schemas/${id}` } } };
}

function jsonSchemaOf(schema: $ZodType, io: 'input' | 'output'): JsonObject {
  return withoutSchemaIdentity(toJSONSchema(schema, { io }) as JsonObject);
}

/** OpenAPI 3.1's dialect is the document's: a schema object needs no `$schema`, and a fragment is no valid `$id`. */
function withoutSchemaIdentity(schema: JsonObject): JsonObject {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}
