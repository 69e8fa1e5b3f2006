// `run(argv, io)` in process, on in-memory adapters and virtual time: what
// the subprocess tests cannot afford (minutes of waiting) or cannot see.
import { describe, expect, it } from 'vitest';
import type { CliServices } from '../../../src/adapters/cli/compose.js';
import type { CliIo } from '../../../src/adapters/cli/io.js';
import { run } from '../../../src/adapters/cli/run.js';
import {
  RecordCompletionService,
  ReconcileExecutionService,
  TriggerBuildService,
  buildIdOf,
  createContainer,
  executionArnFor,
  executionName,
  parseStateMachineArn,
} from '../../../src/index.js';
import {
  InMemoryBuildRepository,
  InMemoryExecutionInspector,
  InMemoryExecutionStarter,
  ManualClock,
  RecordingLogger,
} from '../../../src/testing.js';
import { aNewBuild, STATE_MACHINE_ARN } from '../../support/mothers/build.mother.js';

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
  const services: CliServices = {
    builds,
    inspector,
    trigger: container.get(TriggerBuildService),
    completions: container.get(RecordCompletionService),
    reconciler: container.get(ReconcileExecutionService),
  };
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
      compose: () => {
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

  it('start --wait gives up after --timeout-minutes, polling every --poll-seconds', async () => {
    const { cli, out, builds } = aCli();
    const build = await builds.create(aNewBuild());

    await expect(cli('start', buildIdOf(build), '--wait', '--timeout-minutes', '2', '--poll-seconds', '30')).resolves.toBe(1);
    expect(out.stdout).toContain(`Gave up after 2 minute(s): ${buildIdOf(build)} is still IN_PROGRESS.`);
  });

  it('composes nothing for help and usage errors', async () => {
    const { cli, composed } = aCli();

    await expect(cli('get', '--help')).resolves.toBe(0);
    await expect(cli('get', 'myapp/prd')).resolves.toBe(2);
    await expect(cli('list', 'myapp', 'prd', '--limit', 'ten')).resolves.toBe(2);
    expect(composed()).toBe(0);
  });
});
