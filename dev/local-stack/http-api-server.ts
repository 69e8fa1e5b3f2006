/**
 * A local stand-in for an API Gateway HTTP API in front of a Lambda function
 * (payload format 2.0, AWS_IAM authorization): a Node `http` server on
 * 127.0.0.1 that turns each request into the event API Gateway would send
 * for its `$default` route, with `requestContext.authorizer.iam.userArn` set
 * to `local` (nobody signs requests here), calls the handler with a fresh
 * Lambda context, and writes its result back.
 *
 * It listens on the loopback interface only and never on another: it serves
 * a handler that deploys. It also refuses requests a web page could make
 * (an `Origin` header) and any `Host` but its own (DNS rebinding).
 *
 * @example
 * ```ts
 * const server = await startHttpApiServer({ handler: createHttpApiHandler({ services, logger }) });
 * console.log(`HTTP API on ${server.url}`); // http://127.0.0.1:40123
 * // curl -X POST "$URL/repos/web/envs/dev/rollback"
 * await server.close();
 * ```
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { invocationContext } from '../lambda-context.js';

/** The only interface the server listens on. */
export const LOOPBACK = '127.0.0.1';

/** API Gateway's payload limit for HTTP APIs (10 MB): a larger request never reaches the function. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export type HttpApiLambdaHandler = (event: APIGatewayProxyEventV2WithIAMAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface HttpApiServerOptions {
  readonly handler: HttpApiLambdaHandler;
  /** Only `127.0.0.1` (the default): any other value is refused. */
  readonly host?: string;
  /** 0 (the default) takes a free port; `url` names it. */
  readonly port?: number;
  /** The caller every request is recorded as (`requested_by`): `local` by default. */
  readonly userArn?: string;
  /** The Lambda function name in each invocation's context. */
  readonly functionName?: string;
}

export interface HttpApiServer {
  /** `http://127.0.0.1:{port}`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function startHttpApiServer(options: HttpApiServerOptions): Promise<HttpApiServer> {
  const host = options.host ?? LOOPBACK;
  if (host !== LOOPBACK) {
    throw new Error(`The local HTTP API serves ${LOOPBACK} only, never ${host}: it deploys, and nobody signs its requests`);
  }
  let port = 0;
  const server: Server = createServer((request, response) => {
    serve(request, response, options, port).catch((error: unknown) => {
      console.error('Local HTTP API: the request failed', error);
      if (!response.headersSent) writeGatewayError(response, 500, 'Internal Server Error');
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function serve(request: IncomingMessage, response: ServerResponse, options: HttpApiServerOptions, port: number): Promise<void> {
  const hostHeader = (request.headers.host ?? '').toLowerCase();
  if (hostHeader !== `${LOOPBACK}:${port}` && hostHeader !== `localhost:${port}`) {
    writeGatewayError(response, 421, `This server answers for ${LOOPBACK}:${port} only`);
    return;
  }
  if (request.headers.origin !== undefined) {
    writeGatewayError(response, 403, 'Requests from web pages are refused');
    return;
  }
  const body = await readBody(request);
  if (body === undefined) {
    writeGatewayError(response, 413, 'Request Entity Too Large');
    return;
  }
  const event = eventOf(request, body, options.userArn ?? 'local');
  let result: APIGatewayProxyStructuredResultV2;
  try {
    result = await options.handler(event, invocationContext(options.functionName ?? 'aws-deployer-http-api'));
  } catch (error) {
    // What API Gateway answers when the function fails.
    console.error('Local HTTP API: the handler threw', error);
    writeGatewayError(response, 500, 'Internal Server Error');
    return;
  }
  writeResult(response, result);
}

/** The request's body, or `undefined` when it passes {@link MAX_REQUEST_BYTES}. */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The payload 2.0 event API Gateway sends for a request on its `$default` route. */
export function eventOf(request: IncomingMessage, body: Buffer, userArn: string): APIGatewayProxyEventV2WithIAMAuthorizer {
  const target = request.url ?? '/';
  const queryAt = target.indexOf('?');
  const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt < 0 ? '' : target.slice(queryAt + 1);
  const method = (request.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    // Payload 2.0 moves cookies to `cookies` and joins a repeated header's values with commas.
    if (name === 'cookie') cookies = [value].flat().flatMap((cookie) => cookie.split(';').map((part) => part.trim()));
    else headers[name] = [value].flat().join(',');
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    queryStringParameters[name] = name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }
  const now = new Date();
  const textual = body.length > 0 && isTextual(headers['content-type']);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies === undefined ? {} : { cookies }),
    headers,
    ...(Object.keys(queryStringParameters).length === 0 ? {} : { queryStringParameters }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: {
        iam: { accessKey: 'local', accountId: '000000000000', callerId: 'local', cognitoIdentity: null, principalOrgId: '', userArn, userId: 'local' },
      },
      domainName: headers.host ?? LOOPBACK,
      domainPrefix: 'local',
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? LOOPBACK,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length === 0 ? {} : { body: textual ? body.toString('utf8') : body.toString('base64') }),
    isBase64Encoded: body.length > 0 && !textual,
  };
}

/** Text API Gateway passes as is; anything else arrives base64-encoded. */
function isTextual(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type.startsWith('text/') || type === 'application/json' || type.endsWith('+json') || type === 'application/xml';
}

function writeResult(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies !== undefined && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded === true ? 'base64' : 'utf8');
  response.writeHead(result.statusCode ?? 200, { ...headers, 'content-length': String(body.length) });
  response.end(body);
}

/** An answer in API Gateway's own format (`{"message": ...}`), for what never reaches the function. */
function writeGatewayError(response: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ message });
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  response.end(body);
}
