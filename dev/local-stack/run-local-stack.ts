/**
 * The whole local run, shared by `npm start` and the integration test: start
 * the stack, drive the scenario's builds through it while printing their
 * lifecycle, print the summary, with `httpApi` redeploy and roll back over
 * HTTP, and stop the stack (unless asked to keep it).
 */
import type { ConcurrencyPolicy } from '../../src/index.js';
import { runHttpApiDemo, type HttpApiDemoResult } from './http-api-demo.js';
import { formatEvent, formatStackInfo, formatSummary } from './output.js';
import { defaultScenario, redeliveryOf, runScenario, type Scenario, type ScenarioResult } from './scenario.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from './stack.js';

export interface RunLocalStackOptions {
  /** Use this running DynamoDB Local instead of starting one (the integration tests pass theirs). */
  readonly dynamodbEndpoint?: string;
  /** Leave the stack running; the caller stops it with {@link LocalStackRun.stop}. */
  readonly keep?: boolean;
  /** Receives every output line (default: none, for headless runs). */
  readonly print?: (line: string) => void;
  /** Tuning of the stack (stand-in timings, table name...). */
  readonly stack?: Omit<LocalStackOptions, 'dynamodbEndpoint' | 'brokenStacks' | 'redeliver' | 'concurrency' | 'httpApi'>;
  /**
   * Serve the HTTP API on 127.0.0.1 (`LocalStackOptions.httpApi`) and, after
   * the scenario, redeploy and roll back its busiest environment over HTTP
   * ({@link runHttpApiDemo}). Off by default.
   */
  readonly httpApi?: boolean;
  /**
   * The policy every function of the stack runs under, and the default
   * scenario's expectations follow (default `queue`; with `scenario`, the
   * scenario's).
   */
  readonly concurrency?: ConcurrencyPolicy;
  /** Default: {@link defaultScenario} for `concurrency`. */
  readonly scenario?: Scenario;
  /** Bound on the scenario, from its first build (default 20 s). */
  readonly timeoutMs?: number;
  /** Aborts the scenario (the stack is stopped, the promise rejects). */
  readonly signal?: AbortSignal;
}

export interface LocalStackRun {
  readonly result: ScenarioResult;
  /** The redeploy and the rollback over HTTP, with `httpApi`. */
  readonly httpApiDemo: HttpApiDemoResult | undefined;
  /** The scenario, and the HTTP part when it ran, ended as expected. */
  readonly ok: boolean;
  /** The stack; still running only with `keep`. */
  readonly stack: LocalStack;
  /** Every line printed. */
  readonly lines: readonly string[];
  /** Stops the stack (does nothing if it is already stopped). */
  stop(): Promise<void>;
}

/**
 * Runs the scenario on a fresh local stack.
 *
 * @example
 * ```ts
 * const run = await runLocalStack({ print: (line) => process.stdout.write(`${line}\n`) });
 * process.exitCode = run.result.ok ? 0 : 1;
 * ```
 * @throws WaitTimeoutError when a build does not end within the timeout; the stack is stopped first.
 */
export async function runLocalStack(options: RunLocalStackOptions = {}): Promise<LocalStackRun> {
  const lines: string[] = [];
  const print = (line: string): void => {
    lines.push(line);
    options.print?.(line);
  };
  const scenario = options.scenario ?? defaultScenario(options.concurrency);
  if (options.concurrency !== undefined && options.concurrency !== scenario.concurrency) {
    throw new Error(`The scenario is written for the "${scenario.concurrency}" policy, not "${options.concurrency}"`);
  }
  const stack = await startLocalStack({
    ...options.stack,
    ...(options.dynamodbEndpoint === undefined ? {} : { dynamodbEndpoint: options.dynamodbEndpoint }),
    brokenStacks: scenario.brokenStacks,
    concurrency: scenario.concurrency,
    redeliver: redeliveryOf(scenario),
    ...(options.httpApi === true ? { httpApi: true } : {}),
  });
  let result: ScenarioResult;
  let httpApiDemo: HttpApiDemoResult | undefined;
  try {
    formatStackInfo(stack).forEach(print);
    print('');
    for (const entry of scenario.builds) print(`scenario: ${entry.build.repo}/${entry.build.env} ${entry.label}, expected ${entry.expectedStatus}`);
    print('');
    const startedAt = Date.now();
    const printEvents = () =>
      stack.subscribe((event) => {
        const line = formatEvent(event, startedAt);
        if (line !== undefined) print(line);
      });
    // The HTTP part follows the stack's events itself: the scenario's listener stops first (no line twice).
    const unsubscribe = printEvents();
    try {
      result = await runScenario(stack, scenario, {
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } finally {
      if (!options.keep || stack.httpApi !== undefined) unsubscribe();
    }
    print('');
    formatSummary(result).forEach(print);
    if (stack.httpApi !== undefined) {
      print('');
      print(`HTTP API on ${stack.httpApi.url}: a redeploy and a rollback asked over HTTP, deployed by the normal path`);
      httpApiDemo = await runHttpApiDemo(stack, {
        print,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      // Kept, the stack goes on printing what happens to it (the builds the CLI or curl ask for).
      if (options.keep) printEvents();
    }
  } catch (error) {
    await stack.stop().catch(() => undefined);
    throw error;
  }
  if (!options.keep) await stack.stop();
  const ok = result.ok && (httpApiDemo?.ok ?? true);
  return { result, httpApiDemo, ok, stack, lines, stop: () => stack.stop() };
}
