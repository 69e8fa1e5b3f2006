import fc from 'fast-check';
import {
  createExecutionStatusChangeHandler,
  createSweeperHandler,
  createTriggerBuildHandler,
  createUpdateBuildStatusHandler,
} from '../../src/lambda.js';
import {
  CancelBuildService,
  RedeployBuildService,
  RedriveBuildService,
  RollBackEnvironmentService,
  TriggerBuildService,
  buildIdOf,
  executionInputFor,
  executionName,
  isTerminal,
  locksEnvironment,
  serializeStepFunctionInput,
  type Build,
  type ConcurrencyPolicy,
  type NewBuild,
} from '../../src/index.js';
import { anExecutionStatusChangeEvent, aScheduledEvent } from '../support/mothers/eventbridge-event.mother.js';
import { aLockReleaseOf, aStreamEvent, anInsertOf } from '../support/mothers/dynamodb-stream-event.mother.js';
import { aNewBuild, aSortKey, aUniqueScope } from '../support/mothers/build.mother.js';
import { invokedByLambda } from '../support/mothers/lambda-context.mother.js';
import { FAULTS, type BloatRoom, type ExecutionEndStatus, type Fault, type LifecycleWorld, type WorldExecution } from './lifecycle-world.js';
import { executionStatusChangeDeps, sweeperDeps, triggerBuildDeps, updateBuildStatusDeps } from '../support/handler-deps.js';
import { runShippedWorkflow } from '../support/deployment-workflow.js';

/** One step of a scenario. Builds are named by their index. */
export type Action =
  /** `copies` concurrent deliveries of the build's INSERT record (at-least-once, possibly in parallel). */
  | { readonly type: 'deliver'; readonly build: number; readonly copies: number }
  | { readonly type: 'fault'; readonly fault: Fault }
  /** The build's execution ends; the state machine reports it unless `callback` is lost (it cannot for TIMED_OUT and ABORTED). */
  | { readonly type: 'finish'; readonly build: number; readonly status: ExecutionEndStatus; readonly callback: 'sent' | 'lost' }
  /** EventBridge delivers the execution's status change. */
  | { readonly type: 'event'; readonly build: number }
  | { readonly type: 'sweep' }
  /** An operator deletes the build's item and puts it back as created; its INSERT is delivered again. */
  | { readonly type: 'operator-reinsert'; readonly build: number }
  /** An operator runs the state machine by hand with the build's input under another name; it ends, and its event is delivered. */
  | { readonly type: 'foreign-execution'; readonly build: number; readonly status: ExecutionEndStatus }
  /** A new process; its first DescribeStateMachine fails when `describeFails`. */
  | { readonly type: 'cold-start'; readonly describeFails: boolean }
  /** A person starts the build with the CLI (the trigger-build use case). */
  | { readonly type: 'cli-start'; readonly build: number }
  /** An old INSERT of the build comes back with an image that does not read as a build. */
  | { readonly type: 'stale-insert'; readonly build: number }
  /** Another writer fills the build's item near 400 KB, leaving `room` (see `LifecycleWorld.bloat`). */
  | { readonly type: 'bloat'; readonly build: number; readonly room: BloatRoom }
  /** Lambda gives up on the build's INSERT (retries or record age exhausted): it is never delivered again. */
  | { readonly type: 'drop'; readonly build: number }
  /**
   * The build's stack deploys, then every attempt of the workflow's success
   * report fails (DynamoDB throttled for as long as the report state retries):
   * the shipped workflow, run by the ASL engine, decides how the execution
   * ends. Expected: the build ends `SUCCESS`, recorded by reconciliation.
   */
  | { readonly type: 'report-fails'; readonly build: number }
  /** The stream delivers the release of the build's environment lock (late, duplicated, or one that never happened). */
  | { readonly type: 'hand-off'; readonly build: number; readonly copies: number }
  /**
   * A person runs `unlock` on the build's environment, as the CLI allows it:
   * only when the holder's own execution no longer runs.
   */
  | { readonly type: 'unlock'; readonly build: number }
  /** The deployment is reconfigured with the other locking policy (queue <-> supersede); new processes take it. */
  | { readonly type: 'policy-change' }
  /** A person redeploys the build's version (with an idempotency key: and retries the request). */
  | { readonly type: 'redeploy'; readonly build: number; readonly retried: boolean }
  /** A person rolls an environment back (each repo is one). */
  | { readonly type: 'rollback'; readonly repo: 'a' | 'b' }
  /** A person cancels the build, forcing it when it deploys. */
  | { readonly type: 'cancel'; readonly build: number; readonly force: boolean }
  /** A person redrives the build's failed execution. */
  | { readonly type: 'redrive'; readonly build: number };

export interface Scenario {
  /** The deployment's concurrency policy at the start. */
  readonly policy: ConcurrencyPolicy;
  /**
   * Which of two repos each build belongs to; all share one env, so each repo
   * is an environment and its builds a burst (created within a second, in
   * `sk` order). Later builds have later sort keys.
   */
  readonly builds: readonly ('a' | 'b')[];
  /** Whether each build was created by the Go implementation (its item as Go writes it) or by this module. */
  readonly goWritten: readonly boolean[];
  readonly actions: readonly Action[];
  /** How each build's execution ends when the run drains. */
  readonly endings: readonly { readonly status: ExecutionEndStatus; readonly callback: 'sent' | 'lost' }[];
}

const ending = fc.record({
  status: fc.constantFrom<ExecutionEndStatus>('SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'),
  callback: fc.constantFrom<'sent' | 'lost'>('sent', 'lost'),
});

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('deliver' as const), build: fc.nat(3), copies: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('fault' as const), fault: fc.constantFrom(...FAULTS) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('finish' as const), build: fc.nat(3), status: ending.map((e) => e.status), callback: ending.map((e) => e.callback) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('event' as const), build: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('sweep' as const) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('operator-reinsert' as const), build: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('foreign-execution' as const), build: fc.nat(3), status: ending.map((e) => e.status) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('cold-start' as const), describeFails: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('cli-start' as const), build: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('stale-insert' as const), build: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('bloat' as const), build: fc.nat(3), room: fc.constantFrom<BloatRoom>('start', 'claim-only', 'none') }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('drop' as const), build: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('report-fails' as const), build: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('hand-off' as const), build: fc.nat(4), copies: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('unlock' as const), build: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('policy-change' as const) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('redeploy' as const), build: fc.nat(4), retried: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('rollback' as const), repo: fc.constantFrom<'a' | 'b'>('a', 'b') }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('cancel' as const), build: fc.nat(4), force: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('redrive' as const), build: fc.nat(4) }) },
);


/** Random scenarios of at most `maxActions` steps, under `policy` or a policy drawn per scenario. */
export function scenarios(maxActions: number, policy?: ConcurrencyPolicy): fc.Arbitrary<Scenario> {
  return fc.array(fc.constantFrom<'a' | 'b'>('a', 'b'), { minLength: 1, maxLength: 5 }).chain((builds) =>
    fc.record({
      policy: policy === undefined ? fc.constantFrom<ConcurrencyPolicy>('queue', 'queue', 'supersede', 'parallel') : fc.constant(policy),
      builds: fc.constant(builds),
      goWritten: fc.array(fc.boolean(), { minLength: builds.length, maxLength: builds.length }),
      actions: fc.array(action, { maxLength: maxActions }),
      endings: fc.array(ending, { minLength: builds.length, maxLength: builds.length }),
    }),
  );
}

const S3_BUCKET = 'my-artifacts-bucket';
const MAX_DRAIN_ROUNDS = 25;

/** What a run leaves behind for the invariants. */
export interface RunResult {
  readonly builds: readonly NewBuild[];
  readonly violations: readonly string[];
}

/**
 * Plays a scenario against a world, then redelivers, ends executions and
 * sweeps until quiet, and checks the module's promises.
 */
export async function runScenario(world: LifecycleWorld, scenario: Scenario): Promise<RunResult> {
  world.usePolicy(scenario.policy);
  let policy = scenario.policy;
  const scope = aUniqueScope();
  const builds: NewBuild[] = scenario.builds.map((repo) => aNewBuild({ repo: `${repo}-${scope.repo}`, env: scope.env, sk: aSortKey() }));
  for (const [index, build] of builds.entries()) {
    if (scenario.goWritten[index]) await world.createAsGo(build);
    else await world.repository.create(build);
  }
  const records = builds.map((build) => anInsertOf(build));
  const undelivered = new Set(builds.map((_, index) => index));
  const endings = [...scenario.endings];
  // Builds a person cancelled before they started: they must never run.
  const cancelledUnstarted = new Set<string>();
  // Builds whose execution a person redrove: the one move from FAILED to SUCCESS the table allows.
  const redriven = new Set<string>();
  /** A build a person's request created: the model follows it as any other (its INSERT is delivered, its execution ends). */
  const follow = (build: Build): void => {
    builds.push(build);
    records.push(anInsertOf(build));
    undelivered.add(builds.length - 1);
    endings.push(scenario.endings[builds.length % scenario.endings.length]!);
  };
  // Builds whose item another writer left without room for an execution ARN: they may record none.
  const withoutRoomForTheArn = new Set<string>();

  // The handlers of the current process: a cold start builds them anew.
  const handlersOf = (container: typeof world.container) => ({
    trigger: invokedByLambda(createTriggerBuildHandler({ ...triggerBuildDeps(container), s3Bucket: S3_BUCKET })),
    callback: invokedByLambda(createUpdateBuildStatusHandler(updateBuildStatusDeps(container))),
    statusChange: invokedByLambda(createExecutionStatusChangeHandler({ ...executionStatusChangeDeps(container), stateMachineArn: world.stateMachineArn })),
    // Table first, no grace: every open build is the sweeper's at once. A look-back of 1 ms
    // means the execution window would find nothing: only the status index can.
    sweeper: invokedByLambda(createSweeperHandler({ ...sweeperDeps(container), s3Bucket: S3_BUCKET, graceMs: 0, lookbackMs: 1 })),
    cli: container.get(TriggerBuildService),
    redeploy: container.get(RedeployBuildService),
    rollback: container.get(RollBackEnvironmentService),
    cancel: container.get(CancelBuildService),
    redrive: container.get(RedriveBuildService),
  });
  let handlers = handlersOf(world.container);

  const deliver = async (index: number, copies: number): Promise<void> => {
    const responses = await Promise.all(
      Array.from({ length: copies }, () => handlers.trigger(aStreamEvent(records[index]!)).catch(() => undefined)),
    );
    // Lambda redelivers a record while any delivery of it failed.
    if (responses.every((response) => response !== undefined && response.batchItemFailures.length === 0)) undelivered.delete(index);
  };
  const executionOf = async (index: number): Promise<WorldExecution | undefined> =>
    ownExecutionsOf(await world.executions(), builds[index]!)[0];
  const finish = async (index: number, status: ExecutionEndStatus, report: 'sent' | 'lost'): Promise<void> => {
    const execution = await executionOf(index);
    if (execution?.status !== 'RUNNING') return;
    await world.endExecution(execution.executionArn, status);
    if (report === 'lost' || (status !== 'SUCCEEDED' && status !== 'FAILED')) return;
    const build = builds[index]!;
    const payload = {
      repo: build.repo,
      env: build.env,
      sk: build.sk,
      status: status === 'SUCCEEDED' ? 'SUCCESS' : 'FAILED',
      // Long enough not to fit an item another writer filled to the limit.
      error_msg: `stack rolled back: ${'x'.repeat(1500)}`,
      execution_arn: execution.executionArn,
    };
    // A callback that fails is a lost callback: reconciliation must catch it.
    await handlers.callback(payload).catch(() => undefined);
  };

  // Builds whose stack deployed while every report failed: each must end SUCCESS, and not by a report.
  const deployedUnreported = new Map<number, string>();
  const reportFails = async (index: number): Promise<void> => {
    const execution = await executionOf(index);
    if (execution?.status !== 'RUNNING') return;
    const outcome = await runShippedWorkflow(execution, {
      stack: 'deploys',
      // Each attempt is an invocation of update-build-status that meets a throttled table.
      report: async (payload) => {
        world.inject('dynamodb-throttling');
        return handlers.callback(payload);
      },
    });
    await world.endExecution(execution.executionArn, outcome.status);
    const build = await world.repository.get(builds[index]!).catch(() => undefined);
    deployedUnreported.set(index, build?.status ?? 'unknown');
  };

  const environments = [...new Map(builds.map((build) => [`${build.repo}/${build.env}`, { repo: build.repo, env: build.env }])).values()];
  const handOff = async (environment: { repo: string; env: string }): Promise<void> => {
    await handlers.trigger(aStreamEvent(aLockReleaseOf(environment))).catch(() => undefined);
  };
  // Never two: under queue and supersede, at no point do two executions of one environment deploy
  // (running in Step Functions, their builds' ends not yet recorded). Checked after every step.
  const neverTwo: string[] = [];
  const checkNeverTwo = async (when: string): Promise<void> => {
    if (!locksEnvironment(policy)) return;
    const executions = await world.executions();
    for (const environment of environments) {
      const deploying: string[] = [];
      for (const build of builds.filter((b) => b.repo === environment.repo)) {
        const running = ownExecutionsOf(executions, build).some((execution) => execution.status === 'RUNNING');
        const record = await world.repository.get(build).catch(() => undefined);
        // A redriven build stays FAILED while its execution runs again: it deploys.
        if (running && !(record && isTerminal(record.status) && record.redrivenAt === undefined)) deploying.push(buildIdOf(build));
      }
      if (deploying.length > 1) neverTwo.push(`${environment.repo}/${environment.env}: ${deploying.join(' and ')} deploy at once (after ${when})`);
    }
  };

  let foreign = 0;
  for (const [stepIndex, step] of scenario.actions.entries()) {
    const index = 'build' in step ? step.build % builds.length : 0;
    switch (step.type) {
      case 'deliver':
        await deliver(index, step.copies);
        break;
      case 'fault':
        world.inject(step.fault);
        break;
      case 'finish':
        await finish(index, step.status, step.callback);
        break;
      case 'event': {
        const execution = await executionOf(index);
        if (execution) {
          const event = anExecutionStatusChangeEvent({ executionArn: execution.executionArn, stateMachineArn: world.stateMachineArn, status: execution.status as ExecutionEndStatus });
          await handlers.statusChange(event).catch(() => undefined);
        }
        break;
      }
      case 'sweep':
        await handlers.sweeper(aScheduledEvent()).catch(() => undefined);
        break;
      case 'operator-reinsert':
        await world.reinsert(builds[index]!);
        undelivered.add(index);
        // Put back PENDING, it is a build to deploy again, whatever became of it before.
        cancelledUnstarted.delete(buildIdOf(builds[index]!));
        break;
      case 'foreign-execution': {
        const input = serializeStepFunctionInput(executionInputFor(builds[index]!, S3_BUCKET));
        foreign += 1;
        const executionArn = await world.startForeignExecution(`manual-run-${foreign}`, input);
        await world.endExecution(executionArn, step.status);
        const event = anExecutionStatusChangeEvent({ executionArn, stateMachineArn: world.stateMachineArn, status: step.status });
        await handlers.statusChange(event).catch(() => undefined);
        break;
      }
      case 'cold-start':
        world.coldStart(step.describeFails);
        handlers = handlersOf(world.container);
        break;
      case 'cli-start': {
        const build = await world.repository.get(builds[index]!).catch(() => undefined);
        if (build) await handlers.cli.trigger(build, { s3Bucket: S3_BUCKET }).catch(() => undefined);
        break;
      }
      case 'stale-insert':
        await handlers.trigger(aStreamEvent(anInsertOf(builds[index]!, { set: { status: { S: 'QUEUED' } } }))).catch(() => undefined);
        break;
      case 'bloat':
        await world.bloat(builds[index]!, step.room);
        // With room for the claim but not the ARN, a start is recorded without it (and so is the end).
        // With less room still, a waiting build's `waiting_for` (bloated with it, removed by its start)
        // may give it the claim's room but not the ARN's.
        if (step.room !== 'start') withoutRoomForTheArn.add(buildIdOf(builds[index]!));
        break;
      case 'drop':
        undelivered.delete(index);
        break;
      case 'report-fails':
        await reportFails(index);
        break;
      case 'hand-off': {
        const build = builds[index]!;
        for (let copy = 0; copy < step.copies; copy += 1) await handOff(build);
        break;
      }
      case 'unlock': {
        const build = builds[index]!;
        const lock = await world.repository.getEnvironmentLock(build.repo, build.env).catch(() => undefined);
        if (lock === undefined) break;
        const holder = builds.find((b) => b.repo === lock.repo && b.sk === lock.holder);
        const holderRuns = holder !== undefined && (await executionOf(builds.indexOf(holder)))?.status === 'RUNNING';
        if (holderRuns) break;
        await world.repository.releaseEnvironmentLock(lock.repo, lock.env, lock.holder, { releasedBy: 'operator', at: new Date() }).catch(() => undefined);
        await handOff(build);
        break;
      }
      case 'policy-change':
        if (!locksEnvironment(policy)) break;
        policy = policy === 'queue' ? 'supersede' : 'queue';
        world.usePolicy(policy);
        handlers = handlersOf(world.container);
        break;
      case 'redeploy': {
        const request = { build: builds[index]!, requestedBy: 'model', ...(step.retried ? { idempotencyKey: `redeploy-${stepIndex}` } : {}) };
        const first = await handlers.redeploy.redeploy(request).catch(() => undefined);
        if (first?.ok) follow(first.build);
        if (step.retried) {
          const again = await handlers.redeploy.redeploy(request).catch(() => undefined);
          if (again?.ok && !first?.ok) follow(again.build);
          if (again?.ok && first?.ok && again.build.sk !== first.build.sk) neverTwo.push(`a retried redeploy created ${again.build.sk} besides ${first.build.sk}`);
        }
        break;
      }
      case 'rollback': {
        const environment = environments.find((candidate) => candidate.repo.startsWith(`${step.repo}-`));
        if (environment === undefined) break;
        const result = await handlers.rollback.rollBack({ ...environment, requestedBy: 'model' }).catch(() => undefined);
        if (result?.ok) follow(result.build);
        break;
      }
      case 'cancel': {
        const result = await handlers.cancel.cancel({ build: builds[index]!, requestedBy: 'model', force: step.force }).catch(() => undefined);
        if (result?.ok && result.build.executionArn === undefined) cancelledUnstarted.add(buildIdOf(builds[index]!));
        break;
      }
      case 'redrive': {
        const result = await handlers.redrive.redrive({ build: builds[index]!, requestedBy: 'model' }).catch(() => undefined);
        if (result?.ok) redriven.add(buildIdOf(builds[index]!));
        break;
      }
    }
    await checkNeverTwo(`step ${stepIndex + 1}, ${step.type}`);
  }

  for (let round = 0; round < MAX_DRAIN_ROUNDS; round += 1) {
    for (const index of [...undelivered]) await deliver(index, 1);
    await checkNeverTwo(`drain round ${round + 1}, deliveries`);
    for (const [index, planned] of endings.entries()) await finish(index, planned.status, planned.callback);
    // A person unlocks an environment kept locked by a forced cancel, once its execution has stopped.
    for (const environment of environments) {
      const lock = await world.repository.getEnvironmentLock(environment.repo, environment.env).catch(() => undefined);
      const holder = builds.findIndex((build) => build.repo === lock?.repo && build.sk === lock.holder);
      if (lock?.keptBy === undefined || (holder >= 0 && (await executionOf(holder))?.status === 'RUNNING')) continue;
      await world.repository.releaseEnvironmentLock(lock.repo, lock.env, lock.holder, { releasedBy: 'operator', at: new Date() }).catch(() => undefined);
    }
    // The stream delivers each release: the next build of its environment starts.
    for (const environment of environments) await handOff(environment);
    await checkNeverTwo(`drain round ${round + 1}, hand-offs`);
    await handlers.sweeper(aScheduledEvent()).catch(() => undefined);
    await checkNeverTwo(`drain round ${round + 1}, sweep`);
    const quiet = undelivered.size === 0 && (await world.executions()).every((execution) => execution.status !== 'RUNNING');
    if (quiet && (await Promise.all(builds.map((build) => world.repository.get(build).catch(() => undefined)))).every((build) => build && isTerminal(build.status))) break;
  }

  const found = [...neverTwo, ...(await violations(world, builds, withoutRoomForTheArn, redriven))];
  const executions = await world.executions();
  for (const id of cancelledUnstarted) {
    const build = builds.find((candidate) => buildIdOf(candidate) === id)!;
    if (ownExecutionsOf(executions, build).length > 0) found.push(`${id}: cancelled before it started, yet it ran`);
  }
  // Never stuck: after draining, no environment stays locked.
  for (const environment of environments) {
    const lock = await world.repository.getEnvironmentLock(environment.repo, environment.env);
    if (lock !== undefined) found.push(`${environment.repo}/${environment.env}: still locked by ${lock.holder} (${lock.policy}) after draining`);
  }
  for (const [index, statusAfterReport] of deployedUnreported) {
    const id = buildIdOf(builds[index]!);
    const status = (await world.repository.get(builds[index]!))?.status;
    if (status !== 'SUCCESS') found.push(`${id}: deployed while its report failed, but ${status ?? 'missing'} after draining`);
    if (statusAfterReport === 'SUCCESS') found.push(`${id}: recorded SUCCESS by a report that was to fail`);
  }
  return { builds, violations: found };
}

async function violations(
  world: LifecycleWorld,
  builds: readonly NewBuild[],
  withoutRoomForTheArn: ReadonlySet<string>,
  redriven: ReadonlySet<string>,
): Promise<string[]> {
  const found: string[] = [];
  const executions = await world.executions();
  const stored = new Map<string, Build | undefined>();
  for (const build of builds) stored.set(buildIdOf(build), await world.repository.get(build));

  for (const build of builds) {
    const id = buildIdOf(build);
    // An operator's run with the same input is not the build's: it must never decide the build's status.
    const mine = ownExecutionsOf(executions, build);
    const record = stored.get(id);
    if (mine.length > 1) found.push(`${id}: ${mine.length} executions`);
    if (!record) {
      found.push(`${id}: missing`);
      continue;
    }
    if (!isTerminal(record.status)) found.push(`${id}: still ${record.status} after draining`);
    if (record.status === 'FAILED' && !record.errorMsg?.trim()) found.push(`${id}: FAILED without a reason`);
    if (record.supersededBy !== undefined && mine.length > 0) found.push(`${id}: superseded by ${record.supersededBy}, yet it has an execution`);
    const execution = mine[0];
    if (execution && execution.status !== 'RUNNING') {
      const truth = execution.status === 'SUCCEEDED' ? 'SUCCESS' : 'FAILED';
      if (record.status !== truth) found.push(`${id}: ${record.status} but its execution ${execution.status}`);
      const arnLeftOut = record.executionArn === undefined && withoutRoomForTheArn.has(id);
      if (record.executionArn !== execution.executionArn && !arnLeftOut) found.push(`${id}: records execution ${record.executionArn ?? 'none'}`);
    }
    if (!execution && record.status !== 'FAILED') found.push(`${id}: ${record.status} without any execution`);
  }

  // A redriven success is recorded over FAILED (the transition table allows it only so).
  found.push(...(await world.backwardMoves(builds)).filter((move) => !(move.endsWith(': FAILED -> SUCCESS') && redriven.has(move.slice(0, -': FAILED -> SUCCESS'.length)))));

  const env = builds[0]!.env;
  const latest = await world.repository.latestBuilds(env);
  for (const repo of new Set(builds.map((build) => build.repo))) {
    const newest = builds.filter((build) => build.repo === repo).reduce((a, b) => (a.sk > b.sk ? a : b));
    const pointer = latest.find((build) => build.repo === repo);
    if (pointer?.sk !== newest.sk) found.push(`${repo}/${env}: latest points at ${pointer?.sk ?? 'nothing'}, newest is ${newest.sk}`);
  }
  return found;
}


/** The executions that are the build's own: its input names the build and its name is the build's execution name. */
function ownExecutionsOf(executions: readonly WorldExecution[], build: NewBuild): WorldExecution[] {
  return executions.filter(
    (execution) => execution.build && buildIdOf(execution.build) === buildIdOf(build) && execution.name === executionName(build),
  );
}
