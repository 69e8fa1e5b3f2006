// `run(argv, io)` in process, on in-memory adapters and virtual time: what
// the subprocess tests cannot afford (minutes of waiting) or cannot see.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { servicesOf } from '../../../../src/composition/cli/compose.js';
import type { CliIo } from '../../../../src/adapters/driving/cli/io.js';
import { COMMANDS, run } from '../../../../src/adapters/driving/cli/run.js';
import {
  buildIdOf,
  createContainer,
  executionArnFor,
  executionName,
  parseStateMachineArn,
  serializeStepFunctionInput,
} from '../../../../src/index.js';
import {
  InMemoryBuildRepository,
  InMemoryExecutionInspector,
  InMemoryExecutionStarter,
  ManualClock,
  RecordingLogger,
} from '../../../../src/testing.js';
import { aNewBuild, anInputFor, STATE_MACHINE_ARN } from '../../../support/mothers/build.mother.js';

function aCli(onSleep: (elapsedMs: number) => void = () => {}) {
  const clock = new ManualClock();
  const builds = new InMemoryBuildRepository();
  const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
  const inspector = new InMemoryExecutionInspector(starter);
  const container = createContainer({
    buildRepository: builds,
    executionStarter: starter,
    executionInspector: inspector,
    clock,
    logger: new RecordingLogger(),
  });
  const services = servicesOf(container);
  const out = { stdout: '', stderr: '' };
  let elapsedMs = 0;
  let composed = 0;
  const io: CliIo = {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    env: { BUILDS_TABLE_NAME: 'builds', STATE_MACHINE_ARN, ARTIFACT_BUCKET: 'my-artifacts' },
    now: () => clock.now(),
    sleep: async (ms) => {
      clock.advance(ms);
      elapsedMs += ms;
      onSleep(elapsedMs);
    },
  };
  const cli = (...argv: string[]) =>
    run(argv, io, {
      loadComposition: async () => () => {
        composed += 1;
        return services;
      },
    });
  return { cli, out, builds, starter, clock, composed: () => composed };
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
    expect(documented).toEqual(['--table', '--state-machine-arn', '--s3-bucket', '--region', '--dynamodb-endpoint', '--sfn-endpoint']);
    const values: Readonly<Record<string, string>> = {
      '--table': 'builds',
      '--state-machine-arn': STATE_MACHINE_ARN,
      '--s3-bucket': 'my-artifacts',
      '--region': 'us-east-1',
      '--dynamodb-endpoint': 'http://127.0.0.1:8000',
      '--sfn-endpoint': 'http://127.0.0.1:8083',
    };
    const everyFlag = [...documented.flatMap((flag) => [flag, values[flag] ?? '']), '--json', '--verbose'];
    const { cli, out, builds } = aCli();
    const build = await builds.create(aNewBuild());
    await builds.recordCompletion(build, { status: 'SUCCESS' }, new Date());
    const argumentsOf: Readonly<Record<string, readonly string[]>> = {
      start: [buildIdOf(build)],
      wait: [buildIdOf(build)],
      get: [buildIdOf(build)],
      list: [build.repo, build.env],
      latest: [build.env],
      complete: [buildIdOf(build), '--status', 'SUCCESS'],
      reconcile: [],
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
