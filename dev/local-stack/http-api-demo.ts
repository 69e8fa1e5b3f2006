/**
 * `npm start`'s second part: a redeploy and a rollback asked over HTTP, of the
 * local stack's HTTP API (real requests with `fetch`), each deployed by the
 * normal path (the new build's INSERT, the stream, trigger-build, Step
 * Functions) and followed to its end, every step printed as the scenario's.
 */
import { randomUUID } from 'node:crypto';
import { formatEvent } from './output.js';
import type { LocalStack } from './stack.js';
import { sleep } from './wait.js';

/** One request of the demo and the build it made, as it ended. */
export interface HttpApiDemoStep {
  readonly label: 'redeploy' | 'rollback';
  /** `POST /repos/...`: what was asked. */
  readonly request: string;
  /** The answer's status (202 when accepted). */
  readonly status: number;
  /** The build the request created, `{repo}/{env}:{sk}`. */
  readonly buildId: string | undefined;
  readonly version: string | undefined;
  /** How the build ended (`SUCCESS`, `FAILED`), or what it was last seen as. */
  readonly ended: string | undefined;
}

export interface HttpApiDemoResult {
  readonly steps: readonly HttpApiDemoStep[];
  /** Empty when both requests were accepted and their builds deployed (`SUCCESS`). */
  readonly problems: readonly string[];
  readonly ok: boolean;
}

export interface HttpApiDemoOptions {
  readonly print: (line: string) => void;
  /** The environment redeployed and rolled back (default `web/dev`, the scenario's busiest). */
  readonly repo?: string;
  readonly env?: string;
  /** Bound on each build's deployment (default 20 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A build as the API answers it: the members the demo reads. */
interface ApiBuild {
  readonly id: string;
  readonly sk: string;
  readonly status: string;
  readonly version: string;
  readonly kind?: string;
  readonly redeployOf?: string;
  readonly requestedBy?: string;
  readonly executionArn?: string;
  readonly errorMsg?: string;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly location: string | null;
}

const ENDED = new Set(['SUCCESS', 'FAILED']);

/**
 * Redeploys the environment's newest `SUCCESS` build, then rolls the
 * environment back (to the newest older `SUCCESS` of another version), each
 * over HTTP, each followed until its build ends.
 *
 * @throws Error when the stack serves no HTTP API.
 */
export async function runHttpApiDemo(stack: LocalStack, options: HttpApiDemoOptions): Promise<HttpApiDemoResult> {
  const api = stack.httpApi;
  if (api === undefined) throw new Error('The local stack serves no HTTP API: start it with `httpApi: true`');
  const { print } = options;
  const repo = options.repo ?? 'web';
  const env = options.env ?? 'dev';
  const base = `/repos/${encodeURIComponent(repo)}/envs/${encodeURIComponent(env)}`;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const startedAt = Date.now();
  const unsubscribe = stack.subscribe((event) => {
    const line = formatEvent(event, startedAt);
    if (line !== undefined) print(line);
  });
  const call = async (method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await fetch(`${api.url}${path}`, { method, headers, ...(options.signal ? { signal: options.signal } : {}) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), location: response.headers.get('location') };
  };
  const line = (text: string): void => print(`${elapsed(Date.now() - startedAt)}  ${text}`);

  const steps: HttpApiDemoStep[] = [];
  const problems: string[] = [];
  try {
    const newest = await call('GET', `${base}/builds?status=SUCCESS&limit=1`);
    const source = (newest.body as { builds?: ApiBuild[] } | undefined)?.builds?.[0];
    line(`HTTP GET  ${base}/builds?status=SUCCESS&limit=1 -> ${newest.status}${source === undefined ? '' : `: ${source.id} (${source.version})`}`);
    if (source === undefined) {
      problems.push(`${repo}/${env} has no SUCCESS build to redeploy`);
    } else {
      const redeploy = `${base}/builds/${encodeURIComponent(source.sk)}/redeploy`;
      // The key makes the request safe to retry: a retry gets this answer back and creates nothing.
      steps.push(await deployOverHttp('redeploy', redeploy, { 'idempotency-key': `npm-start-${randomUUID()}` }));
    }
    steps.push(await deployOverHttp('rollback', `${base}/rollback`, {}));
  } finally {
    unsubscribe();
  }
  for (const step of steps) {
    if (step.status !== 202) problems.push(`${step.request} answered ${step.status}, expected 202`);
    else if (step.ended !== 'SUCCESS') problems.push(`the ${step.label} ${step.buildId ?? ''} ended ${step.ended ?? 'unseen'}, expected SUCCESS`);
  }
  print('');
  for (const step of steps) {
    print(`${step.label.padEnd(9)} ${(step.buildId ?? '-').padEnd(42)} ${(step.version ?? '-').padEnd(8)} ${step.ended ?? `HTTP ${step.status}`}`);
  }
  print(problems.length === 0 ? 'result: the redeploy and the rollback asked over HTTP deployed' : 'result: NOT as expected');
  for (const problem of problems) print(`  - ${problem}`);
  return { steps, problems, ok: problems.length === 0 };

  /** POSTs `path`, then follows the build it created (over HTTP too) until it ends. */
  async function deployOverHttp(label: HttpApiDemoStep['label'], path: string, headers: Record<string, string>): Promise<HttpApiDemoStep> {
    const asked = await call('POST', path, headers);
    const request = `POST ${path}`;
    if (asked.status !== 202) {
      const problem = asked.body as { type?: string; detail?: string } | undefined;
      line(`HTTP ${request} -> ${asked.status} ${problem?.type ?? ''}: ${problem?.detail ?? ''}`);
      return { label, request, status: asked.status, buildId: undefined, version: undefined, ended: undefined };
    }
    const build = asked.body as ApiBuild;
    const what = label === 'redeploy' ? `redeploy of ${build.redeployOf ?? '?'}` : `rollback to version ${build.version} (${build.redeployOf ?? '?'})`;
    line(`HTTP ${request} -> 202, Location ${asked.location ?? '-'}: ${build.id} ${build.status}, ${what}, requested by ${build.requestedBy ?? '-'}`);
    const location = asked.location ?? `${base}/builds/${encodeURIComponent(build.sk)}`;
    let seen = build;
    const deadline = Date.now() + timeoutMs;
    while (!ENDED.has(seen.status) && Date.now() < deadline) {
      await sleep(50, options.signal);
      const read = await call('GET', location);
      if (read.status === 200) seen = read.body as ApiBuild;
    }
    line(`HTTP GET  ${location} -> ${seen.id} ${seen.status}${seen.errorMsg === undefined ? '' : `: ${seen.errorMsg}`}`);
    return { label, request, status: asked.status, buildId: seen.id, version: seen.version, ended: seen.status };
  }
}

function elapsed(ms: number): string {
  return `+${(ms / 1000).toFixed(3)}s`.padStart(8);
}
