// Reading an API Gateway HTTP API event (payload format 2.0): which route it
// is for, with which path parameters, query, headers and body.
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { HTTP_API_ROUTES, routeKeyOf, type HttpApiRoute } from './http-api-routes.js';
import { invalid, isProblem, problem, type Problem } from './http-api-problems.js';
import { MAX_BODY_BYTES } from './http-api-schemas.js';

export type HttpApiEvent = APIGatewayProxyEventV2WithIAMAuthorizer;

/** A request matched to one of {@link HTTP_API_ROUTES}. */
export interface RoutedRequest {
  readonly route: HttpApiRoute;
  /** The path parameters, percent-decoded once. */
  readonly params: Readonly<Record<string, string>>;
  /**
   * What comes before the route in the request's path (a named stage, a
   * custom domain's base path), so links the API answers with keep it: `''`
   * for the `$default` stage.
   */
  readonly basePath: string;
  /** `HEAD`: answered as `GET` without a body. */
  readonly head: boolean;
}

interface CompiledRoute {
  readonly route: HttpApiRoute;
  /** The template's segments: a literal, or `{name}`'s name as `{ param }`. */
  readonly segments: readonly (string | { readonly param: string })[];
}

const COMPILED: readonly CompiledRoute[] = HTTP_API_ROUTES.map((route) => ({
  route,
  segments: route.path
    .split('/')
    .slice(1)
    .map((segment) => (segment.startsWith('{') && segment.endsWith('}') ? { param: segment.slice(1, -1) } : segment)),
}));

const BY_ROUTE_KEY = new Map(COMPILED.map((compiled) => [routeKeyOf(compiled.route), compiled]));

/**
 * The route of an event, or the problem to answer: `404` for a path no route
 * has, `405` (with `Allow`) for a known path and another method, `400` for a
 * path parameter that does not decode.
 *
 * When API Gateway matched one of the routes (`routeKey` is its key), that
 * route is taken with the `pathParameters` API Gateway decoded: the handler
 * runs exactly the route IAM authorized. Otherwise (the `$default` route,
 * the local server) the raw path is matched segment by segment, exactly:
 * no `.`/`..` resolution, no empty segment, each parameter percent-decoded
 * once. A named stage's segment at the start of the path is skipped.
 */
export function routeOf(event: HttpApiEvent): RoutedRequest | Problem {
  const method = event.requestContext.http.method.toUpperCase();
  const rawSegments = (event.rawPath ?? '').split('/').slice(1);

  const matchedByGateway = BY_ROUTE_KEY.get(event.routeKey);
  if (matchedByGateway !== undefined && matchedByGateway.route.method === method) {
    const params = paramsFromGateway(matchedByGateway, event.pathParameters ?? {});
    if (params !== undefined) {
      const base = rawSegments.length - matchedByGateway.segments.length;
      return checked({ route: matchedByGateway.route, params, basePath: base > 0 ? `/${rawSegments.slice(0, base).join('/')}` : '', head: false });
    }
  }

  const stage = event.requestContext.stage;
  const candidates: { readonly segments: readonly string[]; readonly basePath: string }[] = [{ segments: rawSegments, basePath: '' }];
  if (stage !== undefined && stage !== '$default' && rawSegments[0] === stage) {
    candidates.push({ segments: rawSegments.slice(1), basePath: `/${stage}` });
  }
  for (const { segments, basePath } of candidates) {
    const matching = COMPILED.filter((compiled) => matchesTemplate(compiled, segments));
    if (matching.length === 0) continue;
    const served = matching.find(({ route }) => route.method === method || (method === 'HEAD' && route.method === 'GET'));
    if (served === undefined) {
      const allow = [...new Set(matching.flatMap(({ route }) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method])))];
      const answer = problem(405, 'METHOD_NOT_ALLOWED', `${method} is not a method of this path; it takes ${allow.join(', ')}`, { allow });
      return { ...answer, headers: { allow: allow.join(', ') } };
    }
    const params = decodedParams(served, segments);
    if (isProblem(params)) return params;
    return checked({ route: served.route, params, basePath, head: method === 'HEAD' });
  }
  return problem(404, 'ROUTE_NOT_FOUND', `No route of this API has the path ${event.rawPath}`);
}

function matchesTemplate(compiled: CompiledRoute, segments: readonly string[]): boolean {
  return (
    compiled.segments.length === segments.length &&
    compiled.segments.every((part, index) => {
      const segment = segments[index] ?? '';
      return typeof part === 'string' ? part === segment : segment.length > 0;
    })
  );
}

function paramsFromGateway(compiled: CompiledRoute, pathParameters: Readonly<Record<string, string | undefined>>): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const part of compiled.segments) {
    if (typeof part === 'string') continue;
    const value = pathParameters[part.param];
    if (value === undefined || value === '') return undefined;
    params[part.param] = value;
  }
  return params;
}

function decodedParams(compiled: CompiledRoute, segments: readonly string[]): Record<string, string> | Problem {
  const params: Record<string, string> = {};
  for (const [index, part] of compiled.segments.entries()) {
    if (typeof part === 'string') continue;
    try {
      params[part.param] = decodeURIComponent(segments[index] ?? '');
    } catch {
      return invalid(part.param, 'is not valid percent-encoded UTF-8');
    }
  }
  return params;
}

/**
 * A decoded parameter holding `/` would be read as more path segments by
 * anything that re-encodes or re-splits the path, IAM policies on route ARNs
 * included: none of a build's key parts may hold one, so it is refused.
 */
function checked(request: RoutedRequest): RoutedRequest | Problem {
  for (const [name, value] of Object.entries(request.params)) {
    if (value.includes('/')) return invalid(name, 'must not contain "/"');
  }
  return request;
}

/** The event's headers by lower-case name (payload 2.0 already joins repeated headers with commas). */
export function headersOf(event: HttpApiEvent): ReadonlyMap<string, string> {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.set(name.toLowerCase(), value);
  }
  return headers;
}

/**
 * The query as one string per parameter, from the raw query string (still
 * percent-encoded, as API Gateway forwards it). A parameter given twice is a
 * `400`: which one counts would be a guess.
 */
export function queryOf(event: HttpApiEvent): { readonly query: Readonly<Record<string, string>> } | Problem {
  const query: Record<string, string> = {};
  const entries =
    event.rawQueryString !== undefined
      ? [...new URLSearchParams(event.rawQueryString)]
      : Object.entries(event.queryStringParameters ?? {}).flatMap(([name, value]) => (value === undefined ? [] : [[name, value] as const]));
  for (const [name, value] of entries) {
    if (Object.hasOwn(query, name)) return invalid(name, 'must be given once');
    query[name] = value;
  }
  return { query };
}

/** The request body: absent, the JSON value it holds, or the problem with it (`413`, `415`, `400`). */
export function jsonBodyOf(event: HttpApiEvent, headers: ReadonlyMap<string, string>): { readonly value: unknown } | undefined | Problem {
  const raw = event.body;
  if (raw === undefined || raw === null || raw === '') return undefined;
  // Every character is at least one byte, and 4 base64 characters at most 3: a body far too large is refused undecoded.
  if ((event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : raw.length) > 4 * MAX_BODY_BYTES) return tooLarge();
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) return tooLarge();
  if (bytes.length === 0) return undefined;

  const contentType = headers.get('content-type');
  if (contentType === undefined || !isJsonUtf8(contentType)) {
    const answer = problem(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `The body must be JSON in UTF-8 (Content-Type: application/json), not ${contentType === undefined ? 'without a Content-Type' : contentType}`,
    );
    return { ...answer, headers: { 'accept-post': 'application/json' } };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return invalid('body', 'is not UTF-8');
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return invalid('body', 'is not valid JSON');
  }
}

function tooLarge(): Problem {
  return problem(413, 'CONTENT_TOO_LARGE', `The body must be at most ${MAX_BODY_BYTES} bytes`);
}

/** `application/json` or any `+json` type (RFC 6839), with no charset or UTF-8. */
function isJsonUtf8(contentType: string): boolean {
  const [type = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json' && !/^application\/[^/]+\+json$/.test(type)) return false;
  return parameters.every((parameter) => {
    const [name, value = ''] = parameter.split('=').map((part) => part.trim());
    return name !== 'charset' || value.replace(/^"|"$/g, '') === 'utf-8';
  });
}
