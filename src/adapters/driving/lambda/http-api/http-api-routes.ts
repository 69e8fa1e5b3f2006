// Plain on purpose (it imports nothing): the routes of the HTTP API, in API
// Gateway's own route key syntax, so the infrastructure (an HTTP API's
// routes, their IAM policies) can be derived from the very list the handler
// dispatches on.

/** One route of the HTTP API. */
export interface HttpApiRoute {
  /** The handler's name for it, also the OpenAPI `operationId`. */
  readonly operation: HttpApiOperation;
  readonly method: 'GET' | 'POST';
  /** API Gateway's path template: `{name}` is one whole path segment, percent-decoded. */
  readonly path: string;
}

export type HttpApiOperation =
  | 'listBuilds'
  | 'getBuild'
  | 'getLatestBuild'
  | 'redeploy'
  | 'redrive'
  | 'cancel'
  | 'rollBack'
  | 'getOpenApiDocument';

/**
 * Every route the HTTP API handler serves. An HTTP API gives each one a route
 * `"{method} {path}"` (its route key) and sends every other request to its
 * `$default` route, which answers `404` (or `405` for a known path).
 */
export const HTTP_API_ROUTES = [
  { operation: 'listBuilds', method: 'GET', path: '/repos/{repo}/envs/{env}/builds' },
  { operation: 'getBuild', method: 'GET', path: '/repos/{repo}/envs/{env}/builds/{sk}' },
  { operation: 'getLatestBuild', method: 'GET', path: '/repos/{repo}/envs/{env}/latest' },
  { operation: 'redeploy', method: 'POST', path: '/repos/{repo}/envs/{env}/builds/{sk}/redeploy' },
  { operation: 'redrive', method: 'POST', path: '/repos/{repo}/envs/{env}/builds/{sk}/redrive' },
  { operation: 'cancel', method: 'POST', path: '/repos/{repo}/envs/{env}/builds/{sk}/cancel' },
  { operation: 'rollBack', method: 'POST', path: '/repos/{repo}/envs/{env}/rollback' },
  { operation: 'getOpenApiDocument', method: 'GET', path: '/openapi.json' },
] as const satisfies readonly HttpApiRoute[];

/** A route's key as API Gateway names it (`event.routeKey`), e.g. `GET /repos/{repo}/envs/{env}/latest`. */
export function routeKeyOf(route: Pick<HttpApiRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
