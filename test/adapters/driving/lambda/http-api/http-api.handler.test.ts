import { describe, expect, it } from 'vitest';
import {
  BuildNotFoundError,
  BuildUnreadableError,
  ERROR_CATALOGUE,
  EnvironmentBusyError,
  IdempotencyKeyReusedError,
  IdempotentRequestInProgressError,
  IllegalTransitionError,
  NotRedrivableError,
  NothingToRollBackToError,
  ValidationError,
  buildIdOf,
  type Build,
  type BuildKey,
} from '../../../../../src/index.js';
import type { ManualDeploymentRefusal } from '../../../../../src/app/manual/manual-deployment-result.js';
import { HTTP_API_ROUTES } from '../../../../../src/adapters/driving/lambda/http-api/http-api-routes.js';
import { aNewBuild, aSortKey } from '../../../../support/mothers/build.mother.js';
import { CALLER_ARN, aRoutedEvent, anHttpApiEvent } from '../../../../support/mothers/http-api-event.mother.js';
import { anHttpApi, type HttpApiResponse } from './http-api-fixture.js';

const JSON_BODY = { 'content-type': 'application/json' };
const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:deployment:run';

const path = (key: BuildKey, tail = '') =>
  `/repos/${encodeURIComponent(key.repo)}/envs/${encodeURIComponent(key.env)}/builds/${encodeURIComponent(key.sk)}${tail}`;

function expectProblem(response: HttpApiResponse, status: number, code: string, members: Record<string, unknown> = {}): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(response.body).toMatchObject({ type: `urn:aws-deployer:error:${code}`, status, title: expect.any(String), ...members });
}

describe('HTTP API handler', () => {
  describe('reads', () => {
    it("lists an environment's builds newest first, a page at a time", async () => {
      const api = anHttpApi();
      const first = await api.aBuild(aNewBuild({ repo: 'my-app', env: 'prd', sk: aSortKey() }));
      const second = await api.aBuild(aNewBuild({ repo: 'my-app', env: 'prd', sk: aSortKey() }));

      const page = await api.send(anHttpApiEvent({ path: '/repos/my-app/envs/prd/builds', query: 'limit=1' }));

      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('application/json');
      expect(page.body).toEqual({ builds: [expect.objectContaining({ id: buildIdOf(second), sk: second.sk })], cursor: expect.any(String) });
      const { cursor } = page.body as { cursor: string };
      const next = await api.send(anHttpApiEvent({ path: '/repos/my-app/envs/prd/builds', query: `limit=1&cursor=${encodeURIComponent(cursor)}` }));
      expect(next.body).toEqual({ builds: [expect.objectContaining({ sk: first.sk })] });
    });

    it('lists the builds of one status', async () => {
      const api = anHttpApi();
      const waiting = await api.aBuild(aNewBuild({ repo: 'my-app', env: 'prd' }));
      const running = await api.aBuild(aNewBuild({ repo: 'my-app', env: 'prd' }));
      await api.builds.recordStart(running, EXECUTION_ARN, new Date());

      const response = await api.send(anHttpApiEvent({ path: '/repos/my-app/envs/prd/builds', query: 'status=PENDING' }));

      expect((response.body as { builds: { sk: string }[] }).builds.map((build) => build.sk)).toEqual([waiting.sk]);
    });

    it('returns a build with its id and ISO 8601 instants, optional fields absent', async () => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild({ repo: 'my-app', env: 'prd', buildNumber: '12', stackName: 'prd-my-app' }));

      const response = await api.send(anHttpApiEvent({ path: path(build) }));

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        id: buildIdOf(build),
        repo: 'my-app',
        env: 'prd',
        sk: build.sk,
        status: 'PENDING',
        branch: 'main',
        version: '1.2.3',
        commitHash: 'abc123',
        buildNumber: '12',
        stackName: 'prd-my-app',
        createdAt: build.createdAt.toISOString(),
        updatedAt: build.updatedAt.toISOString(),
      });
    });

    it('answers 404 BUILD_NOT_FOUND for a build that does not exist', async () => {
      const key = { repo: 'my-app', env: 'prd', sk: aSortKey() };

      const response = await anHttpApi().send(anHttpApiEvent({ path: path(key) }));

      expectProblem(response, 404, 'BUILD_NOT_FOUND', { buildId: buildIdOf(key) });
    });

    it("returns the environment's latest build of the repo, as the CLI's latest does", async () => {
      const api = anHttpApi();
      const older = await api.aBuild(aNewBuild({ repo: 'my-app', env: 'prd' }));
      const newer = await api.aBuild(aNewBuild({ repo: 'my-app', env: 'prd' }));
      const other = await api.aBuild(aNewBuild({ repo: 'other-app', env: 'prd' }));
      for (const build of [older, newer, other]) await api.builds.recordStart(build, `${EXECUTION_ARN}-${build.sk}`, new Date());

      const response = await api.send(anHttpApiEvent({ path: '/repos/my-app/envs/prd/latest' }));

      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: buildIdOf(newer), status: 'IN_PROGRESS' });
    });

    it('answers 404 BUILD_NOT_FOUND when the repo has no build in the environment yet', async () => {
      const response = await anHttpApi().send(anHttpApiEvent({ path: '/repos/my-app/envs/prd/latest' }));

      expectProblem(response, 404, 'BUILD_NOT_FOUND', { detail: 'my-app/prd has no build yet' });
    });

    it('answers HEAD as GET without a body', async () => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());

      const response = await api.send(anHttpApiEvent({ method: 'HEAD', path: path(build) }));

      expect(response.status).toBe(200);
      expect(response.raw.body).toBeUndefined();
    });

    it('ignores the body of a GET', async () => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());

      const response = await api.send(anHttpApiEvent({ path: path(build), body: 'not json', headers: { 'content-type': 'text/plain' } }));

      expect(response.status).toBe(200);
    });
  });

  describe('manual deployments', () => {
    it('redeploys: 202 with the new build, a Location naming it, the caller and the idempotency key passed on', async () => {
      const api = anHttpApi();
      const source = await api.aBuild(aNewBuild({ repo: 'my-app', env: 'prd' }));
      const created = await api.aBuild(aNewBuild({ repo: 'my-app', env: 'prd', kind: 'redeploy', redeployOf: buildIdOf(source), requestedBy: CALLER_ARN }));
      api.answer('redeploy', { ok: true, build: created, created: true, replayed: false });

      const response = await api.send(anHttpApiEvent({ method: 'POST', path: path(source, '/redeploy'), headers: { 'Idempotency-Key': 'deploy-42' } }));

      expect(response.status).toBe(202);
      expect(response.headers.location).toBe(path(created));
      expect(response.headers['idempotent-replayed']).toBeUndefined();
      expect(response.body).toMatchObject({ id: buildIdOf(created), kind: 'redeploy', redeployOf: buildIdOf(source), requestedBy: CALLER_ARN });
      expect(api.calls.redeploy).toEqual([{ build: { repo: 'my-app', env: 'prd', sk: source.sk }, requestedBy: CALLER_ARN, idempotencyKey: 'deploy-42' }]);
    });

    it('says when the answer is a replay of an earlier request with the same key', async () => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());
      api.answer('redeploy', { ok: true, build, created: true, replayed: true });

      const response = await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/redeploy'), headers: { 'Idempotency-Key': '"deploy-42"' } }));

      expect(response.status).toBe(202);
      expect(response.headers['idempotent-replayed']).toBe('true');
      // A structured-field string's quotes are not part of the key.
      expect(api.calls.redeploy[0]?.idempotencyKey).toBe('deploy-42');
    });

    it('redrives: 202 with the build acted on, no Location', async () => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());

      const response = await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/redrive') }));

      expect(response.status).toBe(202);
      expect(response.headers.location).toBeUndefined();
      expect(response.body).toMatchObject({ id: buildIdOf(build) });
      expect(api.calls.redrive).toEqual([{ build: { repo: build.repo, env: build.env, sk: build.sk }, requestedBy: CALLER_ARN, idempotencyKey: undefined }]);
    });

    it('cancels, forced when the body says so', async () => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());

      await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/cancel') }));
      await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/cancel'), headers: JSON_BODY, body: '{"force":true}' }));
      await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/cancel'), headers: JSON_BODY, body: '{}' }));

      expect(api.calls.cancel.map((request) => request.force)).toEqual([undefined, true, undefined]);
    });

    it('rolls back to the previous version, or to the build named', async () => {
      const api = anHttpApi();
      const target = await api.aBuild(aNewBuild({ repo: 'my-app', env: 'prd' }));
      const rollback = await api.aBuild(aNewBuild({ repo: 'my-app', env: 'prd', kind: 'rollback', redeployOf: buildIdOf(target) }));
      api.answer('rollBack', { ok: true, build: rollback, created: true, replayed: false });

      const byDefault = await api.send(anHttpApiEvent({ method: 'POST', path: '/repos/my-app/envs/prd/rollback' }));
      const named = await api.send(
        anHttpApiEvent({ method: 'POST', path: '/repos/my-app/envs/prd/rollback', headers: JSON_BODY, body: JSON.stringify({ to: target.sk }) }),
      );

      expect([byDefault.status, named.status]).toEqual([202, 202]);
      expect(named.headers.location).toBe(path(rollback));
      expect(api.calls.rollBack).toEqual([
        { repo: 'my-app', env: 'prd', to: undefined, requestedBy: CALLER_ARN, idempotencyKey: undefined },
        { repo: 'my-app', env: 'prd', to: target.sk, requestedBy: CALLER_ARN, idempotencyKey: undefined },
      ]);
    });

    it('decodes a base64-encoded body', async () => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());

      const response = await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/cancel'), headers: JSON_BODY, body: '{"force":true}', base64: true }));

      expect(response.status).toBe(202);
      expect(api.calls.cancel[0]?.force).toBe(true);
    });

    it('takes any JSON media type in UTF-8, a byte order mark included', async () => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());

      for (const contentType of ['application/json; charset=utf-8', 'application/merge-patch+json', 'Application/JSON;Charset="UTF-8"']) {
        const response = await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/cancel'), headers: { 'content-type': contentType }, body: '\ufeff{"force":true}' }));
        expect(response.status, contentType).toBe(202);
      }
    });
  });

  describe('paths', () => {
    // Repos recorded by other writers may hold characters a URL must encode; "/" never.
    it.each([
      ['a space', 'my app'],
      ['a plus', 'c++'],
      ['a percent sign', '100%'],
      ['non-ASCII letters', 'über-app'],
      ['a question mark and a hash', 'what?#'],
    ])('reads a percent-encoded repo holding %s', async (_name, repo) => {
      const api = anHttpApi();
      const build = api.aRecordedBuild({ repo, env: 'prd', sk: aSortKey() });
      api.answer('redeploy', { ok: true, build, created: true, replayed: false });

      const read = await api.send(anHttpApiEvent({ path: path(build) }));
      const redeployed = await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/redeploy') }));

      expect(read.body).toMatchObject({ repo, id: buildIdOf(build) });
      expect(api.calls.redeploy[0]?.build.repo).toBe(repo);
      expect(redeployed.headers.location).toBe(path(build));
    });

    it('takes the route API Gateway matched, with the path parameters it decoded', async () => {
      const api = anHttpApi();
      const build = api.aRecordedBuild({ repo: 'my app', env: 'prd', sk: aSortKey() });

      const response = await api.send(aRoutedEvent('GET /repos/{repo}/envs/{env}/builds/{sk}', { repo: 'my app', env: 'prd', sk: build.sk }));

      expect(response.body).toMatchObject({ id: buildIdOf(build) });
    });

    it('never decodes twice what API Gateway decoded', async () => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild({ repo: 'a%41', env: 'prd' }));

      // API Gateway delivers pathParameters decoded (and, by reports, rawPath too).
      const response = await api.send(
        anHttpApiEvent({ path: `/repos/a%41/envs/prd/builds/${build.sk}`, routeKey: 'GET /repos/{repo}/envs/{env}/builds/{sk}', pathParameters: { repo: 'a%41', env: 'prd', sk: build.sk } }),
      );

      expect(response.body).toMatchObject({ repo: 'a%41' });
    });

    it('keeps a named stage in the Location it answers', async () => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild({ repo: 'my-app', env: 'prd' }));
      api.answer('redeploy', { ok: true, build, created: true, replayed: false });

      const viaDefaultRoute = await api.send(anHttpApiEvent({ method: 'POST', stage: 'live', path: path(build, '/redeploy') }));
      const viaItsRoute = await api.send(
        aRoutedEvent('POST /repos/{repo}/envs/{env}/builds/{sk}/redeploy', { repo: 'my-app', env: 'prd', sk: build.sk }, { stage: 'live' }),
      );

      expect(viaDefaultRoute.headers.location).toBe(`/live${path(build)}`);
      expect(viaItsRoute.headers.location).toBe(`/live${path(build)}`);
    });

    it('answers 400 naming the parameter that decodes to a "/" or does not decode', async () => {
      const api = anHttpApi();

      expectProblem(await api.send(anHttpApiEvent({ path: '/repos/my%2Fapp/envs/prd/latest' })), 400, 'VALIDATION_ERROR', { field: 'repo' });
      expectProblem(await api.send(anHttpApiEvent({ path: '/repos/my-app/envs/pr%E0%A4%A/latest' })), 400, 'VALIDATION_ERROR', { field: 'env' });
      expectProblem(await api.send(anHttpApiEvent({ path: '/repos/my-app/envs/a:b/latest' })), 400, 'VALIDATION_ERROR', { field: 'env' });
    });

    // A path IAM authorized for one environment must never run as another's.
    it('resolves no dot segments', async () => {
      const api = anHttpApi();

      for (const dots of ['..', '%2e%2e', '.%2E']) {
        const response = await api.send(anHttpApiEvent({ method: 'POST', path: `/repos/my-app/envs/dev/${dots}/${dots}/${dots}/${dots}/repos/my-app/envs/prd/rollback` }));
        expectProblem(response, 404, 'ROUTE_NOT_FOUND');
      }
      expect(api.calls.rollBack).toEqual([]);
    });

    it('answers 404 ROUTE_NOT_FOUND for a path no route has, trailing slash and empty segment included', async () => {
      const api = anHttpApi();

      for (const unknown of ['/', '/repos', '/repos/my-app/envs/prd', '/repos/my-app/envs/prd/builds/', '/repos//envs/prd/latest', '/openapi.yaml']) {
        expectProblem(await api.send(anHttpApiEvent({ path: unknown })), 404, 'ROUTE_NOT_FOUND');
      }
    });

    it('answers 405 with Allow for a known path and another method', async () => {
      const api = anHttpApi();
      const key = { repo: 'my-app', env: 'prd', sk: aSortKey() };

      const deleted = await api.send(anHttpApiEvent({ method: 'DELETE', path: path(key) }));
      const got = await api.send(anHttpApiEvent({ method: 'GET', path: path(key, '/redeploy') }));

      expectProblem(deleted, 405, 'METHOD_NOT_ALLOWED', { allow: ['GET', 'HEAD'] });
      expect(deleted.headers.allow).toBe('GET, HEAD');
      expectProblem(got, 405, 'METHOD_NOT_ALLOWED', { allow: ['POST'] });
      expect(got.headers.allow).toBe('POST');
    });
  });

  describe('bad requests', () => {
    it.each([
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=ten', 'limit'],
      ['limit=1.5', 'limit'],
      ['status=DONE', 'status'],
      ['status=pending', 'status'],
      ['cursor=', 'cursor'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['limit=1&limit=2', 'limit'],
      ['page=2', 'page'],
    ])('answers 400 naming the query parameter: ?%s', async (query, field) => {
      const response = await anHttpApi().send(anHttpApiEvent({ path: '/repos/my-app/envs/prd/builds', query }));

      expectProblem(response, 400, 'VALIDATION_ERROR', { field, detail: expect.stringContaining(field) });
    });

    it('answers 400 for a query parameter of a route that takes none', async () => {
      const response = await anHttpApi().send(anHttpApiEvent({ path: '/repos/my-app/envs/prd/latest', query: 'limit=1' }));

      expectProblem(response, 400, 'VALIDATION_ERROR', { field: 'limit' });
    });

    it.each([
      ['malformed JSON', '{"force":', 'body'],
      ['JSON that is no object', '[true]', 'body'],
      ['a member of another type', '{"force":"yes"}', 'force'],
      ['a member the request has not', '{"froce":true}', 'froce'],
    ])('answers 400 for %s', async (_name, body, field) => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());

      const response = await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/cancel'), headers: JSON_BODY, body }));

      expectProblem(response, 400, 'VALIDATION_ERROR', { field });
      expect(api.calls.cancel).toEqual([]);
    });

    it('answers 400 for a body member of redeploy, which takes none', async () => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());

      const response = await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/redeploy'), headers: JSON_BODY, body: '{"force":true}' }));

      expectProblem(response, 400, 'VALIDATION_ERROR', { field: 'force' });
    });

    it('answers 400 for a rollback target that is no sort key', async () => {
      const response = await anHttpApi().send(
        anHttpApiEvent({ method: 'POST', path: '/repos/my-app/envs/prd/rollback', headers: JSON_BODY, body: '{"to":""}' }),
      );

      expectProblem(response, 400, 'VALIDATION_ERROR', { field: 'to' });
    });

    it('answers 400 for a body that is not UTF-8', async () => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());
      const event = anHttpApiEvent({ method: 'POST', path: path(build, '/cancel'), headers: JSON_BODY, body: 'x', base64: true });

      const response = await api.send({ ...event, body: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64') });

      expectProblem(response, 400, 'VALIDATION_ERROR', { field: 'body' });
    });

    it.each([
      ['too long', 'k'.repeat(256)],
      ['not ASCII', 'clé'],
      ['holding a space', 'two words'],
      ['empty', '""'],
    ])('answers 400 naming Idempotency-Key when it is %s', async (_name, key) => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());

      const response = await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/redeploy'), headers: { 'idempotency-key': key } }));

      expectProblem(response, 400, 'VALIDATION_ERROR', { field: 'Idempotency-Key' });
      expect(api.calls.redeploy).toEqual([]);
    });

    it.each([
      ['text/plain', { 'content-type': 'text/plain' }],
      ['no Content-Type', {}],
      ['a charset other than UTF-8', { 'content-type': 'application/json; charset=iso-8859-1' }],
      ['form data', { 'content-type': 'application/x-www-form-urlencoded' }],
    ])('answers 415 for a body sent as %s', async (_name, headers) => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());

      const response = await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/cancel'), headers, body: '{"force":true}' }));

      expectProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(response.headers['accept-post']).toBe('application/json');
      expect(api.calls.cancel).toEqual([]);
    });

    it.each([false, true])('answers 413 for a body over 16 KiB (base64: %s)', async (base64) => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());
      const body = JSON.stringify({ force: true, pad: 'x'.repeat(16 * 1024) });

      const response = await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/cancel'), headers: JSON_BODY, body, base64 }));

      expectProblem(response, 413, 'CONTENT_TOO_LARGE');
    });

    it('takes a body of exactly 16 KiB', async () => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());
      const body = `{"force":true}${' '.repeat(16 * 1024 - 14)}`;

      const response = await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/cancel'), headers: JSON_BODY, body }));

      expect(response.status).toBe(202);
    });
  });

  describe('refusals', () => {
    const key: BuildKey = { repo: 'my-app', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXyZ012345' };
    const found: Build = { ...key, branch: 'main', version: '1.abc', commitHash: 'abc', status: 'SUCCESS', createdAt: new Date(0), updatedAt: new Date(0) };
    const lock = { repo: 'my-app', env: 'prd', holder: '2HFj3kLmNoPqRsTuVwXyZ099999', policy: 'queue' as const, takenAt: new Date(0) };
    const refusals: [ManualDeploymentRefusal, number, Record<string, unknown>][] = [
      [new ValidationError('requestedBy', 'must not contain control characters'), 400, { field: 'requestedBy' }],
      [new BuildNotFoundError(key), 404, { buildId: buildIdOf(key) }],
      [new IllegalTransitionError(found, 'FAILED', 'it is already SUCCESS'), 409, { buildStatus: 'SUCCESS', buildId: buildIdOf(key) }],
      [new EnvironmentBusyError(buildIdOf(key), lock, 'queue'), 409, { holder: 'my-app/prd:2HFj3kLmNoPqRsTuVwXyZ099999' }],
      [new NotRedrivableError(key, 'redriveStatusReason: Execution is SUCCEEDED'), 409, { reason: 'redriveStatusReason: Execution is SUCCEEDED' }],
      [new BuildUnreadableError(key, 'status: must be one of ...'), 409, { reason: 'status: must be one of ...' }],
      [new IdempotencyKeyReusedError('redeploy', 'deploy-42'), 422, {}],
      [new NothingToRollBackToError({ repo: 'my-app', env: 'prd' }, 'no build of it has ever deployed'), 422, { reason: 'my-app/prd: no build of it has ever deployed' }],
    ];

    it.each(refusals.map(([error, status, members]) => [error.code, status, error, members] as const))(
      'answers %s with %i and its problem type',
      async (code, status, error, members) => {
        const api = anHttpApi();
        api.answer('cancel', { ok: false, error });

        const response = await api.send(anHttpApiEvent({ method: 'POST', path: path(key, '/cancel') }));

        expectProblem(response, status, code, { detail: error.message, ...members });
        expect(ERROR_CATALOGUE).toHaveProperty(code);
      },
    );

    it('answers a request whose first run with the same key still runs 409 with Retry-After', async () => {
      const api = anHttpApi();
      const heldUntil = new Date(Date.now() + 60_000);
      api.answer('redeploy', { ok: false, error: new IdempotentRequestInProgressError('redeploy', 'deploy-42', heldUntil) });

      const response = await api.send(anHttpApiEvent({ method: 'POST', path: path(key, '/redeploy'), headers: { 'idempotency-key': 'deploy-42' } }));

      expectProblem(response, 409, 'IDEMPOTENCY_REQUEST_IN_PROGRESS', { heldUntil: heldUntil.toISOString() });
      expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(5);
    });

    it('answers a build whose record does not read as a build 409, also on a read', async () => {
      const api = anHttpApi({
        builds: {
          get: () => Promise.reject(new BuildUnreadableError(key, 'created_at: must be a number')),
          listBuilds: () => Promise.reject(new Error('unused')),
          latestBuilds: () => Promise.reject(new Error('unused')),
        },
      });

      expectProblem(await api.send(anHttpApiEvent({ path: path(key) })), 409, 'BUILD_UNREADABLE', { reason: 'created_at: must be a number' });
    });
  });

  describe('failures', () => {
    it('answers an unexpected error 500 without detail and logs it', async () => {
      const api = anHttpApi();
      api.answer('redeploy', () => {
        throw new Error('socket hang up at DynamoDB');
      });

      const response = await api.send(anHttpApiEvent({ method: 'POST', path: path({ repo: 'my-app', env: 'prd', sk: aSortKey() }, '/redeploy') }));

      expect(response.body).toEqual({ type: 'urn:aws-deployer:error:INTERNAL_ERROR', title: 'Internal error', status: 500 });
      expect(response.raw.body).not.toMatch(/socket|DynamoDB|at /);
      expect(api.logger.entries).toContainEqual(
        expect.objectContaining({
          level: 'error',
          attributes: expect.objectContaining({ errorMessage: 'socket hang up at DynamoDB', route: 'POST /repos/{repo}/envs/{env}/builds/{sk}/redeploy' }),
        }),
      );
    });

    it('answers a read that fails unexpectedly 500', async () => {
      const api = anHttpApi({
        builds: {
          get: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'Item')")),
          listBuilds: () => Promise.reject(new Error('unused')),
          latestBuilds: () => Promise.reject(new Error('unused')),
        },
      });

      expectProblem(await api.send(anHttpApiEvent({ path: path({ repo: 'a', env: 'b', sk: aSortKey() }) })), 500, 'INTERNAL_ERROR');
    });

    it('answers 403 CALLER_UNKNOWN, and does nothing, when the route is not authorized with AWS_IAM', async () => {
      const api = anHttpApi();
      const build = await api.aBuild(aNewBuild());

      const response = await api.send(anHttpApiEvent({ method: 'POST', path: path(build, '/redeploy'), userArn: null }));

      expectProblem(response, 403, 'CALLER_UNKNOWN');
      expect(api.calls.redeploy).toEqual([]);
      expect(api.logger.entries.filter((entry) => entry.level === 'error')).toHaveLength(1);
    });

    it('answers an event of payload format 1.0 500 and logs how to fix the integration', async () => {
      const api = anHttpApi();
      const { version: _version, ...event } = anHttpApiEvent({ path: '/openapi.json' });

      const response = await api.send({ ...event, version: '1.0' } as never);

      expectProblem(response, 500, 'INTERNAL_ERROR');
      expect(api.logger.entries).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringContaining('PayloadFormatVersion') }));
    });
  });

  it('serves every route it declares', async () => {
    const api = anHttpApi();
    const build = await api.aBuild(aNewBuild({ repo: 'my-app', env: 'prd' }));
    await api.builds.recordStart(build, EXECUTION_ARN, new Date());
    const params = { repo: 'my-app', env: 'prd', sk: build.sk };

    for (const route of HTTP_API_ROUTES) {
      const response = await api.send(aRoutedEvent(`${route.method} ${route.path}`, params));
      expect(response.status, `${route.method} ${route.path}`).toBe(route.method === 'POST' ? 202 : 200);
    }
  });
});
