// The manual deployment commands (redeploy, rollback, redrive, cancel) through
// `run(argv, io)` in process, on in-memory adapters and virtual time: every
// outcome, refusal and exit code, the caller's identity and idempotency keys.
import { describe, expect, it, vi } from 'vitest';
import { servicesOf } from '../../../../src/composition/cli/compose.js';
import type { ConnectionConfig } from '../../../../src/adapters/driving/cli/config.js';
import type { CliIo } from '../../../../src/adapters/driving/cli/io.js';
import { COMMANDS, run } from '../../../../src/adapters/driving/cli/run.js';
import {
  buildIdOf,
  createContainer,
  executionName,
  serializeStepFunctionInput,
  type Build,
  type ConcurrencyPolicy,
  type NewBuild,
} from '../../../../src/index.js';
import {
  InMemoryBuildRepository,
  InMemoryExecutionController,
  InMemoryExecutionInspector,
  InMemoryExecutionStarter,
  InMemoryIdempotencyStore,
  ManualClock,
  RecordingLogger,
} from '../../../../src/testing.js';
import { aNewBuild, anInputFor, aUniqueScope, STATE_MACHINE_ARN } from '../../../support/mothers/build.mother.js';

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/Ops/bob';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The CLI on in-memory adapters, composed as compose.ts composes it (on the
 * command's policy), with a fixed caller. The clock starts an hour ahead of
 * the real one: the builds the test mothers make (their keys from the real
 * time) are older than the ones the services make. `onSleep` runs in each
 * sleep, with the virtual time slept so far; the sleep waits for what it returns.
 */
function aCli(options: { onSleep?: (elapsedMs: number) => unknown; env?: Env } = {}) {
  const clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000));
  const builds = new InMemoryBuildRepository();
  const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
  const inspector = new InMemoryExecutionInspector(starter);
  const controller = new InMemoryExecutionController(starter);
  const idempotency = new InMemoryIdempotencyStore();
  const caller = { whoAmI: async (): Promise<string> => ALICE };
  const servicesFor = (concurrency?: ConcurrencyPolicy) =>
    servicesOf(
      createContainer({
        buildRepository: builds,
        executionStarter: starter,
        executionInspector: inspector,
        executionController: controller,
        idempotencyStore: idempotency,
        clock,
        logger: new RecordingLogger(),
        concurrency,
      }),
      () => caller.whoAmI(),
    );
  const services = servicesFor();
  const configs: ConnectionConfig[] = [];
  const out = { stdout: '', stderr: '' };
  let elapsedMs = 0;
  const io: CliIo = {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    env: { BUILDS_TABLE_NAME: 'builds', STATE_MACHINE_ARN, ARTIFACT_BUCKET: 'my-artifacts', IDEMPOTENCY_TABLE_NAME: 'idempotency', ...options.env },
    now: () => clock.now(),
    sleep: async (ms) => {
      clock.advance(ms);
      elapsedMs += ms;
      // What happens meanwhile (a start, an execution's end) is over before the next poll.
      await options.onSleep?.(elapsedMs);
    },
  };
  const cli = (...argv: string[]) => {
    out.stdout = '';
    out.stderr = '';
    return run(argv, io, {
      loadComposition: async () => (config) => {
        configs.push(config);
        return servicesFor(config.concurrency);
      },
    });
  };
  const json = () => JSON.parse(out.stdout) as Record<string, unknown> & { build: Record<string, unknown> };
  const jsonError = () => (JSON.parse(out.stderr.trim().split('\n').at(-1) ?? '') as { error: Record<string, unknown> }).error;
  return { cli, out, json, jsonError, builds, starter, controller, idempotency, clock, services, configs, caller };
}

type Cli = ReturnType<typeof aCli>;

async function aSuccessfulBuild(cli: Cli, overrides: Partial<NewBuild> = {}): Promise<Build> {
  const { build, executionArn } = await aRunningBuild(cli, overrides);
  cli.starter.complete(executionArn, 'SUCCEEDED');
  // As the state machine reports it: the end releases the environment's lock.
  await cli.services.completions.record(build, { status: 'SUCCESS' });
  return (await cli.builds.get(build)) as Build;
}

/** A build whose execution runs, as trigger-build leaves it (under queue: holding its environment's lock). */
async function aRunningBuild(cli: Cli, overrides: Partial<NewBuild> = {}) {
  const build = await cli.builds.create(aNewBuild(overrides), cli.clock.now());
  const started = await cli.services.trigger.trigger(build, { s3Bucket: 'my-artifacts' });
  expect(started).toMatchObject({ outcome: 'started' });
  const executionArn = (await cli.builds.get(build))?.executionArn ?? '';
  return { build, executionArn };
}

/** A FAILED build whose execution timed out: Step Functions can redrive it. */
async function aTimedOutBuild(cli: Cli, overrides: Partial<NewBuild> = {}) {
  const { build, executionArn } = await aRunningBuild(cli, overrides);
  cli.starter.complete(executionArn, { status: 'TIMED_OUT' });
  await cli.services.reconciler.reconcile(executionArn);
  expect(await cli.builds.get(build)).toMatchObject({ status: 'FAILED' });
  return { build, executionArn };
}

const newestOf = async (cli: Cli, scope: { repo: string; env: string }) => (await cli.builds.listBuilds(scope.repo, scope.env, { limit: 1 })).builds[0];

describe('run: redeploy', () => {
  it("records a new PENDING build of the build's version, kind redeploy, requested by the caller; starts nothing", async () => {
    const cli = aCli();
    const source = await aSuccessfulBuild(cli, { version: '42.abc1234', commitHash: 'abc1234', buildNumber: '42', stackName: 'prd-myapp' });
    const executions = cli.starter.executions.length;

    await expect(cli.cli('redeploy', buildIdOf(source))).resolves.toBe(0);
    const created = await newestOf(cli, source);
    expect(created).toMatchObject({
      status: 'PENDING',
      kind: 'redeploy',
      redeployOf: buildIdOf(source),
      requestedBy: ALICE,
      version: '42.abc1234',
      commitHash: 'abc1234',
      buildNumber: '42',
      stackName: 'prd-myapp',
    });
    expect(created?.sk).not.toBe(source.sk);
    expect(cli.out.stdout).toBe(
      `Recorded ${buildIdOf(created!)}: a redeploy of ${buildIdOf(source)} (version 42.abc1234), PENDING, requested by ${ALICE}.\n` +
        "It starts in its turn: the deployed trigger-build starts it from the table's stream (or a sweep does); " +
        `'aws-deployer-orchestrator wait ${buildIdOf(created!)}' follows it.\n`,
    );
    expect(cli.starter.executions).toHaveLength(executions);

    cli.clock.advance(1000);
    await expect(cli.cli('redeploy', buildIdOf(source), '--json')).resolves.toBe(0);
    const second = await newestOf(cli, source);
    expect(cli.json()).toEqual({
      buildId: buildIdOf(second!),
      outcome: 'created',
      created: true,
      replayed: false,
      requestedBy: ALICE,
      redeployOf: buildIdOf(source),
      build: expect.objectContaining({ id: buildIdOf(second!), status: 'PENDING', kind: 'redeploy', redeployOf: buildIdOf(source), requestedBy: ALICE }),
    });
    // get shows what asked for it.
    await expect(cli.cli('get', buildIdOf(second!))).resolves.toBe(0);
    expect(cli.out.stdout).toMatch(new RegExp(`^Kind: +redeploy of ${escapeRegExp(buildIdOf(source))}$`, 'm'));
    expect(cli.out.stdout).toMatch(new RegExp(`^Requested by: +${escapeRegExp(ALICE)}$`, 'm'));
  });

  it('a missing build: exit 1, BUILD_NOT_FOUND; nothing is written', async () => {
    const cli = aCli();
    const missing = aNewBuild();

    await expect(cli.cli('redeploy', buildIdOf(missing))).resolves.toBe(1);
    expect(cli.out.stderr).toBe(`aws-deployer-orchestrator: Build ${buildIdOf(missing)} does not exist\n`);
    await expect(cli.cli('redeploy', buildIdOf(missing), '--json')).resolves.toBe(1);
    expect(cli.out.stdout).toBe('');
    expect(cli.jsonError()).toEqual({ code: 'BUILD_NOT_FOUND', message: `Build ${buildIdOf(missing)} does not exist` });
    await expect(newestOf(cli, missing)).resolves.toBeUndefined();
  });

  it('--wait follows the new build through its turn (started by the normal path) to its end: exit 0 on SUCCESS', async () => {
    const state: { source?: Build } = {};
    const cli = aCli({
      onSleep: async (elapsedMs) => {
        const { source } = state;
        if (source === undefined) return;
        const created = await newestOf(cli, source);
        // What the deployed trigger-build does with the new build's stream record, then the deployment ends.
        if (elapsedMs === 5_000) await cli.services.trigger.trigger(created!, { s3Bucket: 'my-artifacts' });
        if (elapsedMs === 15_000) cli.starter.complete(created?.executionArn ?? '', 'SUCCEEDED');
      },
    });
    state.source = await aSuccessfulBuild(cli);

    await expect(cli.cli('redeploy', buildIdOf(state.source), '--wait', '--reconcile-after-seconds', '0', '--json')).resolves.toBe(0);
    const created = await newestOf(cli, state.source);
    expect(cli.json()).toMatchObject({ buildId: buildIdOf(created!), outcome: 'created', result: 'SUCCESS', build: { status: 'SUCCESS', kind: 'redeploy' } });
    const events = cli.out.stderr.trim().split('\n').map((line) => JSON.parse(line) as { event: string; buildStatus?: string });
    expect(events[0]).toMatchObject({ event: 'created', buildId: buildIdOf(created!), requestedBy: ALICE });
    const statuses = events.map((event) => event.buildStatus).filter((status) => status !== undefined);
    expect(statuses.filter((status, index) => status !== statuses[index - 1])).toEqual(['PENDING', 'IN_PROGRESS', 'SUCCESS']);
  });

  it('--wait gives up after --timeout-minutes with exit 3 when nothing starts it (no trigger-build): the build stays PENDING', async () => {
    const cli = aCli();
    const source = await aSuccessfulBuild(cli);

    await expect(cli.cli('redeploy', buildIdOf(source), '--wait', '--timeout-minutes', '1')).resolves.toBe(3);
    const created = await newestOf(cli, source);
    expect(cli.out.stdout).toContain(`Recorded ${buildIdOf(created!)}: a redeploy of`);
    expect(cli.out.stdout).toContain(`Gave up after 1 minute(s): ${buildIdOf(created!)} is still PENDING.\n`);
  });

  it('needs the state machine only with --wait', async () => {
    const cli = aCli({ env: { STATE_MACHINE_ARN: undefined } });
    const source = await aSuccessfulBuild(cli);

    await expect(cli.cli('redeploy', buildIdOf(source), '--wait')).resolves.toBe(2);
    expect(cli.out.stderr).toContain('missing the state machine: pass --state-machine-arn or set STATE_MACHINE_ARN');
    await expect(cli.cli('redeploy', buildIdOf(source))).resolves.toBe(0);
  });
});

describe('run: --idempotency-key', () => {
  it('a retry with the same key gets the first result (replayed) and creates nothing new', async () => {
    const cli = aCli();
    const source = await aSuccessfulBuild(cli);

    await expect(cli.cli('redeploy', buildIdOf(source), '--idempotency-key', 'job-42', '--json')).resolves.toBe(0);
    const first = cli.json();
    await expect(cli.cli('redeploy', buildIdOf(source), '--idempotency-key', 'job-42', '--json')).resolves.toBe(0);
    expect(cli.json()).toEqual({ ...first, replayed: true });
    await expect(cli.cli('redeploy', buildIdOf(source), '--idempotency-key', 'job-42')).resolves.toBe(0);
    expect(cli.out.stdout).toMatch(/^An earlier request with this --idempotency-key did this; nothing new was done now.\nRecorded /);
    const all = await cli.builds.listBuilds(source.repo, source.env, { limit: 10 });
    expect(all.builds.filter((build) => build.kind === 'redeploy')).toHaveLength(1);
    // Scoped to the caller: another caller's same key is another request.
    cli.caller.whoAmI = async () => BOB;
    await expect(cli.cli('redeploy', buildIdOf(source), '--idempotency-key', 'job-42', '--json')).resolves.toBe(0);
    expect(cli.json()).toMatchObject({ replayed: false, requestedBy: BOB });
  });

  it('the same key for another request: exit 1, IDEMPOTENCY_KEY_REUSED; nothing is created', async () => {
    const cli = aCli();
    const source = await aSuccessfulBuild(cli);
    const other = await aSuccessfulBuild(cli, { repo: source.repo, env: source.env });

    await expect(cli.cli('redeploy', buildIdOf(source), '--idempotency-key', 'job-42')).resolves.toBe(0);
    await expect(cli.cli('redeploy', buildIdOf(other), '--idempotency-key', 'job-42', '--json')).resolves.toBe(1);
    expect(cli.jsonError()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', message: expect.stringContaining('"job-42" was used for another redeploy request') });
    const all = await cli.builds.listBuilds(source.repo, source.env, { limit: 10 });
    expect(all.builds.filter((build) => build.kind === 'redeploy')).toHaveLength(1);
  });

  it('a key whose first request failed on an error is held a while: exit 1, IDEMPOTENCY_REQUEST_IN_PROGRESS with retryAfter', async () => {
    const cli = aCli();
    const source = await aSuccessfulBuild(cli);
    vi.spyOn(cli.builds, 'create').mockRejectedValueOnce(new Error('the write was lost'));

    await expect(cli.cli('redeploy', buildIdOf(source), '--idempotency-key', 'job-43')).resolves.toBe(1);
    expect(cli.out.stderr).toContain('the write was lost');
    await expect(cli.cli('redeploy', buildIdOf(source), '--idempotency-key', 'job-43', '--json')).resolves.toBe(1);
    expect(cli.jsonError()).toEqual({
      code: 'IDEMPOTENCY_REQUEST_IN_PROGRESS',
      message: expect.stringContaining('is still running; retry after it ends'),
      retryAfter: expect.stringMatching(/Z$/),
    });
    // Once the hold lapses, a retry carries the first request out.
    cli.clock.advance(61_000);
    await expect(cli.cli('redeploy', buildIdOf(source), '--idempotency-key', 'job-43')).resolves.toBe(0);
  });

  it('an invalid key, or a key without an idempotency table: usage errors (exit 2) naming the flag; nothing is composed', async () => {
    const cli = aCli({ env: { IDEMPOTENCY_TABLE_NAME: undefined } });
    const id = buildIdOf(aNewBuild());

    await expect(cli.cli('redeploy', id, '--idempotency-key', 'job 42')).resolves.toBe(2);
    expect(cli.out.stderr).toContain('Invalid idempotency-key: must be 1 to 255 visible ASCII characters');
    await expect(cli.cli('cancel', id, '--idempotency-key', 'x'.repeat(256), '--json')).resolves.toBe(2);
    expect(cli.jsonError()).toMatchObject({ code: 'VALIDATION_ERROR', field: 'idempotency-key' });
    await expect(cli.cli('rollback', 'myapp', 'prd', '--idempotency-key', 'job-42')).resolves.toBe(2);
    expect(cli.out.stderr).toContain('--idempotency-key needs the idempotency table it is kept in: pass --idempotency-table or set IDEMPOTENCY_TABLE_NAME');
    expect(cli.configs).toEqual([]);
    // The flag serves as well as the variable.
    const source = await aSuccessfulBuild(cli);
    await expect(cli.cli('redeploy', buildIdOf(source), '--idempotency-key', 'job-42', '--idempotency-table', 'idempotency')).resolves.toBe(0);
    expect(cli.configs.at(-1)).toMatchObject({ idempotencyTableName: 'idempotency' });
  });
});

describe('run: rollback', () => {
  it("records a rollback to the environment's previous version; the builds that waited end FAILED, superseded by it", async () => {
    const cli = aCli();
    const scope = aUniqueScope();
    const previous = await aSuccessfulBuild(cli, { ...scope, version: '1.0.0' });
    await aSuccessfulBuild(cli, { ...scope, version: '1.1.0' });
    const current = await aSuccessfulBuild(cli, { ...scope, version: '1.1.0' });
    const waiting = await cli.builds.create(aNewBuild({ ...scope, version: '1.2.0' }), cli.clock.now());

    await expect(cli.cli('rollback', scope.repo, scope.env)).resolves.toBe(0);
    const rollback = await newestOf(cli, scope);
    expect(rollback).toMatchObject({ status: 'PENDING', kind: 'rollback', redeployOf: buildIdOf(previous), version: '1.0.0', requestedBy: ALICE });
    expect(cli.out.stdout).toBe(
      `Recorded ${buildIdOf(rollback!)}: a rollback of ${scope.repo}/${scope.env} to version 1.0.0 (of ${buildIdOf(previous)}), PENDING, requested by ${ALICE}.\n` +
        `The builds that waited for ${scope.repo}/${scope.env} end FAILED, superseded by it; it starts in its turn: the deployed trigger-build ` +
        `starts it from the table's stream (or a sweep does); 'aws-deployer-orchestrator wait ${buildIdOf(rollback!)}' follows it.\n`,
    );
    await expect(cli.builds.get(waiting)).resolves.toMatchObject({ status: 'FAILED', supersededBy: buildIdOf(rollback!) });
    await expect(cli.builds.get(current)).resolves.toMatchObject({ status: 'SUCCESS' });
  });

  it('--to names the build, by its sk or its id; another environment\'s id or a bad sk is a usage error (exit 2)', async () => {
    const cli = aCli();
    const scope = aUniqueScope();
    const oldest = await aSuccessfulBuild(cli, { ...scope, version: '0.9.0' });
    await aSuccessfulBuild(cli, { ...scope, version: '1.0.0' });
    await aSuccessfulBuild(cli, { ...scope, version: '1.1.0' });

    await expect(cli.cli('rollback', scope.repo, scope.env, '--to', oldest.sk, '--json')).resolves.toBe(0);
    expect(cli.json()).toMatchObject({ outcome: 'created', redeployOf: buildIdOf(oldest), build: { kind: 'rollback', version: '0.9.0' } });
    await expect(cli.cli('rollback', scope.repo, scope.env, '--to', buildIdOf(oldest), '--json')).resolves.toBe(0);
    expect(cli.json()).toMatchObject({ redeployOf: buildIdOf(oldest) });

    await expect(cli.cli('rollback', scope.repo, scope.env, '--to', `other/${scope.env}:${oldest.sk}`)).resolves.toBe(2);
    expect(cli.out.stderr).toContain(`--to other/${scope.env}:${oldest.sk} is a build of other/${scope.env}, not of ${scope.repo}/${scope.env}`);
    await expect(cli.cli('rollback', scope.repo, scope.env, '--to', '', '--json')).resolves.toBe(2);
    expect(cli.jsonError()).toMatchObject({ code: 'VALIDATION_ERROR', field: 'to' });
    await expect(cli.cli('rollback', 'my/app', scope.env)).resolves.toBe(2);
  });

  it('nothing to roll back to: exit 1, NOTHING_TO_ROLL_BACK_TO saying why; a --to that is missing or never deployed too', async () => {
    const cli = aCli();
    const scope = aUniqueScope();
    await expect(cli.cli('rollback', scope.repo, scope.env)).resolves.toBe(1);
    expect(cli.out.stderr).toBe(
      `aws-deployer-orchestrator: Nothing to roll back to in ${scope.repo}/${scope.env}: no build of it has ever deployed (none ended SUCCESS)\n`,
    );
    const only = await aSuccessfulBuild(cli, { ...scope, version: '1.0.0' });
    const pending = await cli.builds.create(aNewBuild({ ...scope, version: '0.5.0' }), cli.clock.now());

    await expect(cli.cli('rollback', scope.repo, scope.env, '--json')).resolves.toBe(1);
    expect(cli.jsonError()).toEqual({
      code: 'NOTHING_TO_ROLL_BACK_TO',
      message: expect.stringContaining(`every build that deployed before ${buildIdOf(only)} has its version 1.0.0`),
      environment: `${scope.repo}/${scope.env}`,
      reason: `every build that deployed before ${buildIdOf(only)} has its version 1.0.0`,
    });
    await expect(cli.cli('rollback', scope.repo, scope.env, '--to', pending.sk, '--json')).resolves.toBe(1);
    expect(cli.jsonError()).toMatchObject({ code: 'NOTHING_TO_ROLL_BACK_TO', reason: `${buildIdOf(pending)} never deployed (it is PENDING)` });
    await expect(cli.cli('rollback', scope.repo, scope.env, '--to', aNewBuild().sk, '--json')).resolves.toBe(1);
    expect(cli.jsonError()).toMatchObject({ code: 'BUILD_NOT_FOUND' });
    // Nothing was recorded, and the waiting build still waits.
    await expect(cli.builds.get(pending)).resolves.toMatchObject({ status: 'PENDING' });
    expect((await cli.builds.listBuilds(scope.repo, scope.env, { limit: 10 })).builds.filter((build) => build.kind === 'rollback')).toEqual([]);
  });
});

describe('run: redrive', () => {
  it("runs a FAILED build's timed-out execution again: exit 0; the build stays FAILED, marked redriven by the caller", async () => {
    const cli = aCli();
    const { build, executionArn } = await aTimedOutBuild(cli);

    await expect(cli.cli('redrive', buildIdOf(build))).resolves.toBe(0);
    expect(cli.out.stdout).toBe(
      `Redriven ${buildIdOf(build)}: Step Functions runs its execution ${executionArn} again from the state it failed in.\n` +
        'The build stays FAILED while it runs; a redriven success records SUCCESS (follow it with --wait).\n',
    );
    expect(cli.starter.executions.find((execution) => execution.executionArn === executionArn)).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
    await expect(cli.builds.get(build)).resolves.toMatchObject({ status: 'FAILED', redrivenBy: ALICE, redrivenAt: cli.clock.now() });
    await expect(cli.cli('get', buildIdOf(build))).resolves.toBe(0);
    expect(cli.out.stdout).toMatch(new RegExp(`^Redriven: +by ${escapeRegExp(ALICE)} at `, 'm'));
  });

  it('--wait follows the execution: exit 0 when the redriven run succeeds (reconciled onto the build), 1 when it fails again', async () => {
    /** A CLI whose redriven execution ends `end` 10 s into the wait, and the build it redrives. */
    const aRedriveEnding = async (end: Parameters<InMemoryExecutionStarter['complete']>[1]) => {
      const state: { executionArn?: string } = {};
      const cli = aCli({
        onSleep: (elapsedMs) => {
          if (elapsedMs === 10_000 && state.executionArn !== undefined) cli.starter.complete(state.executionArn, end);
        },
      });
      const timedOut = await aTimedOutBuild(cli);
      state.executionArn = timedOut.executionArn;
      return { cli, ...timedOut };
    };

    const succeeds = await aRedriveEnding('SUCCEEDED');
    await expect(succeeds.cli.cli('redrive', buildIdOf(succeeds.build), '--wait', '--reconcile-after-seconds', '0', '--json')).resolves.toBe(0);
    expect(succeeds.cli.json()).toMatchObject({ outcome: 'redriven', result: 'SUCCESS', build: { status: 'SUCCESS' }, execution: { status: 'SUCCEEDED' } });
    await expect(succeeds.cli.builds.get(succeeds.build)).resolves.toMatchObject({ status: 'SUCCESS' });
    const events = succeeds.cli.out.stderr.trim().split('\n').map((line) => JSON.parse(line) as { event: string; buildStatus?: string; executionStatus?: string });
    expect(events[0]).toMatchObject({ event: 'redriven', executionArn: succeeds.executionArn });
    expect(events[1]).toMatchObject({ event: 'status', buildStatus: 'FAILED', executionStatus: 'RUNNING' });

    const fails = await aRedriveEnding({ status: 'FAILED', error: 'States.TaskFailed', cause: 'again' });
    await expect(fails.cli.cli('redrive', buildIdOf(fails.build), '--wait')).resolves.toBe(1);
    expect(fails.cli.out.stdout).toContain(
      `${buildIdOf(fails.build)} is still FAILED: its redriven execution ended FAILED: States.TaskFailed: again. ` +
        "The sweeper clears its redrive mark (and the environment's lock).\n",
    );

    const runsOn = await aRedriveEnding('SUCCEEDED');
    await expect(runsOn.cli.cli('redrive', buildIdOf(runsOn.build), '--wait', '--timeout-minutes', '0.1', '--poll-seconds', '1')).resolves.toBe(3);
    expect(runsOn.cli.out.stdout).toContain(`Gave up after 0.1 minute(s): ${buildIdOf(runsOn.build)} is still FAILED.`);
  });

  it('refusals: a build that is not FAILED, a newer build that started since, a busy environment: exit 1 with the reason', async () => {
    const cli = aCli();
    const succeeded = await aSuccessfulBuild(cli);
    await expect(cli.cli('redrive', buildIdOf(succeeded), '--json')).resolves.toBe(1);
    expect(cli.jsonError()).toEqual({
      code: 'NOT_REDRIVABLE',
      message: `Build ${buildIdOf(succeeded)} cannot be redriven: it is SUCCESS; only a FAILED build's execution is redriven`,
      buildId: buildIdOf(succeeded),
      reason: "it is SUCCESS; only a FAILED build's execution is redriven",
    });

    const scope = aUniqueScope();
    const older = await aTimedOutBuild(cli, scope);
    const newer = await aSuccessfulBuild(cli, { ...scope, version: '1.3.0' });
    await expect(cli.cli('redrive', buildIdOf(older.build))).resolves.toBe(1);
    expect(cli.out.stderr).toBe(
      `aws-deployer-orchestrator: Build ${buildIdOf(older.build)} cannot be redriven: the newer build ${buildIdOf(newer)} (version 1.3.0) ` +
        'has started since; a redrive would put version 1.2.3 over it\n',
    );
    // Undone: no mark, no lock left behind.
    await expect(cli.builds.get(older.build)).resolves.not.toHaveProperty('redrivenBy');
    await expect(cli.builds.getEnvironmentLock(scope.repo, scope.env)).resolves.toBeUndefined();

    const busy = aUniqueScope();
    const failed = await aTimedOutBuild(cli, busy);
    const holder = await aRunningBuild(cli, busy);
    await expect(cli.cli('redrive', buildIdOf(failed.build), '--json')).resolves.toBe(1);
    expect(cli.jsonError()).toMatchObject({ code: 'ENVIRONMENT_BUSY', buildId: buildIdOf(failed.build), heldBy: buildIdOf(holder.build) });
    expect(cli.starter.executions.find((execution) => execution.executionArn === failed.executionArn)).toMatchObject({ status: 'TIMED_OUT' });
  });

  it('a Step Functions refusal is quoted; an AWS failure of the redrive call exits 4', async () => {
    const cli = aCli();
    const { build, executionArn } = await aTimedOutBuild(cli);
    cli.controller.failNext('RedriveExecution', 'ThrottlingException');

    await expect(cli.cli('redrive', buildIdOf(build))).resolves.toBe(4);
    expect(cli.out.stderr).toContain('Could not redrive the execution (ThrottlingException)');
    expect(cli.starter.executions.find((execution) => execution.executionArn === executionArn)).toMatchObject({ status: 'TIMED_OUT' });
    cli.clock.advance(61_000);
    await expect(cli.cli('redrive', buildIdOf(build))).resolves.toBe(0);
    cli.starter.complete(executionArn, 'SUCCEEDED');
    await cli.services.reconciler.reconcile(executionArn);
    await expect(cli.cli('redrive', buildIdOf(build), '--json')).resolves.toBe(1);
    expect(cli.jsonError()).toMatchObject({ code: 'NOT_REDRIVABLE', reason: "it is SUCCESS; only a FAILED build's execution is redriven" });
  });

  it('needs the state machine (exit 2 without one)', async () => {
    const cli = aCli({ env: { STATE_MACHINE_ARN: undefined } });
    await expect(cli.cli('redrive', buildIdOf(aNewBuild()))).resolves.toBe(2);
    expect(cli.out.stderr).toContain('missing the state machine');
  });
});

describe('run: cancel', () => {
  it('a waiting PENDING build ends FAILED "cancelled by {caller}" and never starts: exit 0', async () => {
    const cli = aCli();
    const scope = aUniqueScope();
    await aRunningBuild(cli, scope);
    const waiting = await cli.builds.create(aNewBuild(scope), cli.clock.now());

    await expect(cli.cli('cancel', buildIdOf(waiting))).resolves.toBe(0);
    expect(cli.out.stdout).toBe(`Cancelled ${buildIdOf(waiting)}: it is now FAILED ("cancelled by ${ALICE}") and never starts.\n`);
    await expect(cli.builds.get(waiting)).resolves.toMatchObject({ status: 'FAILED', errorMsg: `cancelled by ${ALICE}`, cancelledBy: ALICE });
    await expect(cli.cli('get', buildIdOf(waiting), '--json')).resolves.toBe(0);
    expect(cli.json()).toMatchObject({ cancelledBy: ALICE });
    // Asked again by the same caller: what was asked for (its answer may have been lost); by another: refused, it has ended.
    await expect(cli.cli('cancel', buildIdOf(waiting))).resolves.toBe(0);
    cli.caller.whoAmI = async () => BOB;
    await expect(cli.cli('cancel', buildIdOf(waiting), '--json')).resolves.toBe(1);
    expect(cli.jsonError()).toEqual({
      code: 'ILLEGAL_TRANSITION',
      message: `Build ${buildIdOf(waiting)} cannot become FAILED: it has already ended FAILED`,
      buildId: buildIdOf(waiting),
      status: 'FAILED',
    });
  });

  it('a deploying build is refused without --force (exit 1); --force stops its execution, records FAILED, keeps the lock', async () => {
    const cli = aCli();
    const { build, executionArn } = await aRunningBuild(cli, { stackName: 'prd-web' });

    await expect(cli.cli('cancel', buildIdOf(build))).resolves.toBe(1);
    expect(cli.out.stderr).toContain('it is deploying, and stopping its execution would not stop the stack operation it began');
    await expect(cli.builds.get(build)).resolves.toMatchObject({ status: 'IN_PROGRESS' });

    await expect(cli.cli('cancel', buildIdOf(build), '--force')).resolves.toBe(0);
    expect(cli.out.stdout).toBe(
      `Cancelled ${buildIdOf(build)}: its execution ${executionArn} was stopped and the build is now FAILED ("cancelled by ${ALICE}").\n` +
        `The stack operation the execution began goes on. ${build.repo}/${build.env} stays locked by this build: once the stack prd-web ` +
        `is no longer *_IN_PROGRESS, release it with 'aws-deployer-orchestrator unlock ${build.repo} ${build.env}'.\n`,
    );
    expect(cli.starter.executions.find((execution) => execution.executionArn === executionArn)).toMatchObject({
      status: 'ABORTED',
      error: 'Cancelled',
      cause: `cancelled by ${ALICE}`,
    });
    await expect(cli.builds.get(build)).resolves.toMatchObject({ status: 'FAILED', cancelledBy: ALICE });
    await expect(cli.builds.getEnvironmentLock(build.repo, build.env)).resolves.toMatchObject({ holder: build.sk });
  });

  it('--force --json says whether the environment stays locked; under parallel it never is', async () => {
    const cli = aCli();
    const queued = await aRunningBuild(cli);
    await expect(cli.cli('cancel', buildIdOf(queued.build), '--force', '--json')).resolves.toBe(0);
    expect(cli.json()).toMatchObject({ outcome: 'cancelled', created: false, replayed: false, requestedBy: ALICE, environmentLocked: true, build: { status: 'FAILED' } });

    const parallel = await cli.builds.create(aNewBuild(), cli.clock.now());
    const { executionArn } = await cli.starter.start({ name: executionName(parallel), input: serializeStepFunctionInput(anInputFor(parallel)) });
    await cli.builds.recordStart(parallel, executionArn, cli.clock.now());
    await expect(cli.cli('cancel', buildIdOf(parallel), '--force', '--concurrency', 'parallel', '--json')).resolves.toBe(0);
    expect(cli.json()).toMatchObject({ environmentLocked: false });
    expect(cli.out.stdout).not.toContain('unlock');
  });

  it('--wait waits until the execution has closed: exit 0', async () => {
    const cli = aCli();
    const { build } = await aRunningBuild(cli);

    await expect(cli.cli('cancel', buildIdOf(build), '--force', '--wait', '--json')).resolves.toBe(0);
    expect(cli.json()).toMatchObject({ outcome: 'cancelled', result: 'FAILED', build: { status: 'FAILED' }, execution: { status: 'ABORTED' } });
    expect(cli.out.stderr.split('\n')[0]).toContain('"event":"cancelled"');
  });

  it('needs the state machine only with --force or --wait', async () => {
    const cli = aCli({ env: { STATE_MACHINE_ARN: undefined } });
    const waiting = await cli.builds.create(aNewBuild(), cli.clock.now());

    await expect(cli.cli('cancel', buildIdOf(waiting), '--force')).resolves.toBe(2);
    await expect(cli.cli('cancel', buildIdOf(waiting), '--wait')).resolves.toBe(2);
    await expect(cli.cli('cancel', buildIdOf(waiting))).resolves.toBe(0);
  });
});

describe('run: who asks', () => {
  it("STS failing: exit 4, naming sts:GetCallerIdentity and what it was for; nothing is written", async () => {
    const cli = aCli();
    const source = await aSuccessfulBuild(cli);
    const waiting = await cli.builds.create(aNewBuild(), cli.clock.now());
    cli.caller.whoAmI = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });
    };

    await expect(cli.cli('redeploy', buildIdOf(source))).resolves.toBe(4);
    expect(cli.out.stderr).toMatch(/^aws-deployer-orchestrator: Could not tell who is asking \(sts:GetCallerIdentity, recorded as requested_by\): /);
    await expect(cli.cli('cancel', buildIdOf(waiting), '--json')).resolves.toBe(4);
    expect(cli.jsonError()).toMatchObject({ code: 'AWS_UNREACHABLE', message: expect.stringContaining('sts:GetCallerIdentity') });
    await expect(cli.builds.get(waiting)).resolves.toMatchObject({ status: 'PENDING' });
    expect((await cli.builds.listBuilds(source.repo, source.env, { limit: 10 })).builds).toHaveLength(1);

    cli.caller.whoAmI = async () => {
      throw new Error('Region is missing');
    };
    await expect(cli.cli('redeploy', buildIdOf(source))).resolves.toBe(2);
    expect(cli.out.stderr).toContain('missing the AWS region: pass --region or set AWS_REGION');
  });

  it('resolves where the identity comes from: STS, or "local" with a --dynamodb-endpoint that is not AWS\'s', async () => {
    const cli = aCli();
    const source = await aSuccessfulBuild(cli);

    await expect(cli.cli('redeploy', buildIdOf(source))).resolves.toBe(0);
    await expect(cli.cli('redeploy', buildIdOf(source), '--dynamodb-endpoint', 'http://127.0.0.1:8000')).resolves.toBe(0);
    await expect(cli.cli('get', buildIdOf(source), '--dynamodb-endpoint', 'https://dynamodb.eu-west-1.amazonaws.com')).resolves.toBe(0);
    expect(cli.configs.map((config) => config.callerIdentity)).toEqual(['sts', 'local', 'sts']);
  });

  it('asks nobody for help and usage errors, and lists the four commands in --help', async () => {
    const cli = aCli();
    const asked = vi.fn(async () => ALICE);
    cli.caller.whoAmI = asked;

    await expect(cli.cli('redeploy')).resolves.toBe(2);
    expect(cli.out.stderr).toContain('missing argument <build-id>');
    await expect(cli.cli('rollback', 'myapp')).resolves.toBe(2);
    await expect(cli.cli('cancel', 'myapp/prd')).resolves.toBe(2);
    await expect(cli.cli('redrive', 'myapp/prd:x', '--bogus')).resolves.toBe(2);
    await expect(cli.cli('redeploy', '--help')).resolves.toBe(0);
    expect(cli.out.stdout).toContain('Usage: aws-deployer-orchestrator redeploy <build-id> [options]');
    expect(asked).not.toHaveBeenCalled();
    expect(cli.configs).toEqual([]);
    await expect(cli.cli('--help')).resolves.toBe(0);
    for (const name of ['redeploy', 'rollback', 'redrive', 'cancel']) {
      const command = COMMANDS.find((candidate) => candidate.spec.name === name);
      expect(cli.out.stdout).toContain(`  ${name.padEnd(9)}  ${command?.spec.summary ?? ''}\n`);
    }
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
