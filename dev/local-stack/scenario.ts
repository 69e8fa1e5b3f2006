/**
 * The builds `npm start` drives through the local stack, what each must end
 * as, and the checks that say whether it did.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { buildIdOf, executionName, type NewBuild } from '../../src/index.js';
import { CloudFormationStandIn } from './cloudformation-stand-ins.js';
import { newKsuid } from '../ksuid.js';
import type { LocalStack, StackEvent } from './stack.js';
import { waitFor } from './wait.js';

export interface ScenarioBuild {
  /** What the build is for, in a few words. */
  readonly label: string;
  readonly build: NewBuild;
  readonly expectedStatus: 'SUCCESS' | 'FAILED';
  /** Text the build's `error_msg` must contain. */
  readonly expectedError?: string;
  /** The poller delivers the batch holding its INSERT a second time. */
  readonly deliveredTwice?: boolean;
}

export interface Scenario {
  readonly builds: readonly ScenarioBuild[];
  /** Stacks (`{env}-{repo}`) whose deployments roll back. */
  readonly brokenStacks: readonly string[];
}

/**
 * Three builds: one deploys, one's stack rolls back (its build ends FAILED
 * with the stack's reason), one is delivered twice (still one execution).
 */
export function defaultScenario(env = 'dev'): Scenario {
  const build = (repo: string, version: string, commitHash: string): NewBuild => ({
    repo,
    env,
    sk: newKsuid(),
    branch: 'main',
    version,
    commitHash,
  });
  const payments = build('payments', '2.0.1', '9f3c2a1');
  return {
    brokenStacks: [CloudFormationStandIn.stackNameOf(payments)],
    builds: [
      { label: 'deploys', build: build('web', '1.4.0', 'a1b2c3d'), expectedStatus: 'SUCCESS' },
      { label: 'stack rolls back', build: payments, expectedStatus: 'FAILED', expectedError: 'ROLLBACK_COMPLETE' },
      { label: 'delivered twice', build: build('api', '3.2.7', '5e6f7a8'), expectedStatus: 'SUCCESS', deliveredTwice: true },
    ],
  };
}

/** For the stack's `redeliver` option: the INSERTs of the builds marked `deliveredTwice`. */
export function redeliveryOf(scenario: Scenario): (record: DynamoDBRecord) => boolean {
  const keys = new Set(scenario.builds.filter((entry) => entry.deliveredTwice).map((entry) => buildIdOf(entry.build)));
  return (record) => {
    const pk = record.dynamodb?.Keys?.pk?.S;
    const sk = record.dynamodb?.Keys?.sk?.S;
    return record.eventName === 'INSERT' && keys.has(`${pk ?? ''}:${sk ?? ''}`);
  };
}

/** How one build ended, with the evidence. */
export interface BuildReport {
  readonly label: string;
  readonly buildId: string;
  readonly expectedStatus: 'SUCCESS' | 'FAILED';
  /** The build record's final state in the table. */
  readonly status: string;
  readonly executionArn: string | undefined;
  readonly errorMsg: string | undefined;
  /** Executions of the build's name on the Step Functions endpoint, with how each ended. */
  readonly executions: ReadonlyArray<{ readonly executionArn: string; readonly status: string }>;
  /** Times its INSERT was handed to trigger-build. */
  readonly insertDeliveries: number;
  /** What trigger-build did with those deliveries (`Build started`, `Build skipped`...). */
  readonly triggerOutcomes: readonly string[];
  /** Empty when the build ended as expected. */
  readonly problems: readonly string[];
}

export interface ScenarioResult {
  readonly builds: readonly BuildReport[];
  /** StartExecution calls the Step Functions endpoint received. */
  readonly startExecutionCalls: number;
  readonly executions: number;
  /** Empty when every build ended as expected. */
  readonly problems: readonly string[];
  readonly ok: boolean;
}

export interface RunScenarioOptions {
  /** Bound on the whole run, from the first build created (default 20 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Creates the scenario's builds one after another (each once the stream has
 * shown its INSERT), waits until each has ended, its execution has closed and
 * every planned redelivery happened, then checks the outcome.
 *
 * @throws WaitTimeoutError naming the builds that did not get there in time.
 */
export async function runScenario(stack: LocalStack, scenario: Scenario, options: RunScenarioOptions = {}): Promise<ScenarioResult> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  const remaining = () => Math.max(deadline - Date.now(), 0);
  const seen = new Map<string, { status: string; insertSequenceNumber?: string | undefined }>();
  const unsubscribe = stack.subscribe((event: StackEvent) => {
    if (event.type !== 'lifecycle') return;
    const previous = seen.get(event.change.buildId);
    seen.set(event.change.buildId, {
      status: event.change.to,
      insertSequenceNumber: event.change.from === undefined ? event.sequenceNumber : previous?.insertSequenceNumber,
    });
  });
  const common = { intervalMs: 10, ...(options.signal ? { signal: options.signal } : {}) };
  try {
    for (const entry of scenario.builds) {
      const buildId = buildIdOf(entry.build);
      await stack.builds.create(entry.build);
      await waitFor(() => seen.has(buildId), { ...common, what: `the INSERT of ${buildId} on the stream`, timeoutMs: remaining() });
    }
    const pending = () => scenario.builds.filter((entry) => !hasSettled(stack, entry, seen.get(buildIdOf(entry.build))));
    await waitFor(() => pending().length === 0, {
      ...common,
      what: 'every build to end, its execution to close and its planned redelivery to happen',
      timeoutMs: remaining(),
      detail: () =>
        pending()
          .map((entry) => `${buildIdOf(entry.build)} is ${seen.get(buildIdOf(entry.build))?.status ?? 'unseen'}`)
          .join(', '),
    });
  } finally {
    unsubscribe();
  }
  const builds = await Promise.all(scenario.builds.map((entry) => reportOf(stack, entry, seen.get(buildIdOf(entry.build)))));
  return checked(stack, scenario, builds);
}

function hasSettled(stack: LocalStack, entry: ScenarioBuild, seen: { status: string; insertSequenceNumber?: string | undefined } | undefined): boolean {
  if (seen === undefined || (seen.status !== 'SUCCESS' && seen.status !== 'FAILED')) return false;
  const name = executionName(entry.build);
  const executions = stack.stepFunctions.executions.filter((execution) => execution.name === name);
  if (executions.length === 0 || executions.some((execution) => execution.status === 'RUNNING')) return false;
  if (!entry.deliveredTwice) return true;
  return seen.insertSequenceNumber !== undefined && stack.poller.deliveriesOf(seen.insertSequenceNumber) >= 2;
}

async function reportOf(
  stack: LocalStack,
  entry: ScenarioBuild,
  seen: { insertSequenceNumber?: string | undefined } | undefined,
): Promise<BuildReport> {
  const buildId = buildIdOf(entry.build);
  const record = await stack.builds.get(entry.build);
  const name = executionName(entry.build);
  const executions = stack.stepFunctions.executions
    .filter((execution) => execution.name === name)
    .map(({ executionArn, status }) => ({ executionArn, status }));
  const insertDeliveries = seen?.insertSequenceNumber === undefined ? 0 : stack.poller.deliveriesOf(seen.insertSequenceNumber);
  const triggerOutcomes = stack.triggerBuildLog
    .filter((log) => log.attributes.buildId === buildId && log.message.startsWith('Build '))
    .map((log) => log.message);

  const problems: string[] = [];
  const status = record?.status ?? '(missing)';
  if (status !== entry.expectedStatus) problems.push(`ended ${status}, expected ${entry.expectedStatus}`);
  if (entry.expectedError !== undefined && !(record?.errorMsg ?? '').includes(entry.expectedError)) {
    problems.push(`error_msg ${JSON.stringify(record?.errorMsg ?? null)} does not mention ${entry.expectedError}`);
  }
  if (entry.expectedStatus === 'SUCCESS' && record?.errorMsg !== undefined) problems.push(`has error_msg ${record.errorMsg}`);
  if (executions.length !== 1) problems.push(`${executions.length} executions, expected exactly one`);
  const execution = executions[0];
  if (execution !== undefined && record?.executionArn !== execution.executionArn) {
    problems.push(`records execution ${record?.executionArn ?? '(none)'}, not ${execution.executionArn}`);
  }
  const expectedExecutionStatus = entry.expectedStatus === 'SUCCESS' ? 'SUCCEEDED' : 'FAILED';
  if (execution !== undefined && execution.status !== expectedExecutionStatus) {
    problems.push(`execution ended ${execution.status}, expected ${expectedExecutionStatus}`);
  }
  const expectedDeliveries = entry.deliveredTwice ? 2 : 1;
  if (insertDeliveries < expectedDeliveries) problems.push(`INSERT delivered ${insertDeliveries} time(s), expected ${expectedDeliveries}`);
  const starts = triggerOutcomes.filter((message) => message === 'Build started').length;
  if (starts !== 1) problems.push(`trigger-build started it ${starts} times, expected once`);

  return {
    label: entry.label,
    buildId,
    expectedStatus: entry.expectedStatus,
    status,
    executionArn: record?.executionArn,
    errorMsg: record?.errorMsg,
    executions,
    insertDeliveries,
    triggerOutcomes,
    problems,
  };
}

function checked(stack: LocalStack, scenario: Scenario, builds: BuildReport[]): ScenarioResult {
  const startExecutionCalls = stack.stepFunctions.callCount('StartExecution');
  const executions = stack.stepFunctions.executions.length;
  const problems = builds.flatMap((build) => build.problems.map((problem) => `${build.buildId}: ${problem}`));
  // A redelivery that reached Step Functions would show here even when the name kept it to one execution.
  if (startExecutionCalls !== scenario.builds.length) {
    problems.push(`${startExecutionCalls} StartExecution calls for ${scenario.builds.length} builds`);
  }
  if (executions !== scenario.builds.length) problems.push(`${executions} executions for ${scenario.builds.length} builds`);
  return { builds, startExecutionCalls, executions, problems, ok: problems.length === 0 };
}
