// Object mothers for the events an API Gateway HTTP API sends a Lambda
// integration with payload format 2.0 and IAM (SigV4) authorization, in the
// shape AWS documents ("Working with AWS Lambda proxy integrations for HTTP
// APIs", payload format version 2.0; "authorizer.iam" for AWS_IAM routes).
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';

export const CALLER_ARN = 'arn:aws:sts::111122223333:assumed-role/deployer/alice@example.com';

export interface HttpApiEventOptions {
  readonly method?: string;
  /** The path as the client sent it (percent-encoded), without the stage. */
  readonly path?: string;
  /** The raw query string, percent-encoded, without `?`. */
  readonly query?: string;
  /** Header names in any case; API Gateway delivers them lower-cased. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Send `body` base64-encoded, as API Gateway does for a body it takes for binary. */
  readonly base64?: boolean;
  /** `$default` unless the event is for a route API Gateway matched (see {@link aRoutedEvent}). */
  readonly routeKey?: string;
  readonly pathParameters?: Readonly<Record<string, string>>;
  /** `$default` (the stage served at the API's root) unless named: a named stage's name starts `rawPath`. */
  readonly stage?: string;
  /** `null` for a request without IAM authorization (a route left unauthorized). */
  readonly userArn?: string | null;
}

/**
 * An HTTP API event (payload 2.0, IAM authorizer) as API Gateway sends it for
 * the `$default` route: the handler gets the raw path and routes it itself.
 */
export function anHttpApiEvent(options: HttpApiEventOptions = {}): APIGatewayProxyEventV2WithIAMAuthorizer {
  const method = options.method ?? 'GET';
  const stage = options.stage ?? '$default';
  const rawPath = `${stage === '$default' ? '' : `/${stage}`}${options.path ?? '/'}`;
  const rawQueryString = options.query ?? '';
  const routeKey = options.routeKey ?? '$default';
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-length': String(options.body === undefined ? 0 : Buffer.byteLength(options.body)),
    host: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
    'user-agent': 'aws-cli/2.27.0',
    'x-amz-date': '20260301T100500Z',
    'x-amz-security-token': 'IQoJb3JpZ2luX2VjE...',
    'x-amzn-trace-id': 'Root=1-65e1a5b4-0123456789abcdef01234567',
    'x-forwarded-for': '192.0.2.10',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
    authorization:
      'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260301/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd',
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  const queryStringParameters = queryParametersOf(rawQueryString);
  const userArn = options.userArn === undefined ? CALLER_ARN : options.userArn;
  const event = {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    ...(Object.keys(queryStringParameters).length > 0 ? { queryStringParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      ...(userArn === null
        ? {}
        : {
            authorizer: {
              iam: {
                accessKey: 'ASIAEXAMPLE',
                accountId: '111122223333',
                callerId: 'AROAEXAMPLE:alice@example.com',
                cognitoIdentity: null,
                principalOrgId: 'o-exampleorgid',
                userArn,
                userId: 'AROAEXAMPLE:alice@example.com',
              },
            },
          }),
      domainName: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'a1b2c3d4e5',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.10', userAgent: 'aws-cli/2.27.0' },
      requestId: randomUUID().replaceAll('-', '').slice(0, 16),
      routeKey,
      stage,
      time: '01/Mar/2026:10:05:00 +0000',
      timeEpoch: 1772359500000,
    },
    ...(options.pathParameters === undefined ? {} : { pathParameters: { ...options.pathParameters } }),
    ...(options.body === undefined
      ? {}
      : { body: options.base64 === true ? Buffer.from(options.body, 'utf8').toString('base64') : options.body }),
    isBase64Encoded: options.base64 === true,
  };
  return event as APIGatewayProxyEventV2WithIAMAuthorizer;
}

/**
 * The event API Gateway sends for a request it matched to one of the API's
 * routes, e.g. `aRoutedEvent('POST /repos/{repo}/envs/{env}/rollback', { repo: 'my app', env: 'prd' })`:
 * `routeKey` is the route's, `pathParameters` hold the decoded values and the
 * path is the client's, each parameter percent-encoded.
 */
export function aRoutedEvent(
  routeKey: string,
  pathParameters: Readonly<Record<string, string>>,
  options: Omit<HttpApiEventOptions, 'method' | 'path' | 'routeKey' | 'pathParameters'> = {},
): APIGatewayProxyEventV2WithIAMAuthorizer {
  const [method = 'GET', template = '/'] = routeKey.split(' ');
  const path = template.replace(/\{([^}]+)\}/g, (_match, name: string) => encodeURIComponent(pathParameters[name] ?? ''));
  return anHttpApiEvent({ ...options, method, path, routeKey, pathParameters });
}

/** What API Gateway puts in `queryStringParameters`: decoded values, a repeated name's values joined by commas. */
function queryParametersOf(rawQueryString: string): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  }
  return parameters;
}
