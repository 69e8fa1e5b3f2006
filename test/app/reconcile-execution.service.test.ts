import { describe, expect, it } from 'vitest';
import { Orchestrator, ReconcileExecutionService, executionName } from '../../src/index.js';
import { aNewBuild, anInputFor } from '../support/mothers/build.mother.js';
import { anInMemoryContainer } from '../support/in-memory-container.js';

async function aRunningBuild(world: ReturnType<typeof anInMemoryContainer>) {
  const build = aNewBuild();
  await world.buildRepository.create(build, world.clock.now());
  const executionArn = await world.container.get(Orchestrator).startExecution(anInputFor(build));
  return { build, executionArn };
}

describe('ReconcileExecutionService', () => {
  it.each([
    ['TIMED_OUT', undefined, undefined, 'execution TIMED_OUT'],
    ['ABORTED', 'Stopped', 'by an operator', 'execution ABORTED: Stopped: by an operator'],
    ['FAILED', 'States.Runtime', 'boom', 'execution FAILED: States.Runtime: boom'],
  ] as const)('records FAILED with the reason for an execution that ended %s unreported', async (status, error, cause, errorMsg) => {
    const world = anInMemoryContainer();
    const { build, executionArn } = await aRunningBuild(world);
    world.executionStarter.complete(executionArn, { status, ...(error ? { error } : {}), ...(cause ? { cause } : {}) });

    const outcome = await world.container.get(ReconcileExecutionService).reconcile(executionArn);

    expect(outcome).toMatchObject({ outcome: 'completed', status: 'FAILED' });
    expect(await world.buildRepository.get(build)).toMatchObject({ status: 'FAILED', errorMsg, executionArn });
  });

  it('records SUCCESS for an execution that succeeded while its callback was lost', async () => {
    const world = anInMemoryContainer();
    const { build, executionArn } = await aRunningBuild(world);
    world.executionStarter.complete(executionArn, 'SUCCEEDED');

    expect(await world.container.get(ReconcileExecutionService).reconcile(executionArn)).toMatchObject({ outcome: 'completed', status: 'SUCCESS' });
    expect((await world.buildRepository.get(build))?.status).toBe('SUCCESS');
  });

  it('gives the ARN to a build whose start was never recorded', async () => {
    const world = anInMemoryContainer();
    const build = aNewBuild();
    await world.buildRepository.create(build);
    const { executionArn } = await world.executionStarter.start({
      name: executionName(build),
      input: JSON.stringify({ repo: build.repo, env: build.env, sk: build.sk }),
    });
    world.executionStarter.complete(executionArn, 'SUCCEEDED');

    await world.container.get(ReconcileExecutionService).reconcile(executionArn);

    expect(await world.buildRepository.get(build)).toMatchObject({ status: 'SUCCESS', executionArn });
  });

  it('leaves running executions and reported builds alone', async () => {
    const world = anInMemoryContainer();
    const reconciler = world.container.get(ReconcileExecutionService);
    const running = await aRunningBuild(world);
    expect(await reconciler.reconcile(running.executionArn)).toEqual({ outcome: 'running' });

    const reported = await aRunningBuild(world);
    await world.buildRepository.recordCompletion(reported.build, { status: 'SUCCESS' }, world.clock.now());
    world.executionStarter.complete(reported.executionArn, 'SUCCEEDED');
    expect(await reconciler.reconcile(reported.executionArn)).toMatchObject({ outcome: 'already-completed', status: 'SUCCESS' });

    const contradicted = await aRunningBuild(world);
    await world.buildRepository.recordCompletion(contradicted.build, { status: 'SUCCESS' }, world.clock.now());
    world.executionStarter.complete(contradicted.executionArn, 'FAILED');
    expect(await reconciler.reconcile(contradicted.executionArn)).toMatchObject({ outcome: 'refused', status: 'SUCCESS' });
    expect((await world.buildRepository.get(contradicted.build))?.status).toBe('SUCCESS');
  });

  it('says so for executions that are unknown or name no build', async () => {
    const world = anInMemoryContainer();
    const reconciler = world.container.get(ReconcileExecutionService);
    expect(await reconciler.reconcile('arn:aws:states:us-east-1:123456789012:execution:deployment:nope')).toMatchObject({ outcome: 'not-a-build' });
    const { executionArn } = await world.executionStarter.start({ name: 'not-ours', input: '{"hello":"world"}' });
    world.executionStarter.complete(executionArn, 'SUCCEEDED');
    expect(await reconciler.reconcile(executionArn)).toMatchObject({ outcome: 'not-a-build' });
  });

  it('sweeps the closed executions started within the look-back window', async () => {
    const world = anInMemoryContainer();
    world.clock.set(new Date());
    const ended = await aRunningBuild(world);
    const running = await aRunningBuild(world);
    world.executionStarter.complete(ended.executionArn, 'TIMED_OUT');

    const summary = await world.container.get(ReconcileExecutionService).sweep({ lookbackMs: 60_000 });

    expect(summary).toMatchObject({ examined: 2, completed: 1 });
    expect((await world.buildRepository.get(ended.build))?.status).toBe('FAILED');
    expect((await world.buildRepository.get(running.build))?.status).toBe('IN_PROGRESS');
  });
});
