/**
 * The builds `npm start` drives through the local stack, what each must end
 * as under the stack's concurrency policy, and the checks that say whether it did.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import {
  DEFAULT_CONCURRENCY_POLICY,
  buildIdOf,
  environmentIdOf,
  executionName,
  locksEnvironment,
  type ConcurrencyPolicy,
  type NewBuild,
} from '../../src/index.js';
import { CloudFormationStandIn } from './cloudformation-stand-ins.js';
import { newKsuid } from '../ksuid.js';
import type { LocalStack, StackEvent } from './stack.js';
import { waitFor } from './wait.js';

/**
 * How a build's deployment is expected to start: on its own INSERT
 * (`at-once`), after waiting for its environment, on the hand-off of the
 * lock's release (`on-hand-off`), or not at all (`never`: no execution).
 */
export type ExpectedStart = 'at-once' | 'on-hand-off' | 'never';

export interface ScenarioBuild {
  /** What the build is for, in a few words. */
  readonly label: string;
  readonly build: NewBuild;
  readonly expectedStatus: 'SUCCESS' | 'FAILED';
  /** Text the build's `error_msg` must contain. */
  readonly expectedError?: string;
  /** Default `at-once`. */
  readonly expectedStart?: ExpectedStart;
  /** The build id its record must name as `supersededBy`. */
  readonly expectedSupersededBy?: string;
  /** The poller delivers the batch holding its INSERT a second time. */
  readonly deliveredTwice?: boolean;
  /**
   * Its place (1-based) in the scenario's burst: builds of one environment
   * created together, in `sk` order. The burst's first is created once its
   * environment is idle and deploys while the others arrive: its stack is
   * held until they have (and until the builds created after it in other
   * environments have ended), so what the policy does with them never
   * depends on timing.
   */
  readonly burst?: number;
}

export interface Scenario {
  /** The policy the builds' expectations are written for (the stack must run under it). */
  readonly concurrency: ConcurrencyPolicy;
  readonly builds: readonly ScenarioBuild[];
  /** Stacks (`{env}-{repo}`) whose deployments roll back. */
  readonly brokenStacks: readonly string[];
}

/**
 * Six builds: `web` deploys; then a burst of three more `web` builds of the
 * same second, whose fate is the policy's (`queue`: they deploy one after
 * another in `sk` order, each on the hand-off after the previous one ended;
 * `supersede`: the first deploys, of the two that arrived meanwhile only
 * the newest, the middle one ends FAILED superseded; `parallel`: all three
 * start at once and the later two find the stack busy); meanwhile, in
 * their own environments, `payments`' stack rolls back (its build ends
 * FAILED with the stack's reason) and `api` is delivered twice (still one
 * execution).
 */
export function defaultScenario(concurrency: ConcurrencyPolicy = DEFAULT_CONCURRENCY_POLICY, env = 'dev'): Scenario {
  const build = (repo: string, version: string, commitHash: string, sk: string = newKsuid()): NewBuild => ({
    repo,
    env,
    sk,
    branch: 'main',
    version,
    commitHash,
  });
  // Keys of one second sort by their random part: sorted, the first deploys first and the burst follows in order.
  const [deploysSk, ...burstSks] = [newKsuid(), newKsuid(), newKsuid(), newKsuid()].sort();
  const burst = burstSks.map((sk, index) => build('web', `1.5.${index}`, ['b4c5d6e', 'c7d8e9f', 'd0e1f2a'][index] ?? 'e3f4a5b', sk));
  const payments = build('payments', '2.0.1', '9f3c2a1');
  return {
    concurrency,
    brokenStacks: [CloudFormationStandIn.stackNameOf(payments)],
    builds: [
      { label: 'deploys', build: build('web', '1.4.0', 'a1b2c3d', deploysSk), expectedStatus: 'SUCCESS' },
      ...burstExpectations(concurrency, burst),
      { label: 'stack rolls back', build: payments, expectedStatus: 'FAILED', expectedError: 'ROLLBACK_COMPLETE' },
      { label: 'delivered twice', build: build('api', '3.2.7', '5e6f7a8'), expectedStatus: 'SUCCESS', deliveredTwice: true },
    ],
  };
}

/** What becomes of a burst of builds to one environment (in `sk` order) under `concurrency`. */
function burstExpectations(concurrency: ConcurrencyPolicy, builds: readonly NewBuild[]): ScenarioBuild[] {
  const size = builds.length;
  const newest = builds.at(-1);
  return builds.map((build, index): ScenarioBuild => {
    const place = `burst ${index + 1}/${size}`;
    const common = { build, burst: index + 1 };
    if (index === 0) return { ...common, label: `${place}, deploys at once`, expectedStatus: 'SUCCESS' };
    switch (concurrency) {
      case 'queue':
        return { ...common, label: `${place}, waits its turn`, expectedStatus: 'SUCCESS', expectedStart: 'on-hand-off' };
      case 'supersede': {
        if (build === newest) return { ...common, label: `${place}, waits its turn`, expectedStatus: 'SUCCESS', expectedStart: 'on-hand-off' };
        const supersededBy = buildIdOf(newest!);
        return {
          ...common,
          label: `${place}, superseded by ${size}/${size}`,
          expectedStatus: 'FAILED',
          expectedStart: 'never',
          expectedError: `superseded by the newer build ${supersededBy}`,
          expectedSupersededBy: supersededBy,
        };
      }
      case 'parallel':
        return {
          ...common,
          label: `${place}, finds the stack busy`,
          expectedStatus: 'FAILED',
          expectedError: 'is in UPDATE_IN_PROGRESS state and can not be updated',
        };
    }
  });
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

/** One execution of a build, as the Step Functions endpoint holds it. */
export interface ExecutionReport {
  readonly executionArn: string;
  readonly status: string;
  readonly startDate: Date;
  readonly stopDate: Date | undefined;
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
  readonly supersededBy: string | undefined;
  /** Executions of the build's name on the Step Functions endpoint, with how each ended. */
  readonly executions: readonly ExecutionReport[];
  /** When update-build-status had recorded the build's end (its write done). */
  readonly endRecordedAt: Date | undefined;
  /** Times its INSERT was handed to trigger-build. */
  readonly insertDeliveries: number;
  /** What trigger-build did with those deliveries and the hand-offs (`Build started`, `Build waits for its environment`...). */
  readonly triggerOutcomes: readonly string[];
  /** trigger-build recorded it waiting for its environment. */
  readonly waited: boolean;
  /** Started by a hand-off (the release of its environment's lock), not by its own INSERT. */
  readonly startedOnHandOff: boolean;
  /** Empty when the build ended as expected. */
  readonly problems: readonly string[];
}

/** The executions of one environment with more than one build, in the order they started. */
export interface EnvironmentReport {
  /** `{repo}/{env}` */
  readonly environment: string;
  /** Build ids, in the order their executions started. */
  readonly startOrder: readonly string[];
  /** Executions that started before the build of the one before had its end recorded. */
  readonly overlaps: number;
}

export interface ScenarioResult {
  readonly concurrency: ConcurrencyPolicy;
  readonly builds: readonly BuildReport[];
  readonly environments: readonly EnvironmentReport[];
  /** StartExecution calls the Step Functions endpoint received. */
  readonly startExecutionCalls: number;
  readonly executions: number;
  /** DeployStack calls the stand-in refused because the stack was busy. */
  readonly refusedDeployments: number;
  /** Empty when every build ended as expected. */
  readonly problems: readonly string[];
  readonly ok: boolean;
}

export interface RunScenarioOptions {
  /** Bound on the whole run, from the first build created (default 20 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

interface SeenBuild {
  readonly status: string;
  readonly insertSequenceNumber?: string | undefined;
}

/**
 * Creates the scenario's builds one after another (each once the stream has
 * shown its INSERT; a burst's later builds together, right after its first
 * has started, its stack held meanwhile), waits until each has ended, its
 * execution has closed and every planned redelivery happened, then checks
 * the outcome.
 *
 * @throws WaitTimeoutError naming the builds that did not get there in time.
 * @throws Error when the stack runs under another policy than the scenario's.
 */
export async function runScenario(stack: LocalStack, scenario: Scenario, options: RunScenarioOptions = {}): Promise<ScenarioResult> {
  if (stack.concurrency !== scenario.concurrency) {
    throw new Error(`The scenario expects the "${scenario.concurrency}" policy; the stack runs "${stack.concurrency}"`);
  }
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  const remaining = () => Math.max(deadline - Date.now(), 0);
  const seen = new Map<string, SeenBuild>();
  // The locks taken and released per environment (as read), and the records trigger-build has handled: an
  // environment is idle once its builds have ended, every lock taken was released, and each release has
  // been handed on (a release still in the stream would hand the environment to the next build created,
  // which then would not start on its own INSERT).
  const taken = new Map<string, number>();
  const releases = new Map<string, string[]>();
  const handled = new Set<string>();
  const unsubscribe = stack.subscribe((event: StackEvent) => {
    if (event.type === 'lock' && event.change.kind === 'taken') {
      taken.set(event.change.environment, (taken.get(event.change.environment) ?? 0) + 1);
    }
    if (event.type === 'lock' && event.change.kind === 'released' && event.sequenceNumber !== undefined) {
      releases.set(event.change.environment, [...(releases.get(event.change.environment) ?? []), event.sequenceNumber]);
    }
    if (event.type === 'poller' && event.event.type === 'delivered') {
      const { failed } = event.event;
      for (const record of event.event.records) {
        const sequenceNumber = record.dynamodb?.SequenceNumber;
        if (sequenceNumber !== undefined && !failed.includes(sequenceNumber) && !failed.includes('*')) handled.add(sequenceNumber);
      }
    }
    if (event.type !== 'lifecycle') return;
    const previous = seen.get(event.change.buildId);
    seen.set(event.change.buildId, {
      status: event.change.to,
      insertSequenceNumber: event.change.from === undefined ? event.sequenceNumber : previous?.insertSequenceNumber,
    });
  });
  const common = { intervalMs: 10, ...(options.signal ? { signal: options.signal } : {}) };
  const settled = (entry: ScenarioBuild) => hasSettled(stack, entry, seen.get(buildIdOf(entry.build)));
  const statusOf = (entries: readonly ScenarioBuild[]) =>
    entries.map((entry) => `${buildIdOf(entry.build)} is ${seen.get(buildIdOf(entry.build))?.status ?? 'unseen'}`).join(', ');
  let releaseHeldStack: (() => void) | undefined;
  try {
    let burstStart: number | undefined;
    for (const [index, entry] of scenario.builds.entries()) {
      const buildId = buildIdOf(entry.build);
      if (entry.burst === 1) {
        // Its environment idle, the burst's first deploys at once; its stack is held until the rest has arrived.
        const earlier = scenario.builds.slice(0, index).filter((other) => sameEnvironment(other, entry));
        const environment = environmentIdOf(entry.build);
        const idle = () => {
          const released = releases.get(environment) ?? [];
          return earlier.every(settled) && released.length === (taken.get(environment) ?? 0) && released.every((release) => handled.has(release));
        };
        await waitFor(idle, {
          ...common,
          what: `the builds of ${environment} before the burst to end and their lock releases to be handed on`,
          timeoutMs: remaining(),
          detail: () => statusOf(earlier.filter((other) => !settled(other))),
        });
        burstStart = index;
        releaseHeldStack = stack.cloudFormation.hold(CloudFormationStandIn.stackNameOf(entry.build));
        await stack.builds.create(entry.build);
        await waitFor(() => executionsOf(stack, entry).length > 0, {
          ...common,
          what: `the execution of ${buildId}, the burst's first`,
          timeoutMs: remaining(),
        });
        continue;
      }
      await stack.builds.create(entry.build);
      // The burst's later builds are created together; their INSERTs are awaited with the rest.
      if (entry.burst !== undefined) continue;
      await waitFor(() => seen.has(buildId), { ...common, what: `the INSERT of ${buildId} on the stream`, timeoutMs: remaining() });
    }
    if (releaseHeldStack !== undefined && burstStart !== undefined) {
      const first = scenario.builds[burstStart]!;
      const later = scenario.builds.filter((entry) => entry.burst !== undefined && entry.burst > 1);
      const elsewhere = scenario.builds.slice(burstStart + 1).filter((entry) => !sameEnvironment(entry, first));
      const stackName = CloudFormationStandIn.stackNameOf(first.build);
      // Queue, supersede: the later builds wait for the first. Parallel: they start, and find its stack busy.
      const arrived = () =>
        locksEnvironment(scenario.concurrency)
          ? later.every((entry) => hasWaited(stack, entry))
          : stack.cloudFormation.refusalsOf(stackName) >= later.length;
      await waitFor(() => arrived() && elsewhere.every(settled), {
        ...common,
        what: `the burst's later builds to ${locksEnvironment(scenario.concurrency) ? 'wait' : 'find the stack busy'} and the other environments' builds to end, while ${buildIdOf(first.build)} deploys`,
        timeoutMs: remaining(),
        detail: () =>
          `${later.filter((entry) => hasWaited(stack, entry)).length} of ${later.length} waiting, ` +
          `${stack.cloudFormation.refusalsOf(stackName)} deployment(s) refused; ${statusOf(elsewhere)}`,
      });
      releaseHeldStack();
      releaseHeldStack = undefined;
    }
    const pending = () => scenario.builds.filter((entry) => !settled(entry));
    await waitFor(() => pending().length === 0, {
      ...common,
      what: 'every build to end, its execution to close and its planned redelivery to happen',
      timeoutMs: remaining(),
      detail: () => statusOf(pending()),
    });
  } finally {
    releaseHeldStack?.();
    unsubscribe();
  }
  const builds = await Promise.all(scenario.builds.map((entry) => reportOf(stack, entry, seen.get(buildIdOf(entry.build)))));
  return checked(stack, scenario, builds);
}

function sameEnvironment(a: ScenarioBuild, b: ScenarioBuild): boolean {
  return environmentIdOf(a.build) === environmentIdOf(b.build);
}

function executionsOf(stack: LocalStack, entry: ScenarioBuild): ExecutionReport[] {
  const name = executionName(entry.build);
  return stack.stepFunctions.executions
    .filter((execution) => execution.name === name)
    .map(({ executionArn, status, startDate, stopDate }) => ({ executionArn, status, startDate, stopDate }));
}

/** trigger-build's entries about the build (`Build ...` messages). */
function triggerLogOf(stack: LocalStack, entry: ScenarioBuild) {
  const buildId = buildIdOf(entry.build);
  return stack.triggerBuildLog.filter((log) => log.attributes.buildId === buildId && log.message.startsWith('Build '));
}

function hasWaited(stack: LocalStack, entry: ScenarioBuild): boolean {
  return triggerLogOf(stack, entry).some((log) => log.message === 'Build waits for its environment');
}

function hasSettled(stack: LocalStack, entry: ScenarioBuild, seen: SeenBuild | undefined): boolean {
  if (seen === undefined || (seen.status !== 'SUCCESS' && seen.status !== 'FAILED')) return false;
  const executions = executionsOf(stack, entry);
  if (executions.some((execution) => execution.status === 'RUNNING')) return false;
  if (executions.length === 0 && entry.expectedStart !== 'never') return false;
  if (!entry.deliveredTwice) return true;
  return seen.insertSequenceNumber !== undefined && stack.poller.deliveriesOf(seen.insertSequenceNumber) >= 2;
}

async function reportOf(stack: LocalStack, entry: ScenarioBuild, seen: SeenBuild | undefined): Promise<BuildReport> {
  const buildId = buildIdOf(entry.build);
  const record = await stack.builds.get(entry.build);
  const executions = executionsOf(stack, entry);
  const insertDeliveries = seen?.insertSequenceNumber === undefined ? 0 : stack.poller.deliveriesOf(seen.insertSequenceNumber);
  const log = triggerLogOf(stack, entry);
  const triggerOutcomes = log.map((logged) => logged.message);
  const waited = hasWaited(stack, entry);
  const startedOnHandOff = log.some((logged) => logged.message === 'Build started' && logged.attributes.handOff !== undefined);
  const expectedStart = entry.expectedStart ?? 'at-once';

  const problems: string[] = [];
  const status = record?.status ?? '(missing)';
  if (status !== entry.expectedStatus) problems.push(`ended ${status}, expected ${entry.expectedStatus}`);
  if (entry.expectedError !== undefined && !(record?.errorMsg ?? '').includes(entry.expectedError)) {
    problems.push(`error_msg ${JSON.stringify(record?.errorMsg ?? null)} does not mention ${entry.expectedError}`);
  }
  if (entry.expectedStatus === 'SUCCESS' && record?.errorMsg !== undefined) problems.push(`has error_msg ${record.errorMsg}`);
  if (entry.expectedSupersededBy !== undefined && record?.supersededBy !== entry.expectedSupersededBy) {
    problems.push(`superseded by ${record?.supersededBy ?? '(none)'}, expected ${entry.expectedSupersededBy}`);
  }
  const expectedExecutions = expectedStart === 'never' ? 0 : 1;
  if (executions.length !== expectedExecutions) problems.push(`${executions.length} executions, expected ${expectedExecutions}`);
  const execution = executions[0];
  if (execution !== undefined && record?.executionArn !== execution.executionArn) {
    problems.push(`records execution ${record?.executionArn ?? '(none)'}, not ${execution.executionArn}`);
  }
  if (execution === undefined && record?.executionArn !== undefined) problems.push(`records execution ${record.executionArn}, which never ran`);
  const expectedExecutionStatus = entry.expectedStatus === 'SUCCESS' ? 'SUCCEEDED' : 'FAILED';
  if (execution !== undefined && execution.status !== expectedExecutionStatus) {
    problems.push(`execution ended ${execution.status}, expected ${expectedExecutionStatus}`);
  }
  const expectedDeliveries = entry.deliveredTwice ? 2 : 1;
  if (insertDeliveries < expectedDeliveries) problems.push(`INSERT delivered ${insertDeliveries} time(s), expected ${expectedDeliveries}`);
  const starts = triggerOutcomes.filter((message) => message === 'Build started').length;
  if (starts !== expectedExecutions) problems.push(`trigger-build started it ${starts} times, expected ${expectedExecutions === 1 ? 'once' : 'never'}`);
  if (expectedStart === 'at-once' && waited) problems.push('waited for its environment, expected to start at once');
  if (expectedStart === 'on-hand-off' && !(waited && startedOnHandOff)) {
    problems.push(`${waited ? 'waited' : 'did not wait'} and was ${startedOnHandOff ? '' : 'not '}started on a hand-off, expected both`);
  }

  return {
    label: entry.label,
    buildId,
    expectedStatus: entry.expectedStatus,
    status,
    executionArn: record?.executionArn,
    errorMsg: record?.errorMsg,
    supersededBy: record?.supersededBy,
    executions,
    endRecordedAt: stack.recordedEnds.find((end) => end.buildId === buildId)?.at,
    insertDeliveries,
    triggerOutcomes,
    waited,
    startedOnHandOff,
    problems,
  };
}

/**
 * The executions of each environment with several builds, in start order.
 * Under `queue` and `supersede` they must not overlap (each starts once the
 * build before has its end recorded) and must start in `sk` order.
 */
function environmentsOf(scenario: Scenario, builds: readonly BuildReport[]): { reports: EnvironmentReport[]; problems: string[] } {
  const reports: EnvironmentReport[] = [];
  const problems: string[] = [];
  const environments = [...new Set(scenario.builds.map((entry) => environmentIdOf(entry.build)))];
  for (const environment of environments) {
    const started = builds
      .filter((build) => build.buildId.startsWith(`${environment}:`) && build.executions[0] !== undefined)
      .sort((a, b) => a.executions[0]!.startDate.getTime() - b.executions[0]!.startDate.getTime());
    if (started.length < 2) continue;
    let overlaps = 0;
    for (const [index, build] of started.entries()) {
      const previous = started[index - 1];
      if (previous === undefined) continue;
      const startDate = build.executions[0]!.startDate;
      if (previous.endRecordedAt === undefined || startDate < previous.endRecordedAt) {
        overlaps += 1;
        if (locksEnvironment(scenario.concurrency)) {
          problems.push(`${environment}: the execution of ${build.buildId} started before ${previous.buildId}'s end was recorded`);
        }
      }
      if (locksEnvironment(scenario.concurrency) && build.buildId < previous.buildId) {
        problems.push(`${environment}: ${build.buildId} started after the newer ${previous.buildId}, not in sk order`);
      }
    }
    reports.push({ environment, startOrder: started.map((build) => build.buildId), overlaps });
  }
  return { reports, problems };
}

function checked(stack: LocalStack, scenario: Scenario, builds: BuildReport[]): ScenarioResult {
  const startExecutionCalls = stack.stepFunctions.callCount('StartExecution');
  const executions = stack.stepFunctions.executions.length;
  const expected = scenario.builds.filter((entry) => entry.expectedStart !== 'never').length;
  const problems = builds.flatMap((build) => build.problems.map((problem) => `${build.buildId}: ${problem}`));
  const environments = environmentsOf(scenario, builds);
  problems.push(...environments.problems);
  // A redelivery that reached Step Functions would show here even when the name kept it to one execution.
  if (startExecutionCalls !== expected) problems.push(`${startExecutionCalls} StartExecution calls, expected ${expected}`);
  if (executions !== expected) problems.push(`${executions} executions, expected ${expected}`);
  const refusedDeployments = [...new Set(scenario.builds.map((entry) => CloudFormationStandIn.stackNameOf(entry.build)))].reduce(
    (sum, stackName) => sum + stack.cloudFormation.refusalsOf(stackName),
    0,
  );
  return {
    concurrency: scenario.concurrency,
    builds,
    environments: environments.reports,
    startExecutionCalls,
    executions,
    refusedDeployments,
    problems,
    ok: problems.length === 0,
  };
}
