// Manual deployments through the HTTP API, end to end: real HTTP requests
// (fetch) to the local server that serves the HTTP API's handler on
// 127.0.0.1, on the local stack `npm start` runs (DynamoDB Local from the
// integration setup, the local Step Functions endpoint running the shipped
// workflow's ASL with CloudFormation stand-ins, the stream poller feeding
// trigger-build, update-build-status called by the workflow). Builds are
// started only by the normal path: a redeploy's or a rollback's new build is
// INSERTed and trigger-build starts it from the stream. The sweeper is run by
// hand where the scheduled one would record what no callback can (a stopped
// execution, a redriven success).
//
// Redrive semantics (dev/local-stack/asl-runner.ts, as Step Functions'
// RedriveExecution): a redriven execution resumes at the state it failed or
// was stopped in, the earlier states' results kept. An execution whose stack
// failed ended in the workflow's Fail state (DeploymentFailed) after
// ReportFailure: Step Functions would call it REDRIVABLE, yet its redrive
// could only re-enter DeploymentFailed and fail again at once. The module
// refuses it (NOT_REDRIVABLE: redeploy instead) and asks Step Functions
// nothing.
import { StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newKsuid } from '../../dev/ksuid.js';
import { sfnClientFor } from '../../dev/local-sfn/sfn-client.js';
import type { ExecutionRecord } from '../../dev/local-sfn/local-sfn-server.js';
import { CloudFormationStandIn } from '../../dev/local-stack/cloudformation-stand-ins.js';
import { startLocalStack, type LocalStack } from '../../dev/local-stack/stack.js';
import { sleep, waitFor } from '../../dev/local-stack/wait.js';
import { SweepOpenBuildsService, buildIdOf, executionName, newKsuidAfter, type Build, type BuildKey, type NewBuild } from '../../src/index.js';
import { createAwsContainer } from '../../src/lambda.js';
import { RecordingLogger } from '../../src/testing.js';

/** The stack the broken environment deploys: it rolls back. */
const BROKEN_STACK = 'dev-broken';
const PROBLEM = 'application/problem+json';
/** The states of the workflow's polling loop: where a stop lands while the stack is held in progress. */
const POLL_LOOP = ['WaitForStack', 'DescribeStack', 'IsStackSettled'];

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body (problem details for an error). */
  readonly body: Record<string, unknown>;
}

/** A build as the API returns it (what these tests read of it). */
interface ApiBuild {
  readonly id: string;
  readonly repo: string;
  readonly env: string;
  readonly sk: string;
  readonly status: string;
  readonly version: string;
  readonly kind?: string;
  readonly redeployOf?: string;
  readonly requestedBy?: string;
  readonly cancelledBy?: string;
  readonly redrivenBy?: string;
  readonly errorMsg?: string;
  readonly executionArn?: string;
}

let stack: LocalStack;
let sfn: SFNClient;
let sweeper: SweepOpenBuildsService;
/** DeployStack calls that began a create or update, by stack. */
const deployments = new Map<string, number>();

beforeAll(async () => {
  stack = await startLocalStack({
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    httpApi: true,
    brokenStacks: [BROKEN_STACK],
    settleAfterPolls: 2,
    stackPollWaitMs: 10,
  });
  stack.subscribe((event) => {
    if (event.type === 'stack' && event.change.reason === 'User Initiated') {
      deployments.set(event.change.stackName, (deployments.get(event.change.stackName) ?? 0) + 1);
    }
  });
  sfn = sfnClientFor(stack.stepFunctionsEndpoint, { maxAttempts: 1 });
  // The scheduled sweeper's container, as its Lambda function builds it.
  sweeper = createAwsContainer({
    tableName: stack.tableName,
    stateMachineArn: stack.stateMachineArn,
    region: stack.region,
    dynamodbEndpoint: stack.dynamodbEndpoint,
    stepFunctionsEndpoint: stack.stepFunctionsEndpoint,
    concurrency: stack.concurrency,
    logger: new RecordingLogger(),
  }).get(SweepOpenBuildsService);
});

afterAll(async () => {
  sfn?.destroy();
  await stack?.stop();
});

// ---- helpers ------------------------------------------------------------------------------------------------

function url(): string {
  if (stack.httpApi === undefined) throw new Error('the local stack serves no HTTP API');
  return stack.httpApi.url;
}

/** One request to the local HTTP API; a JSON body is sent with its content type. */
async function api(method: string, path: string, options: { json?: unknown; body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(`${url()}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const envPath = (repo: string, env = 'dev'): string => `/repos/${repo}/envs/${env}`;
const buildPath = (key: BuildKey): string => `${envPath(key.repo, key.env)}/builds/${key.sk}`;
const asBuild = (answer: Answer): ApiBuild => answer.body as unknown as ApiBuild;

/** The newest key made so far: each build of the suite sorts after the one before, as uploads seconds apart do. */
let lastSk: string | undefined;

function aBuild(repo: string, version: string): NewBuild {
  lastSk = newKsuidAfter(lastSk);
  return { repo, env: 'dev', sk: lastSk, branch: 'main', version, commitHash: `c0ffee${version.replaceAll('.', '')}` };
}

/** Writes the build as the upload function does (PENDING); trigger-build starts it from the stream. */
async function created(build: NewBuild): Promise<NewBuild> {
  await stack.builds.create(build);
  return build;
}

async function buildOf(key: BuildKey): Promise<Build> {
  const build = await stack.builds.get(key);
  if (build === undefined) throw new Error(`${buildIdOf(key)} does not exist`);
  return build;
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  await waitFor(condition, { what, timeoutMs, intervalMs: 10 });
}

async function untilStatus(key: BuildKey, ...statuses: string[]): Promise<Build> {
  await until(`${buildIdOf(key)} to be ${statuses.join(' or ')}`, async () => statuses.includes((await buildOf(key)).status));
  return buildOf(key);
}

/** The executions of the build (by its name), as the local endpoint holds them. */
function executionsOf(key: BuildKey): ExecutionRecord[] {
  return stack.stepFunctions.executions.filter((execution) => execution.name === executionName(key));
}

function executionOf(key: BuildKey): ExecutionRecord {
  const [execution, ...more] = executionsOf(key);
  if (execution === undefined || more.length > 0) throw new Error(`${buildIdOf(key)} has ${executionsOf(key).length} executions, not one`);
  return execution;
}

async function untilExecution(key: BuildKey, expected: Partial<ExecutionRecord>): Promise<ExecutionRecord> {
  await until(`the execution of ${buildIdOf(key)} to be ${JSON.stringify(expected)}`, () =>
    executionsOf(key).some((execution) => Object.entries(expected).every(([name, value]) => execution[name as keyof ExecutionRecord] === value)),
  );
  return executionOf(key);
}

/** trigger-build recorded the build waiting for its environment. */
function hasWaited(key: BuildKey): boolean {
  return stack.triggerBuildLog.some((entry) => entry.attributes.buildId === buildIdOf(key) && entry.message === 'Build waits for its environment');
}

/** The builds of an environment, read through the API (every page). */
async function listed(repo: string, query = ''): Promise<ApiBuild[]> {
  const builds: ApiBuild[] = [];
  let cursor: string | undefined;
  do {
    const page = await api('GET', `${envPath(repo)}/builds?limit=100${query}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    expect(page.status).toBe(200);
    builds.push(...(page.body.builds as ApiBuild[]));
    cursor = page.body.cursor as string | undefined;
  } while (cursor !== undefined);
  return builds;
}

/** A stop as an operator's (the console, the CLI): the execution ends ABORTED and nothing reports it. */
async function stopExecution(key: BuildKey): Promise<void> {
  // The endpoint's record: the build may not record the ARN yet (trigger-build writes it after StartExecution answered).
  const { executionArn } = executionOf(key);
  await sfn.send(new StopExecutionCommand({ executionArn, error: 'Stopped', cause: 'stopped by an operator' }));
}

/** What an operator checks before unlocking or deploying again: the stack has settled (looked at until it leaves *_IN_PROGRESS). */
async function settled(stackName: string): Promise<void> {
  await until(`${stackName} to settle`, () => !stack.cloudFormation.describeStack({ stack_name: stackName }).stack_status.endsWith('_IN_PROGRESS'));
}

/** One run of the scheduled sweeper, no grace period: it records ends nothing reported, and redriven successes. */
async function sweep() {
  return sweeper.sweep({ s3Bucket: stack.s3Bucket, graceMs: 0 });
}

function expectProblem(answer: Answer, status: number, code: string, members: Record<string, unknown> = {}): void {
  expect({ status: answer.status, contentType: answer.headers.get('content-type') }).toEqual({ status, contentType: PROBLEM });
  expect(answer.body).toMatchObject({ type: `urn:aws-deployer:error:${code}`, status, ...members });
  expect(JSON.stringify(answer.body)).not.toMatch(/\n\s+at /);
}

// ---- the tests ----------------------------------------------------------------------------------------------

describe('reads and cancel of a waiting build (shop/dev)', () => {
  let first: NewBuild;
  let cancelled: NewBuild;
  let third: NewBuild;

  it('cancels a build waiting for its environment: it ends FAILED "cancelled by local" and never starts', async () => {
    const release = stack.cloudFormation.hold(CloudFormationStandIn.stackNameOf({ repo: 'shop', env: 'dev' }));
    try {
      first = await created(aBuild('shop', '1.0.0'));
      await untilStatus(first, 'IN_PROGRESS');
      cancelled = await created(aBuild('shop', '1.1.0'));
      await until(`${buildIdOf(cancelled)} to wait`, () => hasWaited(cancelled));

      const answer = await api('POST', `${buildPath(cancelled)}/cancel`);

      expect(answer.status).toBe(202);
      expect(answer.headers.get('location')).toBeNull();
      expect(asBuild(answer)).toMatchObject({ id: buildIdOf(cancelled), status: 'FAILED', cancelledBy: 'local', errorMsg: 'cancelled by local' });
    } finally {
      release();
    }
    await untilStatus(first, 'SUCCESS');
    third = await created(aBuild('shop', '1.2.0'));
    await untilStatus(third, 'SUCCESS');
    expect(executionsOf(cancelled)).toEqual([]);
    expect(await buildOf(cancelled)).toMatchObject({ status: 'FAILED', cancelledBy: 'local' });
  });

  it('lists the builds newest first, by status, a page at a time with the cursor', async () => {
    const ids = (answer: Answer) => (answer.body.builds as ApiBuild[]).map((build) => build.id);

    const page1 = await api('GET', `${envPath('shop')}/builds?limit=2`);
    expect(page1.status).toBe(200);
    expect(ids(page1)).toEqual([buildIdOf(third), buildIdOf(cancelled)]);
    const page2 = await api('GET', `${envPath('shop')}/builds?limit=2&cursor=${encodeURIComponent(String(page1.body.cursor))}`);
    expect(ids(page2)).toEqual([buildIdOf(first)]);
    expect(page2.body.cursor).toBeUndefined();

    const succeeded = await api('GET', `${envPath('shop')}/builds?status=SUCCESS&limit=1`);
    expect(ids(succeeded)).toEqual([buildIdOf(third)]);
    const next = await api('GET', `${envPath('shop')}/builds?status=SUCCESS&limit=1&cursor=${encodeURIComponent(String(succeeded.body.cursor))}`);
    expect(ids(next)).toEqual([buildIdOf(first)]);
    expect(next.body.cursor).toBeUndefined();
    expect(ids(await api('GET', `${envPath('shop')}/builds?status=FAILED`))).toEqual([buildIdOf(cancelled)]);
    expect(ids(await api('GET', `${envPath('shop')}/builds?status=PENDING`))).toEqual([]);
  });

  it("gets a build, the environment's latest build, and the OpenAPI document", async () => {
    const build = await api('GET', buildPath(first));
    expect(build.status).toBe(200);
    expect(build.headers.get('content-type')).toBe('application/json');
    expect(asBuild(build)).toMatchObject({ id: buildIdOf(first), status: 'SUCCESS', version: '1.0.0', executionArn: executionOf(first).executionArn });

    const latest = await api('GET', `${envPath('shop')}/latest`);
    expect(latest.status).toBe(200);
    expect(asBuild(latest)).toMatchObject({ id: buildIdOf(third), version: '1.2.0' });

    const openApi = await api('GET', '/openapi.json');
    expect(openApi.status).toBe(200);
    expect(openApi.body.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(openApi.body.paths as object)).toEqual(
      expect.arrayContaining(['/repos/{repo}/envs/{env}/builds', '/repos/{repo}/envs/{env}/builds/{sk}/redeploy', '/repos/{repo}/envs/{env}/rollback']),
    );
  });

  it('answers each error with problem details (RFC 9457) and the status that fits, never a stack trace', async () => {
    const unknown = { repo: 'shop', env: 'dev', sk: newKsuid() };
    // 400, naming the field at fault.
    expectProblem(await api('GET', `${envPath('shop')}/builds?limit=0`), 400, 'VALIDATION_ERROR', { field: 'limit' });
    expectProblem(await api('GET', `${envPath('shop')}/builds?status=DONE`), 400, 'VALIDATION_ERROR', { field: 'status' });
    expectProblem(await api('POST', `${buildPath(third)}/cancel`, { json: { force: 'yes' } }), 400, 'VALIDATION_ERROR', { field: 'force' });
    expectProblem(await api('POST', `${envPath('shop')}/rollback`, { json: { to: 'x', also: 1 } }), 400, 'VALIDATION_ERROR', { field: 'also' });
    expectProblem(await api('POST', `${envPath('shop')}/rollback`, { body: '{"to":', headers: { 'content-type': 'application/json' } }), 400, 'VALIDATION_ERROR', {
      field: 'body',
    });
    expectProblem(await api('POST', `${buildPath(third)}/redeploy`, { headers: { 'idempotency-key': 'a key with spaces' } }), 400, 'VALIDATION_ERROR', {
      field: 'Idempotency-Key',
    });
    // 404: an unknown build, an unknown route.
    expectProblem(await api('GET', buildPath(unknown)), 404, 'BUILD_NOT_FOUND', { buildId: buildIdOf(unknown) });
    expectProblem(await api('POST', `${buildPath(unknown)}/redeploy`), 404, 'BUILD_NOT_FOUND', { buildId: buildIdOf(unknown) });
    expectProblem(await api('GET', `${envPath('nobody')}/latest`), 404, 'BUILD_NOT_FOUND');
    expectProblem(await api('GET', '/repos/shop/envs/dev/deployments'), 404, 'ROUTE_NOT_FOUND');
    // 405, with the methods the path takes.
    const deleted = await api('DELETE', buildPath(first));
    expectProblem(deleted, 405, 'METHOD_NOT_ALLOWED');
    expect(deleted.headers.get('allow')).toBe('GET, HEAD');
    expect((await api('GET', `${envPath('shop')}/rollback`)).headers.get('allow')).toBe('POST');
    // 409: a transition the build's status refuses, with that status.
    expectProblem(await api('POST', `${buildPath(third)}/cancel`), 409, 'ILLEGAL_TRANSITION', { buildStatus: 'SUCCESS', buildId: buildIdOf(third) });
    expectProblem(await api('POST', `${buildPath(third)}/redrive`), 409, 'NOT_REDRIVABLE', { buildId: buildIdOf(third) });
    expectProblem(await api('POST', `${buildPath(cancelled)}/redrive`), 409, 'NOT_REDRIVABLE', { reason: expect.stringContaining('redeploy it instead') });
    // 415 and 413: the body.
    const text = await api('POST', `${envPath('shop')}/rollback`, { body: 'to=x', headers: { 'content-type': 'text/plain' } });
    expectProblem(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(text.headers.get('accept-post')).toBe('application/json');
    expectProblem(await api('POST', `${envPath('shop')}/rollback`, { json: { to: 'x'.repeat(17 * 1024) } }), 413, 'CONTENT_TOO_LARGE');
    // 422: nothing to roll back to (an environment with one deployed version).
    const only = await created(aBuild('lonely', '0.1.0'));
    await untilStatus(only, 'SUCCESS');
    expectProblem(await api('POST', `${envPath('lonely')}/rollback`), 422, 'NOTHING_TO_ROLL_BACK_TO');
    // None of these created a build.
    expect((await listed('shop')).map((build) => build.id)).toEqual([buildIdOf(third), buildIdOf(cancelled), buildIdOf(first)]);
  });
});

describe('redeploy and rollback over HTTP, deployed by the normal path (shop/dev)', () => {
  it('redeploys: a new build of the same version, started from the stream, deploys and ends SUCCESS; a retry with its key creates nothing', async () => {
    const [third, , first] = await listed('shop');
    const source = first!;
    const deploysBefore = deployments.get('dev-shop') ?? 0;

    const answer = await api('POST', `${buildPath(source)}/redeploy`, { headers: { 'idempotency-key': 'redeploy-shop-1' } });

    expect(answer.status).toBe(202);
    const redeploy = asBuild(answer);
    expect(redeploy).toMatchObject({ status: 'PENDING', kind: 'redeploy', redeployOf: source.id, requestedBy: 'local', version: source.version });
    expect(answer.headers.get('location')).toBe(buildPath(redeploy));
    const key = { repo: 'shop', env: 'dev', sk: redeploy.sk };
    expect(await untilStatus(key, 'SUCCESS', 'FAILED')).toMatchObject({ status: 'SUCCESS', kind: 'redeploy' });
    expect(executionOf(key)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 0 });
    expect(deployments.get('dev-shop')).toBe(deploysBefore + 1);
    expect(asBuild(await api('GET', buildPath(key)))).toMatchObject({ status: 'SUCCESS', requestedBy: 'local' });

    // The same request again: the first answer, nothing new.
    const retry = await api('POST', `${buildPath(source)}/redeploy`, { headers: { 'idempotency-key': 'redeploy-shop-1' } });
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(asBuild(retry).id).toBe(redeploy.id);
    // The same key for another request: refused.
    expectProblem(await api('POST', `${buildPath(third!)}/redeploy`, { headers: { 'idempotency-key': 'redeploy-shop-1' } }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await listed('shop')).toHaveLength(4);
  });

  it("rolls back: to the newest older SUCCESS of another version than the environment's newest, deployed and SUCCESS", async () => {
    const [newest, third] = await listed('shop', '&status=SUCCESS');
    // The redeploy (1.0.0) is the newest SUCCESS; the previous version deployed is the third build's.
    expect(newest).toMatchObject({ kind: 'redeploy', version: '1.0.0' });

    const answer = await api('POST', `${envPath('shop')}/rollback`);

    expect(answer.status).toBe(202);
    const rollback = asBuild(answer);
    expect(rollback).toMatchObject({ status: 'PENDING', kind: 'rollback', redeployOf: third!.id, version: '1.2.0', requestedBy: 'local' });
    const key = { repo: 'shop', env: 'dev', sk: rollback.sk };
    expect(await untilStatus(key, 'SUCCESS', 'FAILED')).toMatchObject({ status: 'SUCCESS', kind: 'rollback', version: '1.2.0' });
    expect(executionOf(key)).toMatchObject({ status: 'SUCCEEDED' });
    expect(asBuild(await api('GET', `${envPath('shop')}/latest`))).toMatchObject({ id: rollback.id });
  });

  it('takes 50 concurrent requests with one Idempotency-Key as one: exactly one build and one execution', async () => {
    const [, , , source] = await listed('shop', '&status=SUCCESS');
    const before = await listed('shop');
    const executionsBefore = stack.stepFunctions.executions.length;

    const answers = await Promise.all(
      Array.from({ length: 50 }, () => api('POST', `${buildPath(source!)}/redeploy`, { headers: { 'idempotency-key': 'fifty-at-once' } })),
    );

    const accepted = answers.filter((answer) => answer.status === 202);
    const others = answers.filter((answer) => answer.status !== 202);
    expect(accepted.length).toBeGreaterThan(0);
    expect(new Set(accepted.map((answer) => asBuild(answer).id)).size).toBe(1);
    // The others came while the first held the key: told so, with when to retry.
    for (const answer of others) {
      expectProblem(answer, 409, 'IDEMPOTENCY_REQUEST_IN_PROGRESS');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    const build = asBuild(accepted[0]!);
    const key = { repo: 'shop', env: 'dev', sk: build.sk };
    await untilStatus(key, 'SUCCESS', 'FAILED');
    expect(await listed('shop')).toHaveLength(before.length + 1);
    expect(executionsOf(key)).toHaveLength(1);
    expect(stack.stepFunctions.executions).toHaveLength(executionsBefore + 1);
    const again = await api('POST', `${buildPath(source!)}/redeploy`, { headers: { 'idempotency-key': 'fifty-at-once' } });
    expect({ status: again.status, id: asBuild(again).id, replayed: again.headers.get('idempotent-replayed') }).toEqual({
      status: 202,
      id: build.id,
      replayed: 'true',
    });
  });
});

describe('a forced cancel of a running build (pay/dev)', () => {
  it('is refused without force; with force the execution is ABORTED, the build FAILED, and the environment stays locked until unlocked', async () => {
    const release = stack.cloudFormation.hold('dev-pay');
    const running = await created(aBuild('pay', '4.0.0'));
    await untilExecution(running, { status: 'RUNNING' });
    // Its start recorded too: a PENDING build whose execution already runs is refused otherwise (its start records it).
    await untilStatus(running, 'IN_PROGRESS');

    expectProblem(await api('POST', `${buildPath(running)}/cancel`), 409, 'ILLEGAL_TRANSITION', { buildStatus: 'IN_PROGRESS' });
    const answer = await api('POST', `${buildPath(running)}/cancel`, { json: { force: true } });

    expect(answer.status).toBe(202);
    expect(asBuild(answer)).toMatchObject({ status: 'FAILED', cancelledBy: 'local', errorMsg: 'cancelled by local' });
    expect(executionOf(running)).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'cancelled by local' });
    expect(await stack.builds.getEnvironmentLock('pay', 'dev')).toMatchObject({ holder: running.sk, keptBy: 'local' });
    // The environment stays held: the next build waits, even after a sweep.
    const next = await created(aBuild('pay', '4.0.1'));
    await until(`${buildIdOf(next)} to wait`, () => hasWaited(next));
    await sweep();
    expect(await buildOf(next)).toMatchObject({ status: 'PENDING', waitingFor: buildIdOf(running) });
    expect(executionsOf(next)).toEqual([]);

    // An operator who has checked that the stack settled unlocks: the next build starts on the hand-off.
    release();
    await settled('dev-pay');
    await stack.builds.releaseEnvironmentLock('pay', 'dev', running.sk, { releasedBy: 'an operator', at: new Date() });
    expect(await untilStatus(next, 'SUCCESS', 'FAILED')).toMatchObject({ status: 'SUCCESS' });
    expect(await buildOf(running)).toMatchObject({ status: 'FAILED', cancelledBy: 'local' });
  });
});

describe('redrive over HTTP', () => {
  it('runs a stopped execution again from the state it stopped in: no second DeployStack, SUCCEEDED, and the sweeper records the build SUCCESS', async () => {
    const release = stack.cloudFormation.hold('dev-cart');
    const build = await created(aBuild('cart', '7.0.0'));
    await untilExecution(build, { status: 'RUNNING' });
    await stopExecution(build);
    const stopped = await untilExecution(build, { status: 'ABORTED' });
    // The sweeper records the end nothing reported, and frees the environment.
    await sweep();
    expect(await buildOf(build)).toMatchObject({ status: 'FAILED', errorMsg: expect.stringContaining('ABORTED') });
    expect(await stack.builds.getEnvironmentLock('cart', 'dev')).toBeUndefined();
    await until('the stop to be reported where it landed', () => POLL_LOOP.includes(executionOf(build).failedState ?? ''));
    expect(stopped.redriveCount).toBe(0);
    expect(deployments.get('dev-cart')).toBe(1);

    // A first request holds its key while Step Functions answers slowly: a second with the key is told to wait.
    stack.stepFunctions.setLatency(600, 'DescribeExecution');
    let answer: Answer;
    try {
      const first = api('POST', `${buildPath(build)}/redrive`, { headers: { 'idempotency-key': 'redrive-cart-1' } });
      await sleep(200);
      const second = await api('POST', `${buildPath(build)}/redrive`, { headers: { 'idempotency-key': 'redrive-cart-1' } });
      expectProblem(second, 409, 'IDEMPOTENCY_REQUEST_IN_PROGRESS');
      expect(second.headers.get('retry-after')).not.toBeNull();
      answer = await first;
    } finally {
      stack.stepFunctions.setLatency(0, 'DescribeExecution');
    }

    expect(answer.status).toBe(202);
    expect(asBuild(answer)).toMatchObject({ status: 'FAILED', redrivenBy: 'local' });
    expect(executionOf(build)).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
    expect(await stack.builds.getEnvironmentLock('cart', 'dev')).toMatchObject({ holder: build.sk, redrive: true });
    release();
    await untilExecution(build, { status: 'SUCCEEDED' });
    // It resumed in the polling loop: the stack was not deployed again.
    expect(deployments.get('dev-cart')).toBe(1);
    // ReportSuccess's callback is refused on FAILED (the build is marked); the sweeper asks Step Functions and records it.
    expect(await buildOf(build)).toMatchObject({ status: 'FAILED' });
    expect((await sweep()).completed).toBeGreaterThanOrEqual(1);
    expect(await buildOf(build)).toMatchObject({ status: 'SUCCESS', redrivenBy: 'local' });
    expect(await stack.builds.getEnvironmentLock('cart', 'dev')).toBeUndefined();
    expect(asBuild(await api('GET', buildPath(build)))).toMatchObject({ status: 'SUCCESS' });
  });

  it('is refused while another build holds the environment (409 busy), and once a newer build has deployed', async () => {
    let release = stack.cloudFormation.hold('dev-busy');
    const stoppedBuild = await created(aBuild('busy', '1.0.0'));
    await untilExecution(stoppedBuild, { status: 'RUNNING' });
    await stopExecution(stoppedBuild);
    await untilExecution(stoppedBuild, { status: 'ABORTED' });
    release();
    await settled('dev-busy');
    await sweep();
    await untilStatus(stoppedBuild, 'FAILED');
    release = stack.cloudFormation.hold('dev-busy');
    const newer = await created(aBuild('busy', '1.1.0'));
    await untilExecution(newer, { status: 'RUNNING' });

    expectProblem(await api('POST', `${buildPath(stoppedBuild)}/redrive`), 409, 'ENVIRONMENT_BUSY', { holder: buildIdOf(newer) });

    release();
    await untilStatus(newer, 'SUCCESS');
    expectProblem(await api('POST', `${buildPath(stoppedBuild)}/redrive`), 409, 'NOT_REDRIVABLE', { reason: expect.stringContaining(buildIdOf(newer)) });
    expect(executionOf(stoppedBuild)).toMatchObject({ status: 'ABORTED', redriveCount: 0 });
  });

  it('of a failed stack is refused (it would fail again at once in DeploymentFailed): redeploy it instead', async () => {
    const build = await created(aBuild('broken', '2.0.0'));
    const failed = await untilStatus(build, 'FAILED', 'SUCCESS');
    expect(failed.errorMsg).toContain('ROLLBACK_COMPLETE');
    const ended = await untilExecution(build, { status: 'FAILED' });
    expect(ended.failedState).toBe('DeploymentFailed');

    expectProblem(await api('POST', `${buildPath(build)}/redrive`), 409, 'NOT_REDRIVABLE', { reason: expect.stringContaining('redeploy the build instead') });

    expect(executionOf(build)).toMatchObject({ status: 'FAILED', redriveCount: 0 });
    expect(deployments.get(BROKEN_STACK)).toBe(1);
    expect(await stack.builds.getEnvironmentLock('broken', 'dev')).toBeUndefined();
    expect(asBuild(await api('GET', buildPath(build)))).toMatchObject({ status: 'FAILED', errorMsg: failed.errorMsg });
    expect(await buildOf(build)).not.toHaveProperty('redrivenBy');
  });
});
