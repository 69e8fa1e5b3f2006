// Regressions of the "true at 3 a.m." review, the start's part: each block is
// a way 0.2.0 deployed what nobody asked for, counted a start twice, or left a
// build where nobody looks, on the real adapters (./local-deployment.ts:
// DynamoDB Local and the local Step Functions endpoint). Every block failed on
// 0.2.0. The sweeper's part is true-at-3am.sweeper.int.test.ts.
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TriggerBuildService, buildIdOf } from '../../src/index.js';
import { createSweeperHandler, createTriggerBuildHandler } from '../../src/lambda.js';
import { paddedToLimit } from '../support/dynamodb-local/item-size.js';
import { sweeperDeps, triggerBuildDeps } from '../support/handler-deps.js';
import { aBuildKey, aNewBuild, aSortKey, aUniqueScope } from '../support/mothers/build.mother.js';
import { aScheduledEvent } from '../support/mothers/eventbridge-event.mother.js';
import { aGoBuildItem } from '../support/mothers/go-item.mother.js';
import { aLambdaContext } from '../support/mothers/lambda-context.mother.js';
import { capturePowertoolsOutput, type PowertoolsOutput } from '../support/powertools-output.js';
import { S3_BUCKET, useLocalDeployment } from './local-deployment.js';
import { run } from '../../src/adapters/driving/cli/run.js';
import type { CliIo } from '../../src/adapters/driving/cli/io.js';
import { servicesOf } from '../../src/composition/cli/compose.js';

const local = useLocalDeployment('true-at-3am');
const { aDeployer, putRaw, rawItem, statusOf, errorMsgOf, insertsOf, executionArnOf } = local;

// Free bytes left in an item by another writer (see paddedToLimit, which over-estimates numbers).
const NO_ROOM_FOR_THE_CLAIM = 30; // start_attempt and its UUID take 49 bytes; a few words of reason fit
const ROOM_FOR_THE_CLAIM_ONLY = 60; // the start's execution_arn takes about 110

describe("2. Nothing invisible: the CLI's listings and get", () => {
  /** The CLI in process, on this suite's table. */
  async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const out = { stdout: '', stderr: '' };
    const io: CliIo = {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
      env: { BUILDS_TABLE_NAME: local.tableName },
      sleep: async () => undefined,
      now: () => new Date(),
    };
    const services = servicesOf(aDeployer().container);
    const code = await run(argv, io, { loadComposition: async () => () => services });
    return { code, ...out };
  }

  it('names an item that does not read as a build in list and list --status, text and JSON, and says so on get', async () => {
    const key = aBuildKey();
    const id = buildIdOf(key);
    // Another writer's item: status PENDING, but created_at is no number.
    await putRaw({ ...aGoBuildItem(key), created_at: { S: 'yesterday' } });

    const byStatus = await cli('list', '--status', 'PENDING', key.repo, key.env);
    const byStatusJson = JSON.parse((await cli('list', '--status', 'PENDING', key.repo, key.env, '--json')).stdout) as { builds: unknown[]; skipped: unknown[] };
    const byScope = await cli('list', key.repo, key.env);
    const got = await cli('get', id);

    expect(byStatus.code).toBe(0);
    expect(byStatus.stdout).not.toContain(`No PENDING builds of ${key.repo} in ${key.env}.`);
    expect(byStatus.stdout).toContain(`No readable PENDING builds of ${key.repo} in ${key.env}.`);
    expect(byStatus.stdout).toMatch(new RegExp(`Skipped 1 item that does not read as a build:[\\s\\S]*${id}\\s+Invalid created_at`));
    expect(byStatusJson).toEqual({ builds: [], skipped: [{ id, reason: expect.stringContaining('created_at') }] });
    expect(byScope.stdout).toContain(id);
    expect(got).toMatchObject({ code: 1 });
    expect(got.stderr).toContain(`Build ${id} exists but does not read as a build: Invalid created_at`);
  });
});

describe('5. Items near 400 KB', () => {
  it('ends FAILED, with the reason, a build with no room for the start claim, instead of retrying it for ever', async () => {
    const { triggerBuild } = aDeployer();
    const key = aBuildKey();
    await putRaw(paddedToLimit(aGoBuildItem(key), NO_ROOM_FOR_THE_CLAIM));

    expect(await triggerBuild({ Records: await insertsOf(key) })).toEqual({ batchItemFailures: [] });

    expect(await statusOf(key)).toBe('FAILED');
    // The whole reason has no room either: the fewest words that still say why.
    expect(await errorMsgOf(key)).toBe('item at the 400 KB limit');
    expect(local.sfn.executions).toHaveLength(0);
  });

  it('ends FAILED with the reason a build whose start Step Functions refuses when only the claim fits (the failure drops the claim)', async () => {
    const { triggerBuild } = aDeployer();
    const key = aBuildKey();
    await putRaw(paddedToLimit(aGoBuildItem(key), ROOM_FOR_THE_CLAIM_ONLY));
    local.sfn.injectFault({ operation: 'StartExecution', fault: 'StateMachineDoesNotExist' });

    expect(await triggerBuild({ Records: await insertsOf(key) })).toEqual({ batchItemFailures: [] });

    expect(await statusOf(key)).toBe('FAILED');
    expect(await errorMsgOf(key)).toMatch(/\S/);
    expect((await rawItem(key))?.start_attempt).toBeUndefined();
    expect(local.sfn.executions).toHaveLength(0);
  });

  it('records the start without its ARN when only the claim fits, and the end lands, on the callback and on the event', async () => {
    const { triggerBuild, updateBuildStatus } = aDeployer();
    const [byCallback, byEvent] = [aBuildKey(), aBuildKey()];
    for (const key of [byCallback, byEvent]) {
      await putRaw(paddedToLimit(aGoBuildItem(key), ROOM_FOR_THE_CLAIM_ONLY));
      expect(await triggerBuild({ Records: await insertsOf(key) })).toEqual({ batchItemFailures: [] });
      expect(await statusOf(key)).toBe('IN_PROGRESS');
      expect((await rawItem(key))?.execution_arn).toBeUndefined();
    }
    expect(local.sfn.executions).toHaveLength(2);

    await expect(
      updateBuildStatus({ ...byCallback, status: 'SUCCESS', execution_arn: executionArnOf(byCallback) }),
    ).resolves.toEqual({ outcome: 'completed', status: 'SUCCESS' });
    local.sfn.completeExecution(executionArnOf(byEvent), { status: 'FAILED', error: 'States.TaskFailed', cause: 'stack rolled back' });
    await aDeployer().reconciler.reconcile(executionArnOf(byEvent));

    expect(await statusOf(byCallback)).toBe('SUCCESS');
    expect(await statusOf(byEvent)).toBe('FAILED');
  });
});

describe('7. One execution, one count', () => {
  let output: PowertoolsOutput;
  beforeEach(() => {
    output = capturePowertoolsOutput();
  });
  afterEach(() => output.restore());

  it('counts BuildsStarted once when trigger-build and the sweeper start the same build at once', async () => {
    const deployer = aDeployer();
    const build = aNewBuild();
    await deployer.buildRepository.create(build);
    const metrics = (serviceName: string) => new Metrics({ namespace: 'AwsDeployerOrchestrator', serviceName });
    const trigger = createTriggerBuildHandler({ ...triggerBuildDeps(deployer.container), s3Bucket: S3_BUCKET, metrics: metrics('trigger-build') });
    const sweeper = createSweeperHandler({ ...sweeperDeps(deployer.container), s3Bucket: S3_BUCKET, graceMs: 0, metrics: metrics('sweeper') });

    await Promise.all([trigger({ Records: await insertsOf(build) }, aLambdaContext()), sweeper(aScheduledEvent(), aLambdaContext())]);

    const started = output.metrics().reduce((sum, document) => sum + Number(document['BuildsStarted'] ?? 0), 0);
    expect(local.sfn.executions).toHaveLength(1);
    expect(started).toBe(1);
  });
});

describe('11. Never deploy a stale build by accident', () => {
  it('ends a PENDING build left behind FAILED, naming the newer build that deployed since, on the sweep and on a redelivery', async () => {
    const { triggerBuild, sweep, buildRepository, container } = aDeployer();
    const scope = aUniqueScope();
    const stale = { ...scope, sk: aSortKey() };
    const newer = { ...scope, sk: aSortKey() };
    await buildRepository.create(aNewBuild({ ...newer, version: '2.0.0' }));
    await container.get(TriggerBuildService).trigger(newer, { s3Bucket: S3_BUCKET });
    await buildRepository.recordCompletion(newer, { status: 'SUCCESS' }, new Date(), { releaseEnvironmentLock: true });
    // A record Go's trigger-build gave up on, 90 days ago, found in the table (restored, replayed) after the newer build deployed.
    await putRaw(aGoBuildItem({ ...stale, buildNumber: '1', commitHash: 'aaa111', createdAt: Math.floor(Date.now() / 1000) - 90 * 86_400 }));

    await sweep(aScheduledEvent());
    await triggerBuild({ Records: await insertsOf(stale) });

    expect(local.sfn.executions.map((execution) => execution.name)).toEqual([`${scope.repo}-${scope.env}-${newer.sk}`]);
    expect(await buildRepository.get(stale)).toMatchObject({ status: 'FAILED', supersededBy: buildIdOf(newer) });
    expect(await errorMsgOf(stale)).toContain(`the newer build ${buildIdOf(newer)} (version 2.0.0) has deployed since`);
    expect(await statusOf(newer)).toBe('SUCCESS');
  });
});

describe('A build of a repo named "latest"', () => {
  it('is recorded FAILED naming the field, not taken for a latest pointer and left PENDING', async () => {
    const { triggerBuild, buildRepository } = aDeployer();
    const key = { repo: 'latest', env: aUniqueScope().env, sk: aSortKey() };
    await putRaw(aGoBuildItem(key));

    expect(await triggerBuild({ Records: await insertsOf(key) })).toEqual({ batchItemFailures: [] });

    expect(await statusOf(key)).toBe('FAILED');
    expect(await errorMsgOf(key)).toMatch(/repo.*reserved for the latest-build pointers/);
    expect((await buildRepository.listBuildsByStatus('FAILED')).builds.map(buildIdOf)).toContain(buildIdOf(key));
  });
});
