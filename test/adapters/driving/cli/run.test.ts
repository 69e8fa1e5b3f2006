// `run(argv, io)` in process, on in-memory adapters and virtual time: what
// the subprocess tests cannot afford (minutes of waiting) or cannot see.
import { readFileSync } from 'node:fs';
import {
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { CredentialsProviderError } from '@smithy/core/config';
import { describe, expect, it, vi } from 'vitest';
import { awsContainerOptionsOf, servicesOf } from '../../../../src/composition/cli/compose.js';
import type { ConnectionConfig } from '../../../../src/adapters/driving/cli/config.js';
import type { CliIo } from '../../../../src/adapters/driving/cli/io.js';
import { formatTime } from '../../../../src/adapters/driving/cli/format.js';
import { COMMANDS, run } from '../../../../src/adapters/driving/cli/run.js';
import {
  BuildsByStatusUnavailableError,
  TransientExecutionStartError,
  buildIdOf,
  ksuidOf,
  parseBuildId,
  createContainer,
  executionArnFor,
  executionName,
  parseStateMachineArn,
  serializeStepFunctionInput,
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

/** Who runs the CLI in these tests: what sts:GetCallerIdentity would answer. */
const ALICE = 'arn:aws:iam::123456789012:user/alice';

function aCli(onSleep: (elapsedMs: number) => void = () => {}, env: Readonly<Record<string, string | undefined>> = {}) {
  const clock = new ManualClock();
  const builds = new InMemoryBuildRepository();
  const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
  const inspector = new InMemoryExecutionInspector(starter);
  const executionController = new InMemoryExecutionController(starter);
  const idempotencyStore = new InMemoryIdempotencyStore();
  // Composed as compose.ts composes them: on the concurrency policy the command resolved.
  const servicesFor = (concurrency?: ConcurrencyPolicy) =>
    servicesOf(
      createContainer({
        buildRepository: builds,
        executionStarter: starter,
        executionInspector: inspector,
        executionController,
        idempotencyStore,
        clock,
        logger: new RecordingLogger(),
        concurrency,
      }),
      async () => ALICE,
    );
  const services = servicesFor();
  const configs: ConnectionConfig[] = [];
  const out = { stdout: '', stderr: '' };
  let elapsedMs = 0;
  let composed = 0;
  const io: CliIo = {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    env: { BUILDS_TABLE_NAME: 'builds', STATE_MACHINE_ARN, ARTIFACT_BUCKET: 'my-artifacts', ...env },
    now: () => clock.now(),
    sleep: async (ms) => {
      clock.advance(ms);
      elapsedMs += ms;
      onSleep(elapsedMs);
    },
  };
  const cli = (...argv: string[]) =>
    run(argv, io, {
      loadComposition: async () => (config) => {
        composed += 1;
        configs.push(config);
        return config.concurrency === undefined ? services : servicesFor(config.concurrency);
      },
    });
  return { cli, out, builds, starter, clock, services, configs, composed: () => composed };
}

/** A build whose execution runs, as trigger-build leaves it: IN_PROGRESS with its execution's ARN. */
async function aRunningBuild(cli: ReturnType<typeof aCli>, overrides: Partial<NewBuild> = {}) {
  const build = await cli.builds.create(aNewBuild(overrides), cli.clock.now());
  const { executionArn } = await cli.starter.start({ name: executionName(build), input: serializeStepFunctionInput(anInputFor(build)) });
  await cli.builds.recordStart(build, executionArn, cli.clock.now());
  return { build, executionArn };
}

describe('run', () => {
  it('start --wait reconciles an execution that ended without reporting, after --reconcile-after-seconds', async () => {
    let executionArn = '';
    const { cli, out, builds, starter } = aCli((elapsedMs) => {
      if (elapsedMs === 10_000) starter.complete(executionArn, { status: 'TIMED_OUT' });
    });
    const build = await builds.create(aNewBuild());
    executionArn = executionArnFor(parseStateMachineArn(STATE_MACHINE_ARN), executionName(build));

    await expect(cli('start', buildIdOf(build), '--wait', '--json')).resolves.toBe(1);
    const result = JSON.parse(out.stdout) as { result: string; build: { errorMsg: string } };
    expect(result).toMatchObject({ result: 'FAILED', build: { status: 'FAILED', errorMsg: 'execution TIMED_OUT' } });
    const events = out.stderr.trim().split('\n').map((line) => JSON.parse(line) as { event: string; at: string });
    expect(events.map((event) => event.event)).toEqual(['started', 'status', 'status', 'reconciled', 'status']);
    // Closed at 10 s, reconciled once it had been closed for the default 60 s (polls every 5 s).
    const closedAt = Date.parse(events[2]?.at ?? '');
    expect(Date.parse(events[3]?.at ?? '') - closedAt).toBe(60_000);
  });

  it('start --wait gives up after --timeout-minutes, polling every --poll-seconds, with exit 3 (not FAILED\'s 1)', async () => {
    const { cli, out, builds } = aCli();
    const build = await builds.create(aNewBuild());

    await expect(cli('start', buildIdOf(build), '--wait', '--timeout-minutes', '2', '--poll-seconds', '30')).resolves.toBe(3);
    expect(out.stdout).toContain(`Gave up after 2 minute(s): ${buildIdOf(build)} is still IN_PROGRESS.`);
  });

  it('wait follows a build another run started until it ends: exit 0 on SUCCESS, 1 on FAILED', async () => {
    let executionArn = '';
    const { cli, out, builds, starter } = aCli((elapsedMs) => {
      if (elapsedMs === 15_000) starter.complete(executionArn, { status: 'ABORTED' });
    });
    const succeeded = await builds.create(aNewBuild());
    await builds.recordCompletion(succeeded, { status: 'SUCCESS' }, new Date());
    const aborted = await builds.create(aNewBuild());
    const input = serializeStepFunctionInput(anInputFor(aborted));
    executionArn = (await starter.start({ name: executionName(aborted), input })).executionArn;
    await builds.recordStart(aborted, executionArn, new Date());

    await expect(cli('wait', buildIdOf(succeeded))).resolves.toBe(0);
    expect(out.stdout).toMatch(/^\S+ \S+Z {2}build SUCCESS\n/);
    expect(out.stdout).toContain(`${buildIdOf(succeeded)} ended SUCCESS\n`);
    out.stdout = '';

    await expect(cli('wait', buildIdOf(aborted), '--reconcile-after-seconds', '0', '--json')).resolves.toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({
      buildId: buildIdOf(aborted),
      result: 'FAILED',
      build: { status: 'FAILED', errorMsg: 'execution ABORTED' },
      execution: { status: 'ABORTED' },
    });
    expect(JSON.parse(out.stdout)).not.toHaveProperty('outcome');
  });

  it('wait gives up after --timeout-minutes with exit 3, the build still open; a missing build exits 1', async () => {
    const { cli, out, builds } = aCli();
    const pending = await builds.create(aNewBuild());

    await expect(cli('wait', buildIdOf(pending), '--timeout-minutes', '1', '--json')).resolves.toBe(3);
    expect(JSON.parse(out.stdout)).toMatchObject({ buildId: buildIdOf(pending), result: 'timed-out', build: { status: 'PENDING' } });
    await expect(cli('wait', buildIdOf(aNewBuild()))).resolves.toBe(1);
    expect(out.stderr).toContain('does not exist');
  });

  it("--version prints the version of the package's own package.json", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { cli, out, composed } = aCli();

    await expect(cli('--version')).resolves.toBe(0);
    expect(out.stdout).toBe(`${version}\n`);
    out.stdout = '';
    await expect(cli('--version', '--json')).resolves.toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ version });
    await expect(cli('--help')).resolves.toBe(0);
    expect(out.stdout).toContain(`aws-deployer-orchestrator --version`);
    expect(composed()).toBe(0);
  });

  it('--limit: a negative, zero or fractional value, or none, gets a usage error that says what --limit takes', async () => {
    const { cli, out } = aCli();
    const messages: string[] = [];
    for (const limit of [['-5'], ['--limit=-5'], ['0'], ['2.5'], [], ['--json']]) {
      out.stderr = '';
      const argv = limit[0]?.startsWith('--limit=') ? ['list', 'myapp', 'prd', ...limit] : ['list', 'myapp', 'prd', '--limit', ...limit];
      await expect(cli(...argv), argv.join(' ')).resolves.toBe(2);
      messages.push(out.stderr.split('\n')[0] ?? '');
    }

    expect(messages).toEqual([
      'aws-deployer-orchestrator: --limit must be an integer from 1 to 1000, got "-5"',
      'aws-deployer-orchestrator: --limit must be an integer from 1 to 1000, got "-5"',
      'aws-deployer-orchestrator: --limit must be an integer from 1 to 1000, got "0"',
      'aws-deployer-orchestrator: --limit must be an integer from 1 to 1000, got "2.5"',
      'aws-deployer-orchestrator: --limit needs a value',
      '{"error":{"code":"USAGE","message":"--limit needs a value (one that starts with \\"-\\" goes as --limit=VALUE)"}}',
    ]);
  });

  it('complete refuses --error-msg with --status SUCCESS, naming --error-msg; nothing is recorded', async () => {
    const { cli, out, builds } = aCli();
    const build = await builds.create(aNewBuild());

    await expect(cli('complete', buildIdOf(build), '--status', 'SUCCESS', '--error-msg', 'x')).resolves.toBe(2);
    expect(out.stderr).toContain('--error-msg goes only with --status FAILED');
    await expect(builds.get(build)).resolves.toMatchObject({ status: 'PENDING' });
  });

  it('reconcile prints in text what the sweep left alone as not-a-build', async () => {
    const { cli, out, starter } = aCli();
    const { executionArn } = await starter.startByHand({ name: 'by-hand', input: '{"note":"an operator\'s run"}' });
    starter.complete(executionArn, 'SUCCEEDED');

    await expect(cli('reconcile')).resolves.toBe(0);
    expect(out.stdout).toContain("Not a build's execution (not-a-build), left alone:\n");
    expect(out.stdout).toContain(`  execution ${executionArn} has no build input\n`);
  });

  it("accepts on every command every flag docs/cli.md's Configuration section says every command accepts", async () => {
    const docs = readFileSync(new URL('../../../../docs/cli.md', import.meta.url), 'utf8');
    const configuration = docs.slice(docs.indexOf('## Configuration'), docs.indexOf('## Output, logs and exit codes'));
    expect(configuration).toContain('Every command accepts every flag of this table');
    const documented = [...configuration.matchAll(/^\| `(--[a-z0-9-]+)(?: <[^>]+>)?` \|/gm)].map((match) => match[1] ?? '');
    expect(documented).toEqual([
      '--table',
      '--state-machine-arn',
      '--s3-bucket',
      '--region',
      '--dynamodb-endpoint',
      '--sfn-endpoint',
      '--idempotency-table',
    ]);
    const values: Readonly<Record<string, string>> = {
      '--table': 'builds',
      '--state-machine-arn': STATE_MACHINE_ARN,
      '--s3-bucket': 'my-artifacts',
      '--region': 'us-east-1',
      '--dynamodb-endpoint': 'http://127.0.0.1:8000',
      '--sfn-endpoint': 'http://127.0.0.1:8083',
      '--idempotency-table': 'idempotency',
    };
    const everyFlag = [...documented.flatMap((flag) => [flag, values[flag] ?? '']), '--json', '--verbose'];
    const cli_ = aCli();
    const { cli, out, builds } = cli_;
    const older = await builds.create(aNewBuild({ version: '1.0.0' }));
    await builds.recordCompletion(older, { status: 'SUCCESS' }, new Date());
    const build = await builds.create(aNewBuild({ repo: older.repo, env: older.env }));
    await builds.recordCompletion(build, { status: 'SUCCESS' }, new Date());
    const waiting = await builds.create(aNewBuild());
    const failed = await aRunningBuild(cli_);
    cli_.starter.complete(failed.executionArn, { status: 'TIMED_OUT' });
    await builds.recordCompletion(failed.build, { status: 'FAILED', errorMsg: 'execution TIMED_OUT' }, new Date());
    const argumentsOf: Readonly<Record<string, readonly string[]>> = {
      start: [buildIdOf(build)],
      wait: [buildIdOf(build)],
      get: [buildIdOf(build)],
      list: [build.repo, build.env],
      latest: [build.env],
      complete: [buildIdOf(build), '--status', 'SUCCESS'],
      reconcile: [],
      sweep: [],
      create: [build.repo, build.env, '--branch', 'main', '--version', '7.abc', '--commit-hash', 'abc'],
      locks: [],
      unlock: [build.repo, build.env, '--by', 'alice'],
      redeploy: [buildIdOf(build)],
      rollback: [build.repo, build.env],
      redrive: [buildIdOf(failed.build)],
      cancel: [buildIdOf(waiting)],
    };

    for (const command of COMMANDS.map((candidate) => candidate.spec.name)) {
      out.stderr = '';
      const code = await cli(command, ...(argumentsOf[command] ?? []), ...everyFlag);
      // start exits 1 (the build is no longer PENDING): what matters is that it ran.
      const errors = out.stderr.split('\n').filter((line) => line.startsWith('{"error"'));
      expect({ command, code, errors }).toEqual({ command, code: command === 'start' ? 1 : 0, errors: [] });
    }
  });

  it('composes nothing for help and usage errors', async () => {
    const { cli, composed } = aCli();

    await expect(cli('get', '--help')).resolves.toBe(0);
    await expect(cli('get', 'myapp/prd')).resolves.toBe(2);
    await expect(cli('list', 'myapp', 'prd', '--limit', 'ten')).resolves.toBe(2);
    expect(composed()).toBe(0);
  });
});

describe('run: create', () => {
  it("records a PENDING build as the upload function does (KSUID sk, build_number, stack_name) and prints its id", async () => {
    const { cli, out, builds, clock } = aCli();

    await expect(cli('create', 'myapp', 'dev', '--branch', 'main', '--version', '42.abc1234', '--commit-hash', 'abc1234')).resolves.toBe(0);
    const id = out.stdout.trim();
    expect(out.stdout).toMatch(/^myapp\/dev:[0-9A-Za-z]{27}\n$/);
    const key = parseBuildId(id);
    await expect(builds.get(key)).resolves.toMatchObject({
      status: 'PENDING',
      branch: 'main',
      version: '42.abc1234',
      commitHash: 'abc1234',
      buildNumber: '42',
      stackName: 'dev-myapp',
      createdAt: clock.now(),
    });
    // A KSUID of the second the build was created in: between that second's smallest and the next one's.
    const zeros = new Uint8Array(16);
    expect(key.sk >= ksuidOf(clock.now(), zeros) && key.sk < ksuidOf(new Date(clock.now().getTime() + 1000), zeros)).toBe(true);
  });

  it('--json prints the build, buildNumber a string (the part of the version before its first dot)', async () => {
    const { cli, out } = aCli();

    await expect(cli('create', 'myapp', 'dev', '--branch', 'main', '--version', '7', '--commit-hash', 'feed', '--json')).resolves.toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      id: expect.stringMatching(/^myapp\/dev:[0-9A-Za-z]{27}$/),
      repo: 'myapp',
      env: 'dev',
      sk: expect.stringMatching(/^[0-9A-Za-z]{27}$/),
      status: 'PENDING',
      branch: 'main',
      version: '7',
      commitHash: 'feed',
      buildNumber: '7',
      stackName: 'dev-myapp',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('refuses a missing or invalid field with exit 2, naming its flag or argument, and writes nothing', async () => {
    const { cli, out, builds, composed } = aCli();
    const messages: string[] = [];
    for (const argv of [
      ['create', 'myapp', 'dev', '--version', '1.2.3', '--commit-hash', 'abc'],
      ['create', 'my/app', 'dev', '--branch', 'main', '--version', '1.2.3', '--commit-hash', 'abc'],
      ['create', 'myapp', 'dev', '--branch', 'main', '--version', '1.2.3', '--commit-hash', ''],
      ['create', 'myapp'],
    ]) {
      out.stderr = '';
      await expect(cli(...argv), argv.join(' ')).resolves.toBe(2);
      messages.push(out.stderr.split('\n')[0] ?? '');
    }

    expect(messages).toEqual([
      'aws-deployer-orchestrator: missing --branch',
      expect.stringMatching(/^aws-deployer-orchestrator: Invalid repo: /),
      'aws-deployer-orchestrator: Invalid commit-hash: must not be empty',
      'aws-deployer-orchestrator: missing argument <env>',
    ]);
    await expect(builds.listBuilds('myapp', 'dev')).resolves.toMatchObject({ builds: [] });
    expect(composed()).toBe(0);
  });
});

describe('run: complete while the execution runs', () => {
  it('refuses FAILED and SUCCESS while the execution is RUNNING, naming it and --force, with exit 1; --force records it', async () => {
    const cli = aCli();
    const { build, executionArn } = await aRunningBuild(cli);
    const id = buildIdOf(build);

    for (const status of ['FAILED', 'SUCCESS']) {
      cli.out.stdout = '';
      await expect(cli.cli('complete', id, '--status', status)).resolves.toBe(1);
      expect(cli.out.stdout).toContain(`${id} was not changed to ${status}: its execution ${executionArn} is still RUNNING`);
      expect(cli.out.stdout).toContain('add --force');
    }
    cli.out.stdout = '';
    await expect(cli.cli('complete', id, '--status', 'FAILED', '--json')).resolves.toBe(1);
    expect(JSON.parse(cli.out.stdout)).toEqual({
      buildId: id,
      outcome: 'execution-running',
      status: 'IN_PROGRESS',
      executionArn,
      executionStatus: 'RUNNING',
      reason: expect.stringContaining('--force'),
    });
    await expect(cli.builds.get(build)).resolves.toMatchObject({ status: 'IN_PROGRESS' });

    cli.out.stdout = '';
    await expect(cli.cli('complete', id, '--status', 'FAILED', '--error-msg', 'stopped by hand', '--force')).resolves.toBe(0);
    expect(cli.out.stdout).toBe(`${id} is now FAILED.\n`);
  });

  it('records the end once the execution has closed; asks about the derived name of a build that records no execution', async () => {
    const cli = aCli();
    const closed = await aRunningBuild(cli);
    cli.starter.complete(closed.executionArn, 'SUCCEEDED');
    // Started, its start not recorded yet: PENDING, no ARN, an execution under its name.
    const unrecorded = await cli.builds.create(aNewBuild(), cli.clock.now());
    await cli.starter.start({ name: executionName(unrecorded), input: serializeStepFunctionInput(anInputFor(unrecorded)) });

    await expect(cli.cli('complete', buildIdOf(closed.build), '--status', 'SUCCESS')).resolves.toBe(0);
    await expect(cli.cli('complete', buildIdOf(unrecorded), '--status', 'FAILED')).resolves.toBe(1);
    expect(cli.out.stdout).toContain(`its execution ${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${executionName(unrecorded)} is still RUNNING`);
  });

  it('without a state machine configured, checks only the execution a build records', async () => {
    const cli = aCli(undefined, { STATE_MACHINE_ARN: undefined });
    const recorded = await aRunningBuild(cli);
    const unrecorded = await cli.builds.create(aNewBuild(), cli.clock.now());
    await cli.starter.start({ name: executionName(unrecorded), input: serializeStepFunctionInput(anInputFor(unrecorded)) });

    await expect(cli.cli('complete', buildIdOf(recorded.build), '--status', 'SUCCESS')).resolves.toBe(1);
    await expect(cli.cli('complete', buildIdOf(unrecorded), '--status', 'FAILED')).resolves.toBe(0);
  });
});

describe('run: sweep', () => {
  it('ends IN_PROGRESS builds whose execution ended, and lists the PENDING builds it cannot start without a bucket', async () => {
    const cli = aCli(undefined, { ARTIFACT_BUCKET: undefined });
    const ended = await aRunningBuild(cli);
    cli.starter.complete(ended.executionArn, { status: 'FAILED', error: 'States.Timeout', cause: 'took too long' });
    await aRunningBuild(cli);
    const pending = await cli.builds.create(aNewBuild(), cli.clock.now());
    cli.clock.advance(10 * 60_000);
    const fresh = await cli.builds.create(aNewBuild(), cli.clock.now());

    await expect(cli.cli('sweep')).resolves.toBe(0);
    const text = cli.out.stdout;
    expect(text).toMatch(/^Swept the open builds last updated over 5 minute\(s\) ago, from the status index\.\n/);
    expect(text).toMatch(/^Examined:\s+3$/m);
    expect(text).toMatch(/^Completed:\s+1$/m);
    expect(text).toMatch(/^Started:\s+0$/m);
    expect(text).toMatch(/^PENDING not started:\s+1$/m);
    expect(text).toContain('PENDING builds not started (no --s3-bucket, ARTIFACT_BUCKET)');
    expect(text).toMatch(new RegExp(`^${buildIdOf(pending)}\\s+PENDING\\s`, 'm'));
    expect(text).not.toContain(buildIdOf(fresh));
    await expect(cli.builds.get(ended.build)).resolves.toMatchObject({ status: 'FAILED', errorMsg: 'execution FAILED: States.Timeout: took too long' });
    await expect(cli.builds.get(pending)).resolves.toMatchObject({ status: 'PENDING' });

    cli.out.stdout = '';
    await expect(cli.cli('sweep', '--grace-minutes', '0', '--json')).resolves.toBe(0);
    const summary = JSON.parse(cli.out.stdout) as { pendingBuilds: Array<{ id: string }> };
    expect(summary).toMatchObject({ mode: 'status-index', graceMinutes: 0, examined: 3, completed: 0, pendingNotStarted: 2 });
    expect(summary.pendingBuilds.map((build) => build.id).sort()).toEqual([buildIdOf(pending), buildIdOf(fresh)].sort());
  });

  it('starts PENDING builds with --s3-bucket, as trigger-build would', async () => {
    const cli = aCli(undefined, { ARTIFACT_BUCKET: undefined });
    const pending = await cli.builds.create(aNewBuild(), cli.clock.now());
    cli.clock.advance(6 * 60_000);

    await expect(cli.cli('sweep', '--s3-bucket', 'my-artifacts', '--json')).resolves.toBe(0);
    expect(JSON.parse(cli.out.stdout)).toMatchObject({ examined: 1, started: 1, pendingNotStarted: 0, artifactBucket: 'my-artifacts' });
    expect(JSON.parse(cli.out.stdout)).not.toHaveProperty('pendingBuilds');
    await expect(cli.builds.get(pending)).resolves.toMatchObject({ status: 'IN_PROGRESS' });
    expect(JSON.parse(cli.starter.executions[0]?.input ?? '{}')).toMatchObject({ s3_bucket: 'my-artifacts' });
  });

  it('stops reading after --time-budget-seconds and prints the continuation, which --continuation takes up', async () => {
    const cli = aCli();
    for (let index = 0; index < 2; index += 1) cli.starter.complete((await aRunningBuild(cli)).executionArn, 'SUCCEEDED');
    cli.clock.advance(6 * 60_000);
    // Each page takes 2 s.
    const list = cli.builds.listBuildsByStatus.bind(cli.builds);
    vi.spyOn(cli.builds, 'listBuildsByStatus').mockImplementation(async (...args) => {
      cli.clock.advance(2_000);
      return list(...args);
    });

    await expect(cli.cli('sweep', '--page-size', '1', '--time-budget-seconds', '1')).resolves.toBe(0);
    expect(cli.out.stdout).toMatch(/^Completed:\s+1$/m);
    const continuation = /^The time budget \(1 s\) ran out\. More: --continuation (\S+)$/m.exec(cli.out.stdout)?.[1];
    expect(continuation).toEqual(expect.any(String));

    cli.out.stdout = '';
    await expect(cli.cli('sweep', '--continuation', continuation ?? '', '--json')).resolves.toBe(0);
    expect(JSON.parse(cli.out.stdout)).toMatchObject({ completed: 1 });
    expect(JSON.parse(cli.out.stdout)).not.toHaveProperty('continuation');
  });

  it('refuses out-of-range settings with exit 2, naming the flag', async () => {
    const { cli, out } = aCli();
    for (const [flag, value] of [['--page-size', '0'], ['--grace-minutes', '-1'], ['--time-budget-seconds', 'soon']] as const) {
      out.stderr = '';
      await expect(cli('sweep', flag, value)).resolves.toBe(2);
      expect(out.stderr).toContain(`${flag} must be`);
    }
  });
});

describe('run: reconcile says what it could not see', () => {
  it('names the window it read and counts the open builds from before it, from the status index', async () => {
    const cli = aCli();
    await aRunningBuild(cli);
    await cli.builds.create(aNewBuild(), cli.clock.now());
    cli.clock.advance(30 * 60 * 60_000);
    const since = formatTime(new Date(cli.clock.now().getTime() - 24 * 60 * 60_000));

    await expect(cli.cli('reconcile')).resolves.toBe(0);
    const lines = cli.out.stdout.split('\n');
    expect(lines[1]).toBe(`Window: executions started since ${since}. Builds whose execution started earlier, or never started, are the sweep command's.`);
    expect(lines[2]).toBe(`Open builds last updated before ${since}: 2 (1 IN_PROGRESS, 1 PENDING); run 'aws-deployer-orchestrator sweep' for them.`);

    cli.out.stdout = '';
    await expect(cli.cli('reconcile', '--max-executions', '1', '--json')).resolves.toBe(0);
    expect(JSON.parse(cli.out.stdout)).toMatchObject({
      lookbackHours: 24,
      since: new Date(cli.clock.now().getTime() - 24 * 60 * 60_000).toISOString(),
      maxExecutions: 1,
      reachedMaxExecutions: true,
      openBuildsBeforeWindow: { known: true, inProgress: 1, pending: 1, more: false },
    });
  });

  it('says when it cannot tell: a table without the status index', async () => {
    const cli = aCli();
    vi.spyOn(cli.builds, 'listBuildsByStatus').mockRejectedValue(new BuildsByStatusUnavailableError());

    await expect(cli.cli('reconcile')).resolves.toBe(0);
    expect(cli.out.stdout.split('\n')[2]).toMatch(/^Open builds last updated before \S+ \S+Z: could not tell \(.+\)\.$/);
    expect(cli.out.stdout).toContain('Open builds last updated before');
    const none = aCli();
    await expect(none.cli('reconcile')).resolves.toBe(0);
    expect(none.out.stdout.split('\n')[2]).toMatch(/^Open builds last updated before \S+ \S+Z: none\.$/);
  });
});

describe('run: AWS problems', () => {
  /** An error as the SDK makes one for a service's answer it has no class for. */
  const serviceError = (name: string, message: string, httpStatusCode = 400) =>
    new DynamoDBServiceException({ name, message, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode } });
  /** A network error as Node's sockets raise it and the SDK passes it on (with its retry metadata). */
  const networkError = (code: string, message: string, details: Readonly<Record<string, unknown>>) =>
    Object.assign(new Error(message), { code, ...details, $metadata: { attempts: 3, totalRetryDelay: 300 } });

  const cases: ReadonlyArray<{
    readonly what: string;
    readonly error: Error;
    readonly args?: readonly string[];
    readonly env?: Readonly<Record<string, string>>;
    readonly code: string;
    readonly message: RegExp;
  }> = [
    {
      what: 'an unknown profile',
      error: new CredentialsProviderError('Could not load credentials from any providers', { tryNextLink: false }),
      env: { AWS_PROFILE: 'nope' },
      code: 'AWS_CREDENTIALS',
      message: /^No AWS credentials from the profile "nope" in AWS_PROFILE \(Could not load credentials from any providers\): check that the profile is in ~\/\.aws\/config/,
    },
    {
      what: 'a profile the shared files do not hold',
      error: new CredentialsProviderError('Profile nope could not be found in shared credentials file.', { tryNextLink: false }),
      env: { AWS_PROFILE: 'nope' },
      code: 'AWS_CREDENTIALS',
      message: /^No AWS credentials from the profile "nope" in AWS_PROFILE \(Profile nope could not be found/,
    },
    {
      what: 'no credentials at all',
      error: new CredentialsProviderError('Could not load credentials from any providers', { tryNextLink: false }),
      code: 'AWS_CREDENTIALS',
      message: /^No AWS credentials found \(.+\): set AWS_PROFILE to a configured profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    },
    {
      what: 'credentials AWS does not know',
      error: serviceError('UnrecognizedClientException', 'The security token included in the request is invalid.'),
      code: 'AWS_CREDENTIALS',
      message: /^AWS did not accept the credentials \(UnrecognizedClientException: .+\): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN/,
    },
    {
      what: 'an endpoint nobody listens on',
      error: networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8000', { errno: -111, syscall: 'connect', address: '127.0.0.1', port: 8000 }),
      args: ['--dynamodb-endpoint', 'http://localhost:8000'],
      code: 'AWS_UNREACHABLE',
      message: /^Nothing answers from DynamoDB at http:\/\/localhost:8000 \(connect ECONNREFUSED 127\.0\.0\.1:8000\): check --dynamodb-endpoint/,
    },
    {
      what: 'an unknown region',
      error: networkError('ENOTFOUND', 'getaddrinfo ENOTFOUND dynamodb.us-moon-9.amazonaws.com', {
        errno: -3008,
        syscall: 'getaddrinfo',
        hostname: 'dynamodb.us-moon-9.amazonaws.com',
      }),
      args: ['--region', 'us-moon-9'],
      code: 'AWS_UNREACHABLE',
      message: /^Could not reach DynamoDB \(dynamodb\.us-moon-9\.amazonaws\.com\) \(.+\): check --region \(AWS_REGION, now us-moon-9: is it an AWS region\?\), the network/,
    },
    {
      what: 'no network',
      error: networkError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN states.us-east-1.amazonaws.com', { hostname: 'states.us-east-1.amazonaws.com' }),
      code: 'AWS_UNREACHABLE',
      message: /^Could not reach Step Functions \(states\.us-east-1\.amazonaws\.com\) .+the network \(DNS, proxy, firewall\)$/,
    },
    {
      what: 'access denied',
      error: serviceError('AccessDeniedException', 'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: dynamodb:GetItem'),
      env: { AWS_PROFILE: 'ops' },
      code: 'AWS_ACCESS_DENIED',
      message: /^AWS denied the request \(AccessDeniedException: .+\): the credentials in use \(AWS_PROFILE=ops\) lack a permission; docs\/cli\.md, "IAM policy"/,
    },
    {
      what: 'throttling that outlasted the retries',
      error: new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput.', $metadata: { httpStatusCode: 400, attempts: 3 } }),
      code: 'AWS_THROTTLED',
      message: /^AWS throttled the requests beyond the SDK's retries \(ThrottlingException: .+\): try again later, or allow more attempts with AWS_MAX_ATTEMPTS$/,
    },
    {
      what: 'provisioned throughput exceeded',
      error: new ProvisionedThroughputExceededException({ message: 'Throughput exceeds the current capacity.', $metadata: { httpStatusCode: 400 } }),
      code: 'AWS_THROTTLED',
      message: /^AWS throttled the requests/,
    },
    {
      what: "another service error",
      error: new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } }),
      code: 'AWS_ERROR',
      message: /^AWS answered InternalServerError: Internal server error$/,
    },
    {
      what: 'the table not found',
      error: new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: { httpStatusCode: 400 } }),
      args: ['--region', 'eu-west-1'],
      code: 'TABLE_NOT_FOUND',
      message: /^The builds table builds was not found in eu-west-1 .*check --table \(BUILDS_TABLE_NAME\), --region/,
    },
  ];

  it.each(cases)('restates $what with what fixes it, exit 4', async ({ error, args = [], env = {}, code, message }) => {
    const { cli, out, builds } = aCli(undefined, env);
    const build = await builds.create(aNewBuild());
    vi.spyOn(builds, 'get').mockRejectedValue(error);

    await expect(cli('get', buildIdOf(build), ...args)).resolves.toBe(4);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^aws-deployer-orchestrator: /);
    expect(out.stderr.replace(/^aws-deployer-orchestrator: /, '').trimEnd()).toMatch(message);
    expect(out.stderr).not.toContain('--help');
    out.stderr = '';
    await expect(cli('get', buildIdOf(build), ...args, '--json')).resolves.toBe(4);
    expect(JSON.parse(out.stderr)).toEqual({ error: { code, message: expect.stringMatching(message) } });
  });

  it('names the real SDK classes it reads by name', () => {
    expect(new CredentialsProviderError('x').name).toBe('CredentialsProviderError');
    expect(new ThrottlingException({ message: 'x', $metadata: {} }).name).toBe('ThrottlingException');
    expect(new ProvisionedThroughputExceededException({ message: 'x', $metadata: {} }).name).toBe('ProvisionedThroughputExceededException');
    expect(new ResourceNotFoundException({ message: 'x', $metadata: {} }).name).toBe('ResourceNotFoundException');
    expect(new InternalServerError({ message: 'x', $metadata: {} }).$fault).toBe('server');
  });

  it('a missing or malformed region is a usage error (exit 2) naming --region and AWS_REGION', async () => {
    const { cli, out, builds } = aCli(undefined, { AWS_PROFILE: 'nope' });
    const build = await builds.create(aNewBuild());
    const get = vi.spyOn(builds, 'get');

    get.mockRejectedValueOnce(new Error('Region is missing'));
    await expect(cli('get', buildIdOf(build))).resolves.toBe(2);
    expect(out.stderr).toContain('missing the AWS region: pass --region or set AWS_REGION (the profile "nope" in AWS_PROFILE gives none');
    out.stderr = '';
    get.mockRejectedValueOnce(new Error('Region not accepted: region="moon base" is not a valid hostname component.'));
    await expect(cli('get', buildIdOf(build), '--region', 'moon base')).resolves.toBe(2);
    expect(out.stderr).toContain('invalid AWS region "moon base": check --region (AWS_REGION)');
  });

  it("keeps exit 1 for what is no AWS problem: the operation's own failure, a bug", async () => {
    const { cli, out, builds } = aCli();
    const build = await builds.create(aNewBuild());
    vi.spyOn(builds, 'get').mockRejectedValueOnce(new TypeError('x is not a function'));

    await expect(cli('get', buildIdOf(build))).resolves.toBe(1);
    await expect(cli('get', buildIdOf(aNewBuild()))).resolves.toBe(1);
    expect(out.stderr).toContain('does not exist');
  });

  it('start: an execution not started for want of AWS (the build stays PENDING) exits 4 with the cause restated', async () => {
    const { cli, out, builds, starter } = aCli();
    const build = await builds.create(aNewBuild());
    const refused = networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8083', { address: '127.0.0.1', port: 8083 });
    vi.spyOn(starter, 'start').mockRejectedValueOnce(new TransientExecutionStartError('ECONNREFUSED', refused.message, { cause: refused }));

    await expect(cli('start', buildIdOf(build), '--sfn-endpoint', 'http://127.0.0.1:8083', '--json')).resolves.toBe(4);
    expect(JSON.parse(out.stdout)).toEqual({
      buildId: buildIdOf(build),
      outcome: 'not-started',
      status: 'PENDING',
      reason: expect.stringMatching(/^Nothing answers from Step Functions at http:\/\/127\.0\.0\.1:8083 .*check --sfn-endpoint/),
    });
    await expect(builds.get(build)).resolves.toMatchObject({ status: 'PENDING' });
  });
});

describe('run: logs', () => {
  /** `run` with services composed on the logger it makes, as compose.ts does. */
  function aCliWithItsLogger() {
    const cli = aCli();
    const inspector = new InMemoryExecutionInspector(cli.starter);
    const run_ = (...argv: string[]) =>
      run(argv, ioOf(cli), {
        loadComposition: async () => (_config, logger) =>
          servicesOf(createContainer({ buildRepository: cli.builds, executionStarter: cli.starter, executionInspector: inspector, clock: cli.clock, logger })),
      });
    return { ...cli, run: run_ };
  }

  function ioOf(cli: ReturnType<typeof aCli>): CliIo {
    return {
      stdout: { write: (text: string) => (cli.out.stdout += text) },
      stderr: { write: (text: string) => (cli.out.stderr += text) },
      env: { BUILDS_TABLE_NAME: 'builds', STATE_MACHINE_ARN, ARTIFACT_BUCKET: 'my-artifacts' },
      now: () => cli.clock.now(),
      sleep: async (ms) => cli.clock.advance(ms),
    };
  }

  it('writes no log line on stdout in text mode: logs go to stderr, warn and up by default, info with --verbose', async () => {
    const cli = aCliWithItsLogger();
    const reported = await aRunningBuild(cli);
    const unreported = await aRunningBuild(cli);
    cli.starter.complete(reported.executionArn, 'SUCCEEDED');
    cli.starter.complete(unreported.executionArn, { status: 'ABORTED' });
    const pending = await cli.builds.create(aNewBuild(), cli.clock.now());
    cli.clock.advance(10 * 60_000);
    const logLines = (text: string) => text.split('\n').filter((line) => line.startsWith('{"level"'));

    await expect(cli.run('complete', buildIdOf(reported.build), '--status', 'SUCCESS')).resolves.toBe(0);
    expect(cli.out).toEqual({ stdout: `${buildIdOf(reported.build)} is now SUCCESS.\n`, stderr: '' });
    cli.out.stdout = '';
    await expect(cli.run('create', 'myapp', 'dev', '--branch', 'main', '--version', '1.2', '--commit-hash', 'abc', '--verbose')).resolves.toBe(0);
    await expect(cli.run('get', buildIdOf(pending), '--verbose')).resolves.toBe(0);
    await expect(cli.run('sweep', '--verbose')).resolves.toBe(0);
    await expect(cli.run('reconcile', '--verbose')).resolves.toBe(0);
    await expect(cli.run('list', '--status', 'PENDING', '--verbose')).resolves.toBe(0);

    expect(logLines(cli.out.stdout)).toEqual([]);
    expect(cli.out.stdout).not.toMatch(/"level"/);
    const levels = logLines(cli.out.stderr).map((line) => (JSON.parse(line) as { level: string }).level);
    expect(levels).toContain('WARN');
    expect(levels).toContain('INFO');
  });
});

describe('run: --concurrency', () => {
  const STARTING_OR_ENDING = ['start', 'wait', 'complete', 'reconcile', 'sweep', 'redeploy', 'rollback', 'redrive', 'cancel'];

  it('is taken by the commands that start or end builds, and by no other', () => {
    const taking = COMMANDS.filter((command) => 'concurrency' in command.spec.options).map((command) => command.spec.name);
    expect(taking.sort()).toEqual([...STARTING_OR_ENDING].sort());
  });

  it('reaches the services: the flag, then DEPLOYMENT_CONCURRENCY, then queue; nothing for commands that start or end no build', async () => {
    const policyOf = async (env: Readonly<Record<string, string>>, ...argv: string[]) => {
      const cli = aCli(undefined, env);
      const build = await cli.builds.create(aNewBuild(), cli.clock.now());
      await cli.builds.recordCompletion(build, { status: 'SUCCESS' }, cli.clock.now());
      const args: Readonly<Record<string, readonly string[]>> = {
        start: [buildIdOf(build)],
        wait: [buildIdOf(build)],
        complete: [buildIdOf(build), '--status', 'SUCCESS'],
        get: [buildIdOf(build)],
        unlock: [build.repo, build.env, '--by', 'alice'],
        redeploy: [buildIdOf(build)],
        rollback: [build.repo, build.env],
        redrive: [buildIdOf(build)],
        cancel: [buildIdOf(build)],
      };
      await cli.cli(...argv.flatMap((arg) => (arg in args ? [arg, ...(args[arg] ?? [])] : [arg])));
      return cli.configs.map((config) => config.concurrency);
    };

    for (const command of STARTING_OR_ENDING) {
      await expect(policyOf({}, command), command).resolves.toEqual(['queue']);
      await expect(policyOf({ DEPLOYMENT_CONCURRENCY: 'supersede' }, command), command).resolves.toEqual(['supersede']);
      await expect(policyOf({ DEPLOYMENT_CONCURRENCY: 'supersede' }, command, '--concurrency', 'parallel'), command).resolves.toEqual(['parallel']);
    }
    await expect(policyOf({ DEPLOYMENT_CONCURRENCY: 'supersede' }, 'get')).resolves.toEqual([undefined]);
    await expect(policyOf({ DEPLOYMENT_CONCURRENCY: 'bogus' }, 'unlock')).resolves.toEqual([undefined]);
  });

  it('a policy that is none is a usage error (exit 2) naming --concurrency (or DEPLOYMENT_CONCURRENCY) and the policies; nothing is composed', async () => {
    const cli = aCli();
    const build = await cli.builds.create(aNewBuild(), cli.clock.now());

    await expect(cli.cli('start', buildIdOf(build), '--concurrency', 'serial')).resolves.toBe(2);
    expect(cli.out.stderr).toContain('aws-deployer-orchestrator: --concurrency must be one of queue, supersede, parallel, got "serial"\n');
    expect(cli.out.stderr).toContain("Run 'aws-deployer-orchestrator start --help' for usage.");
    cli.out.stderr = '';
    await expect(cli.cli('sweep', '--concurrency', 'Queue', '--json')).resolves.toBe(2);
    expect(JSON.parse(cli.out.stderr)).toEqual({
      error: { code: 'USAGE', message: '--concurrency must be one of queue, supersede, parallel, got "Queue"' },
    });
    const fromEnv = aCli(undefined, { DEPLOYMENT_CONCURRENCY: 'fifo' });
    await expect(fromEnv.cli('reconcile')).resolves.toBe(2);
    expect(fromEnv.out.stderr).toContain('DEPLOYMENT_CONCURRENCY must be one of queue, supersede, parallel, got "fifo" (or pass --concurrency');
    await expect(fromEnv.cli('reconcile', '--concurrency', 'queue')).resolves.toBe(0);
    // A command that starts and ends no build does not take it.
    await expect(cli.cli('get', buildIdOf(build), '--concurrency', 'queue')).resolves.toBe(2);
    expect(cli.out.stderr).toContain('unknown option --concurrency');
    expect(cli.composed()).toBe(0);
    await expect(cli.builds.get(build)).resolves.toMatchObject({ status: 'PENDING' });
  });

  it('the services follow it: under parallel two builds of one environment start at once, under queue the second waits', async () => {
    const scope = aUniqueScope();
    const cli = aCli();
    const first = await cli.builds.create(aNewBuild(scope), cli.clock.now());
    const second = await cli.builds.create(aNewBuild(scope), cli.clock.now());
    const third = await cli.builds.create(aNewBuild(scope), cli.clock.now());

    await expect(cli.cli('start', buildIdOf(first), '--concurrency', 'parallel')).resolves.toBe(0);
    await expect(cli.cli('start', buildIdOf(second), '--concurrency', 'parallel')).resolves.toBe(0);
    await expect(cli.builds.get(second)).resolves.toMatchObject({ status: 'IN_PROGRESS' });
    await expect(cli.builds.getEnvironmentLock(scope.repo, scope.env)).resolves.toBeUndefined();
    await expect(cli.cli('start', buildIdOf(third))).resolves.toBe(0);
    // queue (the default): the running builds started outside the lock hold it; the third waits.
    await expect(cli.builds.get(third)).resolves.toMatchObject({ status: 'PENDING' });
    expect(cli.out.stdout).toContain(`Not started yet: ${buildIdOf(third)} waits for`);
  });

  it('compose.ts gives createAwsContainer the policy the command resolved', () => {
    const logger = new RecordingLogger();
    expect(awsContainerOptionsOf({ tableName: 'builds', concurrency: 'supersede' }, logger)).toMatchObject({ tableName: 'builds', concurrency: 'supersede' });
    expect(awsContainerOptionsOf({ tableName: 'builds' }, logger).concurrency).toBeUndefined();
  });
});

/** Two builds of one environment under queue: the first deploys and holds the lock, the second waits for it. */
async function aBusyEnvironment(cli: ReturnType<typeof aCli>) {
  const scope = aUniqueScope();
  const holder = await cli.builds.create(aNewBuild(scope), cli.clock.now());
  const waiting = await cli.builds.create(aNewBuild(scope), cli.clock.now());
  await expect(cli.services.trigger.trigger(holder, { s3Bucket: 'my-artifacts' })).resolves.toMatchObject({ outcome: 'started' });
  const executionArn = (await cli.builds.get(holder))?.executionArn ?? '';
  return { scope, holder, waiting, executionArn };
}

describe('run: start while the environment deploys another build (queue, supersede)', () => {
  it('says the build waits for the holder, exit 0; JSON: outcome waiting, status PENDING, holder', async () => {
    const cli = aCli();
    const { scope, holder, waiting } = await aBusyEnvironment(cli);

    await expect(cli.cli('start', buildIdOf(waiting))).resolves.toBe(0);
    expect(cli.out.stdout).toBe(
      `Not started yet: ${buildIdOf(waiting)} waits for ${buildIdOf(holder)} (${scope.repo}/${scope.env} deploys one build at a time); it starts in its turn.\n`,
    );
    cli.out.stdout = '';
    await expect(cli.cli('start', buildIdOf(waiting), '--concurrency', 'supersede', '--json')).resolves.toBe(0);
    expect(JSON.parse(cli.out.stdout)).toEqual({ buildId: buildIdOf(waiting), outcome: 'waiting', status: 'PENDING', holder: buildIdOf(holder) });
    await expect(cli.builds.get(waiting)).resolves.toMatchObject({ status: 'PENDING', waitingFor: buildIdOf(holder) });
  });

  it('--wait follows it through its turn: started by the hand-off once the holder ends, then to its own end', async () => {
    const state: { busy?: Awaited<ReturnType<typeof aBusyEnvironment>> } = {};
    const handedOff: Promise<unknown>[] = [];
    const cli = aCli((elapsedMs) => {
      if (!state.busy) return;
      const { services, starter, builds } = cli;
      const { holder, waiting, executionArn, scope } = state.busy;
      // The holder's deployment ends and reports; the release's stream record hands the environment on.
      if (elapsedMs === 10_000) {
        starter.complete(executionArn, 'SUCCEEDED');
        handedOff.push(
          services.completions
            .record(holder, { status: 'SUCCESS' })
            .then(() => services.trigger.triggerNext(scope, { s3Bucket: 'my-artifacts' })),
        );
      }
      if (elapsedMs === 30_000) {
        handedOff.push(
          builds.get(waiting).then((build) => {
            starter.complete(build?.executionArn ?? '', 'SUCCEEDED');
            return services.completions.record(waiting, { status: 'SUCCESS' });
          }),
        );
      }
    });
    state.busy = await aBusyEnvironment(cli);
    const busy = state.busy;

    await expect(cli.cli('start', buildIdOf(busy.waiting), '--wait', '--json')).resolves.toBe(0);
    await Promise.all(handedOff);
    expect(JSON.parse(cli.out.stdout)).toMatchObject({
      buildId: buildIdOf(busy.waiting),
      outcome: 'waiting',
      holder: buildIdOf(busy.holder),
      result: 'SUCCESS',
      build: { status: 'SUCCESS' },
    });
    const events = cli.out.stderr.trim().split('\n').map((line) => JSON.parse(line) as { event: string; buildStatus?: string });
    expect(events[0]).toMatchObject({ event: 'waiting', status: 'PENDING', holder: buildIdOf(busy.holder) });
    const statuses = events.map((event) => event.buildStatus).filter((status) => status !== undefined);
    expect(statuses.filter((status, index) => status !== statuses[index - 1])).toEqual(['PENDING', 'IN_PROGRESS', 'SUCCESS']);
  });
});

describe('run: get and list say what a PENDING build waits for', () => {
  it('get: "Waiting for", and who unlocked the lock a build held, and when; JSON: waitingFor, unlockedBy, unlockedAt', async () => {
    const cli = aCli(undefined, { USER: 'alice' });
    const { holder, waiting, executionArn } = await aBusyEnvironment(cli);
    await cli.services.trigger.trigger(waiting, { s3Bucket: 'my-artifacts' });

    await expect(cli.cli('get', buildIdOf(waiting))).resolves.toBe(0);
    expect(cli.out.stdout).toMatch(new RegExp(`^Waiting for: +${escapeRegExp(buildIdOf(holder))}$`, 'm'));
    cli.out.stdout = '';
    await expect(cli.cli('get', buildIdOf(waiting), '--json')).resolves.toBe(0);
    expect(JSON.parse(cli.out.stdout)).toMatchObject({ status: 'PENDING', waitingFor: buildIdOf(holder) });

    cli.starter.complete(executionArn, { status: 'ABORTED' });
    cli.clock.advance(60_000);
    await expect(cli.cli('unlock', holder.repo, holder.env)).resolves.toBe(0);
    cli.out.stdout = '';
    await expect(cli.cli('get', buildIdOf(holder))).resolves.toBe(0);
    expect(cli.out.stdout).toMatch(new RegExp(`^Unlocked: +by ${escapeRegExp(ALICE)} at 2026-01-01 00:01:00Z$`, 'm'));
    expect(cli.out.stdout).not.toContain('Waiting for');
    cli.out.stdout = '';
    await expect(cli.cli('get', buildIdOf(holder), '--json')).resolves.toBe(0);
    expect(JSON.parse(cli.out.stdout)).toMatchObject({ status: 'IN_PROGRESS', unlockedBy: ALICE, unlockedAt: '2026-01-01T00:01:00.000Z' });
  });

  it('list (and list --status PENDING) add a NOTE column, "waiting for {holder}", only when a build waits', async () => {
    const cli = aCli();
    const { scope, holder, waiting } = await aBusyEnvironment(cli);

    await expect(cli.cli('list', scope.repo, scope.env)).resolves.toBe(0);
    expect(cli.out.stdout.split('\n')[0]).not.toContain('NOTE');
    await cli.services.trigger.trigger(waiting, { s3Bucket: 'my-artifacts' });
    cli.out.stdout = '';
    await expect(cli.cli('list', scope.repo, scope.env)).resolves.toBe(0);
    const [header, ...rows] = cli.out.stdout.split('\n');
    expect(header).toMatch(/^BUILD +STATUS +VERSION +BRANCH +COMMIT +UPDATED +NOTE$/);
    expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^${escapeRegExp(buildIdOf(waiting))} +PENDING .* waiting for ${escapeRegExp(buildIdOf(holder))}$`)));
    expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^${escapeRegExp(buildIdOf(holder))} +IN_PROGRESS .*Z$`)));
    cli.out.stdout = '';
    await expect(cli.cli('list', '--status', 'PENDING', '--json')).resolves.toBe(0);
    expect(JSON.parse(cli.out.stdout)).toMatchObject({ builds: [{ id: buildIdOf(waiting), waitingFor: buildIdOf(holder) }] });
  });
});

describe('run: unlock', () => {
  it('an environment without a lock: says so, exit 0, writes nothing', async () => {
    const cli = aCli(undefined, { USER: 'alice' });
    const releases = vi.spyOn(cli.builds, 'releaseEnvironmentLock');

    await expect(cli.cli('unlock', 'myapp', 'prd')).resolves.toBe(0);
    expect(cli.out.stdout).toBe('myapp/prd is not locked.\n');
    cli.out.stdout = '';
    await expect(cli.cli('unlock', 'myapp', 'prd', '--json')).resolves.toBe(0);
    expect(JSON.parse(cli.out.stdout)).toEqual({ environment: 'myapp/prd', outcome: 'not-locked' });
    expect(releases).not.toHaveBeenCalled();
  });

  it('refuses (exit 1, nothing written) while the holder\'s execution runs; --force releases it all the same', async () => {
    const cli = aCli(undefined, { USER: 'alice' });
    const { scope, holder, executionArn } = await aBusyEnvironment(cli);
    const environment = `${scope.repo}/${scope.env}`;

    await expect(cli.cli('unlock', scope.repo, scope.env)).resolves.toBe(1);
    expect(cli.out.stdout).toBe(
      `${environment} is locked by ${buildIdOf(holder)} (IN_PROGRESS), since 2026-01-01 00:00:00Z (queue).\n` +
        `Not released: its execution ${executionArn} is still RUNNING. Stop it (aws stepfunctions stop-execution --execution-arn ARN) ` +
        'or let it end; once its stack is no longer *_IN_PROGRESS, add --force to release the lock all the same.\n',
    );
    cli.out.stdout = '';
    await expect(cli.cli('unlock', scope.repo, scope.env, '--json')).resolves.toBe(1);
    expect(JSON.parse(cli.out.stdout)).toEqual({
      environment,
      outcome: 'execution-running',
      lock: { environment, repo: scope.repo, env: scope.env, holder: buildIdOf(holder), policy: 'queue', takenAt: '2026-01-01T00:00:00.000Z' },
      holderStatus: 'IN_PROGRESS',
      executionArn,
      executionStatus: 'RUNNING',
      reason: expect.stringContaining('--force'),
    });
    await expect(cli.builds.getEnvironmentLock(scope.repo, scope.env)).resolves.toMatchObject({ holder: holder.sk });
    await expect(cli.builds.get(holder)).resolves.not.toHaveProperty('unlockedBy');

    cli.out.stdout = '';
    await expect(cli.cli('unlock', scope.repo, scope.env, '--force', '--by', 'bob')).resolves.toBe(0);
    expect(cli.out.stdout).toContain('Released by bob at 2026-01-01 00:00:00Z.');
    await expect(cli.builds.getEnvironmentLock(scope.repo, scope.env)).resolves.toBeUndefined();
    await expect(cli.builds.get(holder)).resolves.toMatchObject({ status: 'IN_PROGRESS', unlockedBy: 'bob' });
  });

  it('releases the lock of a holder whose execution ended unrecorded, recording who (the caller\'s ARN, or --by) and when on the holder', async () => {
    const cli = aCli(undefined, { USER: 'somebody-else' });
    const { scope, holder, executionArn } = await aBusyEnvironment(cli);
    cli.starter.complete(executionArn, { status: 'TIMED_OUT' });
    cli.clock.advance(2 * 60 * 60_000 + 5 * 60_000);

    await expect(cli.cli('unlock', scope.repo, scope.env)).resolves.toBe(0);
    expect(cli.out.stdout).toBe(
      `${scope.repo}/${scope.env} is locked by ${buildIdOf(holder)} (IN_PROGRESS), since 2026-01-01 00:00:00Z (queue).\n` +
        `Released by ${ALICE} at 2026-01-01 02:05:00Z. The next waiting build starts through the deployed trigger-build (the release's stream record), ` +
        "or run 'aws-deployer-orchestrator sweep'.\n",
    );
    await expect(cli.builds.getEnvironmentLock(scope.repo, scope.env)).resolves.toBeUndefined();
    await expect(cli.builds.get(holder)).resolves.toMatchObject({ unlockedBy: ALICE, unlockedAt: new Date('2026-01-01T02:05:00Z') });

    const again = await aBusyEnvironment(cli);
    cli.starter.complete(again.executionArn, 'SUCCEEDED');
    cli.out.stdout = '';
    await expect(cli.cli('unlock', again.scope.repo, again.scope.env, '--by', 'arn:aws:iam::123456789012:user/bob', '--json')).resolves.toBe(0);
    expect(JSON.parse(cli.out.stdout)).toMatchObject({
      outcome: 'released',
      holderStatus: 'IN_PROGRESS',
      lock: { holder: buildIdOf(again.holder) },
      releasedBy: 'arn:aws:iam::123456789012:user/bob',
      releasedAt: '2026-01-01T02:05:00.000Z',
    });
    await expect(cli.builds.get(again.holder)).resolves.toMatchObject({ unlockedBy: 'arn:aws:iam::123456789012:user/bob' });
  });

  it('not-held: another build took the lock meanwhile: says so, exit 1', async () => {
    const cli = aCli(undefined, { USER: 'alice' });
    const { scope, holder, waiting, executionArn } = await aBusyEnvironment(cli);
    cli.starter.complete(executionArn, 'SUCCEEDED');
    const taken = { repo: scope.repo, env: scope.env, holder: waiting.sk, policy: 'queue', takenAt: cli.clock.now() } as const;
    vi.spyOn(cli.builds, 'releaseEnvironmentLock').mockResolvedValueOnce({ outcome: 'not-held', lock: taken });

    await expect(cli.cli('unlock', scope.repo, scope.env)).resolves.toBe(1);
    expect(cli.out.stdout).toContain(`Not released: ${buildIdOf(waiting)} holds the lock now (another build took it meanwhile); nothing was written.`);
    vi.spyOn(cli.builds, 'releaseEnvironmentLock').mockResolvedValueOnce({ outcome: 'not-held', lock: taken });
    cli.out.stdout = '';
    await expect(cli.cli('unlock', scope.repo, scope.env, '--json')).resolves.toBe(1);
    expect(JSON.parse(cli.out.stdout)).toMatchObject({ outcome: 'not-held', lock: { holder: buildIdOf(holder) }, heldBy: { holder: buildIdOf(waiting) } });
    // Released meanwhile: what was asked for.
    vi.spyOn(cli.builds, 'releaseEnvironmentLock').mockResolvedValueOnce({ outcome: 'not-held' });
    cli.out.stdout = '';
    await expect(cli.cli('unlock', scope.repo, scope.env)).resolves.toBe(0);
    expect(cli.out.stdout).toContain('is not locked now: the lock was released meanwhile; nothing was written.');
  });

  it('an empty --by, an invalid repo or env: usage errors (exit 2), nothing composed', async () => {
    const cli = aCli(undefined, { USER: undefined });

    await expect(cli.cli('unlock', 'myapp', 'prd', '--by', '  ')).resolves.toBe(2);
    expect(cli.out.stderr).toContain('--by must name who releases the lock');
    await expect(cli.cli('unlock', 'my/app', 'prd', '--by', 'alice')).resolves.toBe(2);
    await expect(cli.cli('unlock', 'myapp', '--by', 'alice')).resolves.toBe(2);
    expect(cli.out.stderr).toContain('missing argument <env>');
    expect(cli.composed()).toBe(0);
  });

  it('without --by, STS failing: exit 4 naming sts:GetCallerIdentity and --by; nothing is released, $USER is not used', async () => {
    const cli = aCli(undefined, { USER: 'alice' });
    const { scope, holder, executionArn } = await aBusyEnvironment(cli);
    cli.starter.complete(executionArn, 'SUCCEEDED');
    const refused = Object.assign(new Error('The security token included in the request is invalid.'), {
      name: 'InvalidClientTokenId',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    vi.spyOn(cli.services, 'whoAmI').mockRejectedValue(refused);

    await expect(cli.cli('unlock', scope.repo, scope.env)).resolves.toBe(4);
    expect(cli.out.stderr).toMatch(
      /^aws-deployer-orchestrator: Could not tell who is asking \(sts:GetCallerIdentity, the default of --by: pass --by NAME .*\): AWS did not accept the credentials \(InvalidClientTokenId: /,
    );
    await expect(cli.cli('unlock', scope.repo, scope.env, '--json')).resolves.toBe(4);
    expect(JSON.parse(cli.out.stderr.trim().split('\n').at(-1) ?? '')).toMatchObject({ error: { code: 'AWS_CREDENTIALS' } });
    await expect(cli.builds.getEnvironmentLock(scope.repo, scope.env)).resolves.toMatchObject({ holder: holder.sk });
    await expect(cli.builds.get(holder)).resolves.not.toHaveProperty('unlockedBy');
    // --by needs no STS.
    await expect(cli.cli('unlock', scope.repo, scope.env, '--by', 'alice')).resolves.toBe(0);
    await expect(cli.builds.get(holder)).resolves.toMatchObject({ unlockedBy: 'alice' });
  });
});

describe('run: locks', () => {
  it('lists every held lock with its holder, policy and age; none says so', async () => {
    const cli = aCli();
    await expect(cli.cli('locks')).resolves.toBe(0);
    expect(cli.out.stdout).toBe('No environment lock is held.\n');

    const { scope, holder } = await aBusyEnvironment(cli);
    cli.clock.advance(3 * 60 * 60_000 + 7 * 60_000);
    cli.out.stdout = '';
    await expect(cli.cli('locks')).resolves.toBe(0);
    expect(cli.out.stdout).toMatch(/^ENVIRONMENT +HOLDER +POLICY +TAKEN +AGE\n/);
    expect(cli.out.stdout).toMatch(
      new RegExp(`^${escapeRegExp(`${scope.repo}/${scope.env}`)} +${escapeRegExp(buildIdOf(holder))} +queue +2026-01-01 00:00:00Z +3h07m$`, 'm'),
    );
    cli.out.stdout = '';
    await expect(cli.cli('locks', '--json')).resolves.toBe(0);
    expect(JSON.parse(cli.out.stdout)).toEqual({
      locks: [
        {
          environment: `${scope.repo}/${scope.env}`,
          repo: scope.repo,
          env: scope.env,
          holder: buildIdOf(holder),
          policy: 'queue',
          takenAt: '2026-01-01T00:00:00.000Z',
          ageSeconds: 3 * 3600 + 7 * 60,
        },
      ],
    });
  });
});

describe('run: help', () => {
  it('lists unlock and locks, and every command is documented in docs/cli.md', async () => {
    const cli = aCli();
    await expect(cli.cli('--help')).resolves.toBe(0);
    expect(cli.out.stdout).toMatch(/^ {2}unlock +Release an environment's deployment lock by hand/m);
    expect(cli.out.stdout).toMatch(/^ {2}locks +List the held environment locks/m);
    expect(cli.out.stdout).toContain('--concurrency');
    const docs = readFileSync(new URL('../../../../docs/cli.md', import.meta.url), 'utf8');
    for (const command of COMMANDS) {
      expect(docs, command.spec.name).toMatch(new RegExp(`^### \`${command.spec.name}[ \`]`, 'm'));
      expect(docs, command.spec.name).toContain(`  ${command.spec.name.padEnd(9)}  ${command.spec.summary}\n`);
    }
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
