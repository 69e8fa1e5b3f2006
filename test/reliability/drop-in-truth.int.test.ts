// Regressions of the "drop-in truth" review, one block per way a build ended
// wrong, each on the real adapters (./local-deployment.ts: DynamoDB Local and
// the local Step Functions endpoint). Every block failed on 0.1.0.
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { RedriveExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { BuildRecordTooLargeError, executionName, serializeStepFunctionInput } from '../../src/index.js';
import { paddedToLimit } from '../support/dynamodb-local/item-size.js';
import { anExecutionStatusChangeEvent } from '../support/mothers/eventbridge-event.mother.js';
import { aBuildKey, aNewBuild, aSortKey, aUniqueScope, anInputFor } from '../support/mothers/build.mother.js';
import { GO_EPOCH_SECONDS, aGoBuildItem, goItemOf } from '../support/mothers/go-item.mother.js';
import { S3_BUCKET, useLocalDeployment } from './local-deployment.js';

const local = useLocalDeployment('drop-in-truth');
const { dynamoDb, tableName, aDeployer, putRaw, rawItem, statusOf, errorMsgOf, insertsOf, streamChangesOf, executionArnOf } = local;

describe('1. Go items: build_number is a string, any attribute may be absent', () => {
  it('starts a build Go created (build_number S, stack_name) from its stream INSERT, once', async () => {
    const { triggerBuild } = aDeployer();
    const key = aBuildKey();
    await putRaw(aGoBuildItem({ ...key, buildNumber: '42' }));

    const response = await triggerBuild({ Records: await insertsOf(key) });

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await statusOf(key)).toBe('IN_PROGRESS');
    expect(local.sfn.executions.map((execution) => execution.name)).toEqual([`${key.repo}-${key.env}-${key.sk}`]);
    expect(JSON.parse(local.sfn.executions[0]?.input ?? '{}')).toMatchObject({ version: '42.abc123', commit_hash: 'abc123' });
  });

  it('starts a Go item without repo and env, reading them from pk', async () => {
    const { triggerBuild } = aDeployer();
    const key = aBuildKey();
    const { repo: _repo, env: _env, ...withoutRepoAndEnv } = aGoBuildItem(key);
    await putRaw(withoutRepoAndEnv);

    await triggerBuild({ Records: await insertsOf(key) });

    expect(await statusOf(key)).toBe('IN_PROGRESS');
    expect(local.sfn.executions).toHaveLength(1);
  });

  it.each(['branch', 'version', 'commitHash'] as const)(
    'records FAILED, naming the attribute, a Go item without %s (Go left it out as empty)',
    async (field) => {
      const { triggerBuild } = aDeployer();
      const key = aBuildKey();
      await putRaw(aGoBuildItem({ ...key, [field]: '' }));

      const response = await triggerBuild({ Records: await insertsOf(key) });

      expect(response).toEqual({ batchItemFailures: [] });
      expect(await statusOf(key)).toBe('FAILED');
      const attribute = field === 'commitHash' ? 'commit_hash' : field;
      expect(await errorMsgOf(key)).toMatch(new RegExp(`Invalid ${attribute}: is absent or empty in the build record`));
      expect(local.sfn.executions).toHaveLength(0);
    },
  );

  it('lists, gets and follows the latest pointer to Go items; an odd item is reported, never fails the page', async () => {
    const { buildRepository } = aDeployer();
    const scope = aUniqueScope();
    const [oldest, odd, newest] = [aSortKey(), aSortKey(), aSortKey()];
    await putRaw(aGoBuildItem({ ...scope, sk: oldest, status: 'SUCCESS', finishedAt: GO_EPOCH_SECONDS }));
    await putRaw({ ...aGoBuildItem({ ...scope, sk: odd }), status: { S: 'QUEUED' } });
    await putRaw(goItemOf({ ...scope, sk: newest, buildNumber: '', branch: '', version: '', commitHash: '', status: 'PENDING', stackName: '', executionArn: '', errorMsg: '', createdAt: GO_EPOCH_SECONDS, updatedAt: GO_EPOCH_SECONDS, finishedAt: 0 }));

    const page = await buildRepository.listBuilds(scope.repo, scope.env);

    expect(page.builds.map((build) => [build.sk, build.status])).toEqual([
      [newest, 'PENDING'],
      [oldest, 'SUCCESS'],
    ]);
    expect(page.unreadable).toEqual([{ id: `${scope.repo}/${scope.env}:${odd}`, reason: expect.stringMatching(/^Invalid status/) }]);
    expect(await buildRepository.get({ ...scope, sk: newest })).toMatchObject({ branch: '', version: '', commitHash: '' });
  });

  it('finishes a Go build from the Go state machine callback (no execution_arn) and from a sweep', async () => {
    const { updateBuildStatus, reconciler } = aDeployer();
    const reported = aBuildKey();
    await putRaw(aGoBuildItem({ ...reported, status: 'IN_PROGRESS', executionArn: executionArnOf(reported) }));
    await expect(updateBuildStatus({ ...reported, status: 'SUCCESS' })).resolves.toEqual({ outcome: 'completed', status: 'SUCCESS' });

    const unreported = aBuildKey();
    const { executionArn } = await local.sfnClient.send(
      new StartExecutionCommand({
        stateMachineArn: local.stateMachineArn,
        name: executionName(unreported),
        input: serializeStepFunctionInput(anInputFor(aNewBuild(unreported))),
      }),
    );
    await putRaw(aGoBuildItem({ ...unreported, status: 'IN_PROGRESS', executionArn: executionArn ?? '' }));
    local.sfn.completeExecution(executionArn ?? '', { status: 'FAILED', error: 'States.TaskFailed', cause: 'stack rolled back' });

    const summary = await reconciler.sweep();

    expect(summary).toMatchObject({ completed: 1, failed: 0 });
    expect(await statusOf(unreported)).toBe('FAILED');
  });
});

describe('2. A stale or redelivered invalid INSERT only fails a build that is still PENDING', () => {
  it('leaves a build started meanwhile (by the CLI or Go) IN_PROGRESS, and its SUCCESS is recorded', async () => {
    const { triggerBuild, updateBuildStatus, buildRepository } = aDeployer();
    const build = aNewBuild();
    await buildRepository.create(build);
    const [insert] = await insertsOf(build);
    // Started another way first: here, as the CLI does, through the same use case.
    await triggerBuild({ Records: await insertsOf(build) });
    expect(await statusOf(build)).toBe('IN_PROGRESS');
    // The old INSERT comes back with an image this module cannot read.
    const stale = structuredClone(insert!);
    stale.dynamodb!.NewImage!.status = { S: 'QUEUED' };

    await expect(triggerBuild({ Records: [stale] })).resolves.toEqual({ batchItemFailures: [] });

    expect(await statusOf(build)).toBe('IN_PROGRESS');
    await expect(updateBuildStatus({ ...build, status: 'SUCCESS' })).resolves.toEqual({ outcome: 'completed', status: 'SUCCESS' });
  });

  it('still records FAILED a PENDING build whose record does not read as a build', async () => {
    const { triggerBuild } = aDeployer();
    const key = aBuildKey();
    await putRaw({ ...aGoBuildItem(key), created_at: { S: 'yesterday' } });

    await triggerBuild({ Records: await insertsOf(key) });

    expect(await statusOf(key)).toBe('FAILED');
    expect(await errorMsgOf(key)).toMatch(/created_at/);
  });
});

describe('3. One bad build or execution never blocks a sweep', () => {
  it('reconciles the other executions, and counts and logs the one that failed with its ARN', async () => {
    const { reconciler, logger } = aDeployer();
    const damaged = aBuildKey();
    const healthy = aBuildKey();
    const arns: string[] = [];
    for (const key of [damaged, healthy]) {
      const { executionArn } = await local.sfnClient.send(
        new StartExecutionCommand({ stateMachineArn: local.stateMachineArn, name: executionName(key), input: serializeStepFunctionInput(anInputFor(aNewBuild(key))) }),
      );
      arns.push(executionArn ?? '');
      await putRaw(aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn: executionArn ?? '' }));
      local.sfn.completeExecution(executionArn ?? '', { status: 'SUCCEEDED' });
    }
    // An item an operator damaged: it no longer reads as a build.
    await putRaw({ ...aGoBuildItem({ ...damaged, status: 'IN_PROGRESS' }), created_at: { SS: ['x'] } });

    const summary = await reconciler.sweep();

    expect(summary).toMatchObject({ examined: 2, completed: 1, failed: 1 });
    expect(summary.failures).toEqual([{ executionArn: arns[0], error: expect.stringContaining('created_at') }]);
    expect(await statusOf(healthy)).toBe('SUCCESS');
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'error', attributes: expect.objectContaining({ executionArn: arns[0] }) }),
    );
  });
});

describe('4. A closed execution is never recorded as running', () => {
  it.each([
    ['TIMED_OUT', { status: 'TIMED_OUT' as const, error: 'States.Timeout', cause: 'ran for 3 days' }, 'FAILED'],
    ['SUCCEEDED', { status: 'SUCCEEDED' as const }, 'SUCCESS'],
  ])(
    'records how the execution ended (%s) when the build is deleted and put back',
    async (_, end, expected) => {
      const { triggerBuild, buildRepository } = aDeployer();
      const build = aNewBuild();
      await buildRepository.create(build);
      await triggerBuild({ Records: await insertsOf(build) });
      local.sfn.completeExecution(executionArnOf(build), end);
      // An operator deletes the item and puts it back, as it was when created.
      const key = { pk: { S: `${build.repo}/${build.env}` }, sk: { S: build.sk } };
      await dynamoDb.send(new DeleteItemCommand({ TableName: tableName, Key: key }));
      await putRaw(goItemOf({ ...build, buildNumber: '', status: 'PENDING', stackName: '', executionArn: '', errorMsg: '', createdAt: GO_EPOCH_SECONDS, updatedAt: GO_EPOCH_SECONDS, finishedAt: 0 }));
      const reinserted = (await insertsOf(build)).at(-1)!;

      await expect(triggerBuild({ Records: [reinserted] })).resolves.toEqual({ batchItemFailures: [] });

      expect(local.sfn.executions).toHaveLength(1);
      expect(await statusOf(build)).toBe(expected);
      expect((await rawItem(build))?.execution_arn?.S).toBe(executionArnOf(build));
      if (expected === 'FAILED') {
        expect(await errorMsgOf(build)).toMatch(/^execution TIMED_OUT: States\.Timeout: ran for 3 days; .*create a new build to deploy again/);
      }
      // The put-back item went straight from PENDING to its end, never IN_PROGRESS.
      const changes = await streamChangesOf(build);
      const sincePutBack = changes.slice(changes.lastIndexOf('(none) -> PENDING'));
      expect(sincePutBack).toContain(`PENDING -> ${expected}`);
      expect(sincePutBack.filter((change) => change.endsWith('IN_PROGRESS'))).toEqual([]);
    },
  );
});

describe('5. A failing DescribeStateMachine cannot poison a process or skip the safety net', () => {
  it('does not fail a build whose execution an earlier attempt started before crashing, on a cold start whose check fails', async () => {
    const build = aNewBuild();
    const { buildRepository, triggerBuild } = aDeployer();
    await buildRepository.create(build);
    // The earlier attempt: the execution started, then the process died before recording it.
    await local.sfnClient.send(
      new StartExecutionCommand({ stateMachineArn: local.stateMachineArn, name: executionName(build), input: serializeStepFunctionInput(anInputFor(build, { s3Bucket: S3_BUCKET })) }),
    );
    local.sfn.injectFault({ operation: 'DescribeStateMachine', fault: 'KmsAccessDeniedException' });

    await triggerBuild({ Records: await insertsOf(build) });

    expect(await statusOf(build)).toBe('IN_PROGRESS');
    expect(local.sfn.executions).toHaveLength(1);
  });

  it('asks again after a failed check instead of caching the failure', async () => {
    const { buildRepository, triggerBuild } = aDeployer();
    const first = aNewBuild();
    const second = aNewBuild();
    await buildRepository.create(first);
    await buildRepository.create(second);
    local.sfn.injectFault({ operation: 'DescribeStateMachine', fault: 'KmsAccessDeniedException' });

    await triggerBuild({ Records: await insertsOf(first) });
    await triggerBuild({ Records: await insertsOf(second) });

    expect(await statusOf(first)).toBe('FAILED');
    expect(await statusOf(second)).toBe('IN_PROGRESS');
    expect(local.sfn.callCount('DescribeStateMachine')).toBe(2);
  });
});

describe("6. Only a build's own execution can finish it", () => {
  it('ignores an operator\'s manual run with the same input, by event and by callback; the Go callback is still accepted', async () => {
    const { triggerBuild, executionStatusChange, updateBuildStatus, buildRepository } = aDeployer();
    const build = aNewBuild();
    await buildRepository.create(build);
    await triggerBuild({ Records: await insertsOf(build) });
    const own = local.sfn.executions[0]!;
    const { executionArn: manualArn } = await local.sfnClient.send(
      new StartExecutionCommand({ stateMachineArn: local.stateMachineArn, name: 'manual-rerun-1', input: own.input }),
    );
    local.sfn.completeExecution(manualArn ?? '', { status: 'FAILED', error: 'Aborted', cause: 'operator test' });

    const byEvent = await executionStatusChange(anExecutionStatusChangeEvent({ executionArn: manualArn ?? '', stateMachineArn: local.stateMachineArn, status: 'FAILED' }));
    const byCallback = await updateBuildStatus({ ...build, status: 'FAILED', error_msg: 'manual', execution_arn: manualArn ?? '' });

    expect(byEvent).toMatchObject({ outcome: 'not-a-build' });
    expect(byCallback).toEqual({ outcome: 'not-a-build', status: 'IN_PROGRESS' });
    expect(await statusOf(build)).toBe('IN_PROGRESS');
    await expect(updateBuildStatus({ ...build, status: 'SUCCESS' })).resolves.toEqual({ outcome: 'completed', status: 'SUCCESS' });
  });
});

describe('7. Recording an end never fails on item size', () => {
  it('retries with a shorter error_msg, so the status lands', async () => {
    const { updateBuildStatus } = aDeployer();
    const key = aBuildKey();
    const item = aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn: executionArnOf(key) });
    // Room for a short reason but not for a 2,000-character one.
    await putRaw(paddedToLimit(item, 1000));

    await expect(updateBuildStatus({ ...key, status: 'FAILED', error_msg: 'e'.repeat(2000) })).resolves.toEqual({
      outcome: 'completed',
      status: 'FAILED',
    });

    expect(await statusOf(key)).toBe('FAILED');
    expect(await errorMsgOf(key)).toMatch(/^e{244} \[truncated\]$/);
  });

  it('keeps a few words saying the reason did not fit when even a short one does not', async () => {
    const { updateBuildStatus } = aDeployer();
    const key = aBuildKey();
    const item = aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn: executionArnOf(key) });
    await putRaw(paddedToLimit(item, 150));

    await updateBuildStatus({ ...key, status: 'FAILED', error_msg: 'e'.repeat(2000) });

    expect(await statusOf(key)).toBe('FAILED');
    expect(await errorMsgOf(key)).toBe('reason left out: the item is at the 400 KB limit');
  });

  it('retries without error_msg, then without finished_at, when not even that fits', async () => {
    const { updateBuildStatus } = aDeployer();
    const key = aBuildKey();
    const item = aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn: executionArnOf(key) });
    await putRaw(paddedToLimit(item, 10));

    await updateBuildStatus({ ...key, status: 'FAILED', error_msg: 'e'.repeat(2000) });

    expect(await statusOf(key)).toBe('FAILED');
    expect(await errorMsgOf(key)).toBeUndefined();
  });

  it('answers a typed error, never a raw TransactionCanceledException, when nothing fits', async () => {
    const { buildRepository } = aDeployer();
    const build = aNewBuild();
    await buildRepository.create(build);
    await buildRepository.recordCompletion(build, { status: 'SUCCESS' }, new Date());
    // Another writer filled the item to the limit: the ARN a late start would attach has no room, in any form.
    await putRaw(paddedToLimit((await rawItem(build))!, 0));

    const error = await buildRepository
      .recordStart(build, executionArnOf(build), new Date())
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BuildRecordTooLargeError);
    // Neutral at the port, DynamoDB's facts for the operator in the message.
    expect((error as Error).message).toContain("DynamoDB's 400 KB item size limit");
    expect(await statusOf(build)).toBe('SUCCESS');
  });
});

describe('8. No build is skipped silently', () => {
  it.each([
    ['an sk that is no KSUID', { sk: '0b6f2c1e-5d8a-4c1e-9f3a-2b7d9e4c6a10' }, /Invalid sk/],
    ['a repo with a space', { repo: 'my app' }, /Invalid repo: must not contain .*whitespace/],
  ])('records FAILED, naming the field, an INSERT with %s', async (_, fields, reason) => {
    const { triggerBuild } = aDeployer();
    const key = { ...aBuildKey(), ...fields };
    await putRaw(aGoBuildItem(key));

    await expect(triggerBuild({ Records: await insertsOf(key) })).resolves.toEqual({ batchItemFailures: [] });

    expect(await statusOf(key)).toBe('FAILED');
    expect(await errorMsgOf(key)).toMatch(reason);
  });

  it('starts a build whose plain name is too long, under the hashed name', async () => {
    const { triggerBuild } = aDeployer();
    const key = { ...aBuildKey(), repo: `service-${'x'.repeat(60)}` };
    await putRaw(aGoBuildItem(key));

    await triggerBuild({ Records: await insertsOf(key) });

    expect(await statusOf(key)).toBe('IN_PROGRESS');
    expect(local.sfn.executions.map((execution) => execution.name)).toEqual([executionName(key)]);
    expect(executionName(key)).toMatch(new RegExp(`^service-x+-[0-9a-z]{13}-${key.sk}$`));
  });
});

describe('9. Execution names follow the current StartExecution reference', () => {
  it('starts a build with an emoji in its repo under an ASCII hashed name Step Functions accepts', async () => {
    const { triggerBuild } = aDeployer();
    const key = { ...aBuildKey(), repo: 'rocket\u{1F680}' };
    await putRaw(aGoBuildItem(key));

    await triggerBuild({ Records: await insertsOf(key) });

    expect(await statusOf(key)).toBe('IN_PROGRESS');
    expect(local.sfn.executions[0]?.name).toMatch(new RegExp(`^rocket_-${key.env}-[0-9a-z]{13}-${key.sk}$`));
  });
});

describe('10. listBuilds reaches every build', () => {
  it('fills a page across DynamoDB\'s 1 MB query pages and hands out a cursor while more remain', async () => {
    const { buildRepository } = aDeployer();
    const scope = aUniqueScope();
    const sortKeys = Array.from({ length: 15 }, () => aSortKey());
    // ~100 KB items: one query page stops after about ten of them.
    for (const sk of sortKeys) await putRaw({ ...aGoBuildItem({ ...scope, sk }), notes: { S: 'n'.repeat(100_000) } });

    const all = await buildRepository.listBuilds(scope.repo, scope.env, { limit: 25 });
    expect(all.builds.map((build) => build.sk)).toEqual([...sortKeys].reverse());
    expect(all.nextCursor).toBeUndefined();

    const first = await buildRepository.listBuilds(scope.repo, scope.env, { limit: 12 });
    expect(first.builds).toHaveLength(12);
    const rest = await buildRepository.listBuilds(scope.repo, scope.env, { limit: 12, cursor: first.nextCursor! });
    expect([...first.builds, ...rest.builds].map((build) => build.sk)).toEqual([...sortKeys].reverse());
    expect(rest.nextCursor).toBeUndefined();
  });
});

describe('11. Redrive tells the truth', () => {
  it('moves FAILED to SUCCESS only when Step Functions shows the execution redriven and succeeded', async () => {
    const { triggerBuild, executionStatusChange, updateBuildStatus, buildRepository } = aDeployer();
    const build = aNewBuild();
    await buildRepository.create(build);
    await triggerBuild({ Records: await insertsOf(build) });
    const executionArn = executionArnOf(build);
    local.sfn.completeExecution(executionArn, { status: 'FAILED', error: 'States.TaskFailed', cause: 'throttled by CloudFormation' });
    await executionStatusChange(anExecutionStatusChangeEvent({ executionArn, stateMachineArn: local.stateMachineArn, status: 'FAILED' }));
    expect(await statusOf(build)).toBe('FAILED');
    // A callback claiming SUCCESS does not prove a redrive: refused.
    await expect(updateBuildStatus({ ...build, status: 'SUCCESS' })).resolves.toEqual({ outcome: 'refused', status: 'FAILED' });

    await local.sfnClient.send(new RedriveExecutionCommand({ executionArn }));
    local.sfn.completeExecution(executionArn, { status: 'SUCCEEDED' });
    const outcome = await executionStatusChange(anExecutionStatusChangeEvent({ executionArn, stateMachineArn: local.stateMachineArn, status: 'SUCCEEDED' }));

    expect(outcome).toMatchObject({ outcome: 'completed', status: 'SUCCESS' });
    expect(await statusOf(build)).toBe('SUCCESS');
    expect(await errorMsgOf(build)).toBeUndefined();
  });
});
