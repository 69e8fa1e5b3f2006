import { describe, expect, it } from 'vitest';
import { HTTP_API_ROUTES } from '../../../../../src/adapters/driving/lambda/http-api/http-api-routes.js';
import { buildIdOf, type Build } from '../../../../../src/index.js';
import { resolvePointer, schemaViolations, type JsonSchema } from '../../../../support/json-schema-check.js';
import { aSortKey } from '../../../../support/mothers/build.mother.js';
import { aRoutedEvent, anHttpApiEvent } from '../../../../support/mothers/http-api-event.mother.js';
import { anHttpApi, type HttpApiFixture, type HttpApiResponse } from './http-api-fixture.js';

type Json = Record<string, unknown>;

async function theDocument(): Promise<Json> {
  const response = await anHttpApi().send(anHttpApiEvent({ path: '/openapi.json' }));
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('application/json');
  return response.body as Json;
}

function operationOf(document: Json, method: string, path: string): Json {
  const operation = (document.paths as Record<string, Record<string, Json>>)[path]?.[method.toLowerCase()];
  if (operation === undefined) throw new Error(`${method} ${path} is not in the document`);
  return operation;
}

/** The schema the document gives the answer of `method path` with `status` and its content type. */
function responseSchema(document: Json, method: string, path: string, status: number, contentType: string): JsonSchema {
  const responses = operationOf(document, method, path).responses as Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
  const schema = responses[String(status)]?.content?.[contentType]?.schema;
  if (schema === undefined) throw new Error(`${method} ${path} documents no ${status} ${contentType}`);
  return schema;
}

/** Checks an answer against what the document says `method path` answers. */
function expectDocumented(document: Json, method: string, path: string, response: HttpApiResponse): void {
  const contentType = response.headers['content-type'] ?? '';
  const schema = responseSchema(document, method, path, response.status, contentType);
  expect(schemaViolations(schema, response.body, document), `${method} ${path} ${response.status}`).toEqual([]);
}

/** A build with every field a build can have. */
function aFullBuild(): Build {
  const at = new Date('2026-03-01T10:05:00.000Z');
  return {
    repo: 'my app',
    env: 'prd',
    sk: aSortKey(),
    buildNumber: '12',
    branch: 'main',
    version: '12.abc',
    commitHash: 'abc',
    status: 'FAILED',
    stackName: 'prd-my-app',
    executionArn: 'arn:aws:states:us-east-1:123456789012:execution:deployment:run',
    errorMsg: 'cancelled by alice',
    createdAt: at,
    updatedAt: at,
    finishedAt: at,
    supersededBy: 'my app/prd:2HFj3kLmNoPqRsTuVwXyZ099999',
    waitingFor: 'my app/prd:2HFj3kLmNoPqRsTuVwXyZ099998',
    unlockedBy: 'arn:aws:iam::123456789012:user/bob',
    unlockedAt: at,
    kind: 'rollback',
    redeployOf: 'my app/prd:2HFj3kLmNoPqRsTuVwXyZ099997',
    requestedBy: 'arn:aws:iam::123456789012:user/alice',
    cancelledBy: 'arn:aws:iam::123456789012:user/alice',
    redrivenBy: 'arn:aws:iam::123456789012:user/carol',
    redrivenAt: at,
  };
}

describe('the OpenAPI document (GET /openapi.json)', () => {
  it('is OpenAPI 3.1 with every route of the handler, and no other', async () => {
    const document = await theDocument();

    expect(document).toMatchObject({ openapi: '3.1.0', info: { title: expect.any(String), version: expect.any(String) } });
    const documented = Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ operation: (operation as Json).operationId, method: method.toUpperCase(), path })),
    );
    expect(documented).toEqual(expect.arrayContaining(HTTP_API_ROUTES.map((route) => ({ ...route }))));
    expect(documented).toHaveLength(HTTP_API_ROUTES.length);
  });

  it('declares each path template parameter, required, and every POST its Idempotency-Key header and optional JSON body', async () => {
    const document = await theDocument();

    for (const route of HTTP_API_ROUTES) {
      const { parameters = [], requestBody } = operationOf(document, route.method, route.path) as { parameters?: Json[]; requestBody?: Json };
      const inPath = [...route.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => name);
      expect(parameters.filter((parameter) => parameter.in === 'path').map((parameter) => [parameter.name, parameter.required])).toEqual(
        inPath.map((name) => [name, true]),
      );
      if (route.method === 'POST') {
        expect(parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }));
        expect(requestBody).toMatchObject({ required: false, content: { 'application/json': { schema: { $ref: expect.any(String) } } } });
      }
    }
  });

  it('resolves every reference, and has no schema the checker does not understand', async () => {
    const document = await theDocument();
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === 'object' && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref') refs.push(value as string);
          else walk(value);
        }
      }
    };
    walk(document);

    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(() => resolvePointer(document, ref), ref).not.toThrow();
    // Checking any value walks every keyword of a schema: an unknown one throws.
    for (const schema of Object.values((document.components as { schemas: Record<string, JsonSchema> }).schemas)) {
      expect(() => schemaViolations(schema, {}, document)).not.toThrow();
    }
  });

  describe('describes what the handler answers', () => {
    async function withFullBuild(): Promise<{ api: HttpApiFixture; build: Build }> {
      const api = anHttpApi();
      const build = aFullBuild();
      api.builds.seed(build);
      return { api, build };
    }

    it('for every route, a build with every field included', async () => {
      const document = await theDocument();
      const { api, build } = await withFullBuild();
      for (const operation of ['redeploy', 'rollBack', 'redrive', 'cancel'] as const) {
        api.answer(operation, { ok: true, build, created: true, replayed: false });
      }

      for (const route of HTTP_API_ROUTES) {
        const response = await api.send(aRoutedEvent(`${route.method} ${route.path}`, { repo: build.repo, env: build.env, sk: build.sk }));
        expect(response.status, `${route.method} ${route.path}`).toBeLessThan(300);
        expectDocumented(document, route.method, route.path, response);
      }
      const read = await api.send(anHttpApiEvent({ path: `/repos/my%20app/envs/prd/builds/${build.sk}` }));
      expect(Object.keys(read.body as Json).sort()).toEqual([...Object.keys(build), 'id'].sort());
      expect(read.body).toMatchObject({ id: buildIdOf(build), redrivenAt: '2026-03-01T10:05:00.000Z' });
    });

    it('for a page with a cursor and unreadable records', async () => {
      const document = await theDocument();
      const api = anHttpApi({
        builds: {
          listBuilds: () => Promise.resolve({ builds: [aFullBuild()], nextCursor: 'eyJzayI6IngifQ', unreadable: [{ id: 'my app/prd:odd', reason: 'status: must be one of ...' }] }),
          get: () => Promise.resolve(undefined),
          latestBuilds: () => Promise.resolve([]),
        },
      });

      const response = await api.send(anHttpApiEvent({ path: '/repos/my%20app/envs/prd/builds' }));

      expect(response.body).toMatchObject({ cursor: 'eyJzayI6IngifQ', unreadable: [{ id: 'my app/prd:odd' }] });
      expectDocumented(document, 'GET', '/repos/{repo}/envs/{env}/builds', response);
    });

    it('for every problem an operation answers', async () => {
      const document = await theDocument();
      const { api, build } = await withFullBuild();
      const post = (tail: string, options: Parameters<typeof anHttpApiEvent>[0] = {}) =>
        anHttpApiEvent({ method: 'POST', path: `/repos/my%20app/envs/prd/builds/${build.sk}/${tail}`, ...options });
      const cancelPath = '/repos/{repo}/envs/{env}/builds/{sk}/cancel';
      const cases: [string, string, ReturnType<typeof anHttpApiEvent>][] = [
        ['GET', '/repos/{repo}/envs/{env}/builds', anHttpApiEvent({ path: '/repos/a/envs/b/builds', query: 'limit=0' })],
        ['GET', '/repos/{repo}/envs/{env}/builds/{sk}', anHttpApiEvent({ path: `/repos/a/envs/b/builds/${aSortKey()}` })],
        ['GET', '/repos/{repo}/envs/{env}/latest', anHttpApiEvent({ path: '/repos/a/envs/b/latest' })],
        ['POST', cancelPath, post('cancel', { headers: { 'content-type': 'application/json' }, body: '{"force":1}' })],
        ['POST', cancelPath, post('cancel', { headers: { 'content-type': 'text/plain' }, body: 'x' })],
        ['POST', cancelPath, post('cancel', { headers: { 'content-type': 'application/json' }, body: ' '.repeat(20_000) })],
        ['POST', cancelPath, post('cancel', { userArn: null })],
      ];
      for (const [method, path, event] of cases) {
        const response = await api.send(event);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expectDocumented(document, method, path, response);
      }

      api.answer('cancel', () => {
        throw new Error('boom');
      });
      expectDocumented(document, 'POST', cancelPath, await api.send(post('cancel')));
    });
  });

  describe('accepts exactly the requests the handler accepts', () => {
    async function accepted(api: HttpApiFixture, event: ReturnType<typeof anHttpApiEvent>): Promise<boolean> {
      const response = await api.send(event);
      expect([200, 202, 400]).toContain(response.status);
      return response.status < 300;
    }

    it.each([
      ['cancel', '{}'],
      ['cancel', '{"force":true}'],
      ['cancel', '{"force":false}'],
      ['cancel', '{"force":"true"}'],
      ['cancel', '{"force":null}'],
      ['cancel', '{"froce":true}'],
      ['cancel', '[]'],
      ['cancel', '"force"'],
      ['redeploy', '{}'],
      ['redeploy', '{"force":true}'],
      ['redrive', '{"to":"x"}'],
      ['rollback', '{}'],
      ['rollback', '{"to":"2HFj3kLmNoPqRsTuVwXyZ012345"}'],
      ['rollback', '{"to":""}'],
      ['rollback', '{"to":5}'],
    ])('%s %s', async (operation, body) => {
      const document = await theDocument();
      const api = anHttpApi();
      const build = await api.aBuild({ repo: 'my-app', env: 'prd', sk: aSortKey(), branch: 'main', version: '1.a', commitHash: 'a' });
      for (const name of ['redeploy', 'rollBack', 'redrive', 'cancel'] as const) api.answer(name, { ok: true, build, created: false, replayed: false });
      const path = operation === 'rollback' ? '/repos/{repo}/envs/{env}/rollback' : `/repos/{repo}/envs/{env}/builds/{sk}/${operation}`;
      const { requestBody } = operationOf(document, 'POST', path) as { requestBody: { content: Record<string, { schema: JsonSchema }> } };
      const event = anHttpApiEvent({
        method: 'POST',
        path: path.replace('{repo}', 'my-app').replace('{env}', 'prd').replace('{sk}', build.sk),
        headers: { 'content-type': 'application/json' },
        body,
      });

      const byTheDocument = schemaViolations(requestBody.content['application/json']!.schema, JSON.parse(body), document).length === 0;

      expect(await accepted(api, event)).toBe(byTheDocument);
    });

    it.each(['1', '25', '100', '0', '101', '-1', '1.5', 'ten', '', '007'])('limit=%s', async (limit) => {
      const document = await theDocument();
      const { parameters } = operationOf(document, 'GET', '/repos/{repo}/envs/{env}/builds') as { parameters: { name: string; schema: JsonSchema }[] };
      const schema = parameters.find((parameter) => parameter.name === 'limit')!.schema;
      // OpenAPI's form style: the text is the integer it spells.
      const value = /^-?[0-9]+(\.[0-9]+)?$/.test(limit) ? Number(limit) : limit;

      const byTheDocument = schemaViolations(schema, value, document).length === 0;

      expect(await accepted(anHttpApi(), anHttpApiEvent({ path: '/repos/a/envs/b/builds', query: `limit=${limit}` }))).toBe(byTheDocument);
    });

    it.each(['PENDING', 'IN_PROGRESS', 'SUCCESS', 'FAILED', 'pending', 'DONE'])('status=%s', async (status) => {
      const document = await theDocument();
      const { parameters } = operationOf(document, 'GET', '/repos/{repo}/envs/{env}/builds') as { parameters: { name: string; schema: JsonSchema }[] };
      const schema = parameters.find((parameter) => parameter.name === 'status')!.schema;

      const byTheDocument = schemaViolations(schema, status, document).length === 0;

      expect(await accepted(anHttpApi(), anHttpApiEvent({ path: '/repos/a/envs/b/builds', query: `status=${status}` }))).toBe(byTheDocument);
    });

    it.each(['deploy-42', 'a'.repeat(255), 'a'.repeat(256), 'two words', 'clé', '"quoted"'])('Idempotency-Key: %s', async (key) => {
      const document = await theDocument();
      const path = '/repos/{repo}/envs/{env}/builds/{sk}/redeploy';
      const { parameters } = operationOf(document, 'POST', path) as { parameters: { name: string; schema: JsonSchema }[] };
      const schema = parameters.find((parameter) => parameter.name === 'Idempotency-Key')!.schema;
      const api = anHttpApi();
      const build = await api.aBuild({ repo: 'my-app', env: 'prd', sk: aSortKey(), branch: 'main', version: '1.a', commitHash: 'a' });
      // A structured-field string's quotes are not part of the key.
      const sent = key.startsWith('"') ? key.slice(1, -1) : key;

      const byTheDocument = schemaViolations(schema, sent, document).length === 0;

      const event = anHttpApiEvent({ method: 'POST', path: `/repos/my-app/envs/prd/builds/${build.sk}/redeploy`, headers: { 'idempotency-key': key } });
      expect(await accepted(api, event)).toBe(byTheDocument);
    });
  });
});
