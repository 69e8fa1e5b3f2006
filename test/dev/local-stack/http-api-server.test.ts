import { request as httpRequest } from 'node:http';
import { networkInterfaces } from 'node:os';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startHttpApiServer, type HttpApiLambdaHandler, type HttpApiServer } from '../../../dev/local-stack/http-api-server.js';
import { createHttpApiHandler } from '../../../src/adapters/driving/lambda/http-api/http-api.handler.js';
import { InMemoryBuildRepository, RecordingLogger } from '../../../src/testing.js';
import { aNewBuild } from '../../support/mothers/build.mother.js';

const servers: HttpApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function aServer(handler: HttpApiLambdaHandler): Promise<HttpApiServer> {
  const server = await startHttpApiServer({ handler });
  servers.push(server);
  return server;
}

/** A handler that records its events and answers what it is told. */
function aRecordingHandler(result: APIGatewayProxyStructuredResultV2 = { statusCode: 204 }) {
  const events: APIGatewayProxyEventV2WithIAMAuthorizer[] = [];
  const handler: HttpApiLambdaHandler = async (event) => {
    events.push(event);
    return result;
  };
  return { events, handler };
}

/** A request with headers fetch would not send as asked (Host, Origin). */
function rawRequest(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject).end();
  });
}

describe('the local HTTP API server', () => {
  it('listens on 127.0.0.1 only, on a free port, and says where', async () => {
    const server = await aServer(aRecordingHandler().handler);

    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    // Another interface of this machine, when it has one, is not served.
    const elsewhere = Object.values(networkInterfaces())
      .flat()
      .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal);
    if (elsewhere !== undefined) {
      await expect(fetch(`http://${elsewhere.address}:${server.port}/`)).rejects.toThrow();
    }
  });

  it.each(['0.0.0.0', '::', 'localhost', '192.168.1.10'])('refuses to listen on %s', async (host) => {
    await expect(startHttpApiServer({ handler: aRecordingHandler().handler, host })).rejects.toThrow(/127\.0\.0\.1 only/);
  });

  it('turns a request into a payload 2.0 event from the local caller, and the result back into a response', async () => {
    const { events, handler } = aRecordingHandler({
      statusCode: 202,
      headers: { 'content-type': 'application/json', location: '/repos/my%20app/envs/prd/builds/x' },
      body: '{"ok":true}',
    });
    const server = await aServer(handler);

    const response = await fetch(`${server.url}/repos/my%20app/envs/prd/rollback?limit=2&limit=3`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k-1' },
      body: '{"to":"2HFj3kLmNoPqRsTuVwXyZ012345"}',
    });

    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe('/repos/my%20app/envs/prd/builds/x');
    expect(await response.json()).toEqual({ ok: true });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/repos/my%20app/envs/prd/rollback',
      rawQueryString: 'limit=2&limit=3',
      queryStringParameters: { limit: '2,3' },
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k-1' },
      body: '{"to":"2HFj3kLmNoPqRsTuVwXyZ012345"}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/repos/my%20app/envs/prd/rollback' }, stage: '$default', authorizer: { iam: { userArn: 'local' } } },
    });
  });

  it('sends a body that is not text base64-encoded', async () => {
    const { events, handler } = aRecordingHandler();
    const server = await aServer(handler);

    await fetch(`${server.url}/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([0, 255, 1]) });

    expect(events[0]).toMatchObject({ isBase64Encoded: true, body: Buffer.from([0, 255, 1]).toString('base64') });
  });

  it('answers 500 as API Gateway does when the handler throws', async () => {
    const server = await aServer(() => Promise.reject(new Error('boom')));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);

    const response = await fetch(`${server.url}/anything`);

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
    expect(logged).toHaveBeenCalledWith('Local HTTP API: the handler threw', expect.any(Error));
    logged.mockRestore();
  });

  it('refuses requests from web pages and for other host names', async () => {
    const { events, handler } = aRecordingHandler();
    const server = await aServer(handler);

    expect((await rawRequest(`${server.url}/openapi.json`, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await rawRequest(`${server.url}/openapi.json`, { host: `rebound.example:${server.port}` })).status).toBe(421);
    expect(events).toEqual([]);
  });

  it('serves the HTTP API handler end to end', async () => {
    const builds = new InMemoryBuildRepository();
    const build = await builds.create(aNewBuild({ repo: 'web', env: 'dev' }));
    const refused = () => Promise.reject(new Error('not in this test'));
    const server = await aServer(
      createHttpApiHandler({ services: { builds, redeploy: refused, rollBack: refused, redrive: refused, cancel: refused }, logger: new RecordingLogger() }),
    );

    const found = await fetch(`${server.url}/repos/web/envs/dev/builds/${build.sk}`);
    const missing = await fetch(`${server.url}/nowhere`);
    const head = await fetch(`${server.url}/repos/web/envs/dev/builds/${build.sk}`, { method: 'HEAD' });

    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ id: `web/dev:${build.sk}`, status: 'PENDING' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(await missing.json()).toMatchObject({ type: 'urn:aws-deployer:error:ROUTE_NOT_FOUND' });
    expect(head.status).toBe(200);
  });
});
