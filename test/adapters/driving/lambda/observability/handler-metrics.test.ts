// The EMF documents update-build-status, execution-status-change and the
// sweeper print: one per invocation, also when the handler throws.
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildsByStatusUnavailableError, Orchestrator, createContainer, type BuildPage, type NewBuild } from '../../../../../src/index.js';
import { InMemoryBuildRepository } from '../../../../../src/testing.js';
import { createExecutionStatusChangeHandler, createSweeperHandler, createUpdateBuildStatusHandler } from '../../../../../src/lambda.js';
import { anInMemoryContainer } from '../../../../support/in-memory-container.js';
import { aCallbackPayload } from '../../../../support/mothers/callback-payload.mother.js';
import { STATE_MACHINE_ARN, aNewBuild, anInputFor } from '../../../../support/mothers/build.mother.js';
import { aScheduledEvent, anExecutionStatusChangeEvent } from '../../../../support/mothers/eventbridge-event.mother.js';
import { aLambdaContext } from '../../../../support/mothers/lambda-context.mother.js';
import { capturePowertoolsOutput, type PowertoolsOutput } from '../../../../support/powertools-output.js';
import { executionStatusChangeDeps, sweeperDeps, updateBuildStatusDeps } from '../../../../support/handler-deps.js';

const MINUTE = 60_000;

/** A status index whose second page of PENDING builds cannot be read (throttled, a network error...). */
class RepositoryFailingOnSecondPage extends InMemoryBuildRepository {
  private pendingPages = 0;

  override async listBuildsByStatus(...args: Parameters<InMemoryBuildRepository['listBuildsByStatus']>): Promise<BuildPage> {
    if (args[0] === 'PENDING') this.pendingPages += 1;
    if (this.pendingPages === 2) throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ThrottlingException' });
    return super.listBuildsByStatus(...args);
  }
}

/** A status index that also holds an IN_PROGRESS item which does not read as a build. */
class RepositoryWithAnUnreadableItem extends InMemoryBuildRepository {
  override async listBuildsByStatus(...args: Parameters<InMemoryBuildRepository['listBuildsByStatus']>): Promise<BuildPage> {
    const page = await super.listBuildsByStatus(...args);
    if (args[0] !== 'IN_PROGRESS') return page;
    return { ...page, unreadable: [{ id: 'myapp/prd:2HFj3kLmNoPqRsTuVwXyZ0123ab', reason: 'Invalid status: must be one of PENDING, IN_PROGRESS, SUCCESS, FAILED' }] };
  }
}

/** A table created before the status index existed: DynamoDB refuses the index query. */
class RepositoryWithoutStatusIndex extends InMemoryBuildRepository {
  override async listBuildsByStatus(): Promise<never> {
    throw new BuildsByStatusUnavailableError('the builds table has no index status-updated_at-index');
  }
}

function aWorld(serviceName: string) {
  const world = anInMemoryContainer();
  // The in-memory executions start on the wall clock.
  world.clock.set(new Date());
  const runningBuild = async (): Promise<{ build: NewBuild; executionArn: string }> => {
    const build = aNewBuild();
    await world.buildRepository.create(build, world.clock.now());
    return { build, executionArn: await world.container.get(Orchestrator).startExecution(anInputFor(build)) };
  };
  const metrics = new Metrics({ namespace: 'AwsDeployerOrchestrator', serviceName });
  return { ...world, metrics, runningBuild };
}

describe('handler metrics', () => {
  let output: PowertoolsOutput;
  beforeEach(() => {
    output = capturePowertoolsOutput();
  });
  afterEach(() => output.restore());

  describe('update-build-status', () => {
    it('counts a build completed by the callback, and not its repeat', async () => {
      const { container, metrics, runningBuild } = aWorld('update-build-status');
      const { build } = await runningBuild();
      const handle = createUpdateBuildStatusHandler({ ...updateBuildStatusDeps(container), metrics });

      await handle(aCallbackPayload(build), aLambdaContext());
      await handle(aCallbackPayload(build), aLambdaContext());

      expect(output.metrics()).toEqual([
        expect.objectContaining({ service: 'update-build-status', BuildsCompletedByCallback: 1 }),
        expect.objectContaining({ service: 'update-build-status', BuildsCompletedByCallback: 0 }),
      ]);
    });

    it('publishes its metrics once when it throws', async () => {
      const { container, metrics } = aWorld('update-build-status');
      const handle = createUpdateBuildStatusHandler({ ...updateBuildStatusDeps(container), metrics });

      await expect(handle({ repo: 'myapp' }, aLambdaContext())).rejects.toThrow(/Invalid/);

      expect(output.metrics()).toEqual([expect.objectContaining({ BuildsCompletedByCallback: 0 })]);
    });
  });

  it('execution-status-change counts a build completed by reconciliation', async () => {
    const { container, metrics, runningBuild, executionStarter } = aWorld('execution-status-change');
    const { executionArn } = await runningBuild();
    executionStarter.complete(executionArn, 'ABORTED');
    const handle = createExecutionStatusChangeHandler({ ...executionStatusChangeDeps(container), stateMachineArn: STATE_MACHINE_ARN, metrics });

    await handle(anExecutionStatusChangeEvent({ executionArn, stateMachineArn: STATE_MACHINE_ARN, status: 'ABORTED' }), aLambdaContext());

    expect(output.metrics()).toEqual([
      expect.objectContaining({ service: 'execution-status-change', BuildsCompletedByReconciliation: 1 }),
    ]);
  });

  it('the sweeper counts the open builds it found, the builds it started and those it completed', async () => {
    const { container, metrics, runningBuild, executionStarter, buildRepository, clock } = aWorld('sweeper');
    const ended = await runningBuild();
    await runningBuild();
    executionStarter.complete(ended.executionArn, 'TIMED_OUT');
    await buildRepository.create(aNewBuild(), clock.now());
    clock.advance(6 * MINUTE);
    const handle = createSweeperHandler({ ...sweeperDeps(container), s3Bucket: 'my-artifacts-bucket', metrics });

    await handle(aScheduledEvent(), aLambdaContext());

    expect(output.metrics()).toEqual([
      // The running build is open, not stuck.
      expect.objectContaining({ service: 'sweeper', OpenBuildsFound: 3, StuckBuilds: 2, UnreadableOpenItems: 0, BuildsStarted: 1, BuildsCompletedByReconciliation: 1 }),
    ]);
  });

  it('the sweeper publishes what it did before a later page failed: the builds it started and the open builds it found', async () => {
    const world = aWorld('sweeper');
    const buildRepository = new RepositoryFailingOnSecondPage();
    const container = createContainer({ ...world, buildRepository });
    await buildRepository.create(aNewBuild(), world.clock.now());
    await buildRepository.create(aNewBuild(), world.clock.now());
    world.clock.advance(6 * MINUTE);
    // One build a page: the first PENDING build is started, then the second page fails.
    const handle = createSweeperHandler({ ...sweeperDeps(container), s3Bucket: 'my-artifacts-bucket', pageSize: 1, metrics: world.metrics });

    await expect(handle(aScheduledEvent(), aLambdaContext())).rejects.toThrow(/allowed throughput/);

    expect(output.metrics()).toEqual([
      expect.objectContaining({ service: 'sweeper', BuildsStarted: 1, OpenBuildsFound: 1, StuckBuilds: 1, BuildsCompletedByReconciliation: 0 }),
    ]);
  });

  it('the sweeper counts no stuck build for eleven deployments running longer than the grace period', async () => {
    const { container, metrics, runningBuild, clock } = aWorld('sweeper');
    for (let index = 0; index < 11; index += 1) await runningBuild();
    clock.advance(30 * MINUTE);
    const handle = createSweeperHandler({ ...sweeperDeps(container), s3Bucket: 'my-artifacts-bucket', metrics });

    await handle(aScheduledEvent(), aLambdaContext());

    expect(output.metrics()).toEqual([expect.objectContaining({ service: 'sweeper', OpenBuildsFound: 11, StuckBuilds: 0 })]);
  });

  it('the sweeper counts an open item that does not read as a build, apart and among the stuck builds', async () => {
    const world = aWorld('sweeper');
    const container = createContainer({ ...world, buildRepository: new RepositoryWithAnUnreadableItem() });
    const handle = createSweeperHandler({ ...sweeperDeps(container), metrics: world.metrics });

    await handle(aScheduledEvent(), aLambdaContext());

    expect(output.metrics()).toEqual([expect.objectContaining({ service: 'sweeper', OpenBuildsFound: 1, StuckBuilds: 1, UnreadableOpenItems: 1 })]);
  });

  it('the sweeper counts the environment locks it released, their holder ended without releasing them, and 0 when none was', async () => {
    const { container, metrics, buildRepository, clock } = aWorld('sweeper');
    // A build that took its environment's lock and whose end was recorded by a writer that does not release locks (Go, 0.2.0).
    const build = aNewBuild();
    await buildRepository.create(build, clock.now());
    await buildRepository.claimStart(build, 'attempt-1', { environmentLock: { policy: 'queue', at: clock.now() } });
    await buildRepository.recordCompletion(build, { status: 'SUCCESS' }, clock.now());
    const handle = createSweeperHandler({ ...sweeperDeps(container), s3Bucket: 'my-artifacts-bucket', metrics });

    await expect(handle(aScheduledEvent(), aLambdaContext())).resolves.toMatchObject({ locksReleased: 1 });
    await expect(handle(aScheduledEvent(), aLambdaContext())).resolves.toMatchObject({ locksReleased: 0 });

    expect(output.metrics()).toEqual([
      expect.objectContaining({ service: 'sweeper', LocksReleased: 1 }),
      expect.objectContaining({ service: 'sweeper', LocksReleased: 0 }),
    ]);
  });

  it('the sweeper counts no open builds without the status index: it looked at executions', async () => {
    const world = aWorld('sweeper');
    const container = createContainer({ ...world, buildRepository: new RepositoryWithoutStatusIndex() });
    const handle = createSweeperHandler({ ...sweeperDeps(container), metrics: world.metrics });

    await expect(handle(aScheduledEvent(), aLambdaContext())).resolves.toMatchObject({ mode: 'execution-window' });

    const [published] = output.metrics();
    expect(published).toMatchObject({ BuildsStarted: 0, BuildsCompletedByReconciliation: 0, LocksReleased: 0 });
    expect(published).not.toHaveProperty('OpenBuildsFound');
    expect(published).not.toHaveProperty('StuckBuilds');
    expect(published).not.toHaveProperty('UnreadableOpenItems');
  });
});
