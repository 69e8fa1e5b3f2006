import { GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BuildsByStatusUnavailableError, StatusIndexMissingError, ValidationError } from '../../../../src/index.js';
import { DynamoDbBuildRepository } from '../../../../src/dynamodb.js';
import { describeBuildRepositoryContract } from '../../../ports/build-repository.contract.js';
import { describeEnvironmentLockContract } from '../../../ports/environment-lock.contract.js';
import { describeManualDeploymentContract } from '../../../ports/manual-deployment.contract.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../../dev/dynamodb-local/builds-table.js';
import { aBuildKey, aNewBuild, aSortKey, aUniqueScope } from '../../../support/mothers/build.mother.js';
import { recordCommands, type SentCommand } from '../../../support/recording-clients.js';
import { aGoBuildItem, type RawItem } from '../../../support/mothers/go-item.mother.js';
import { paddedToLimit } from '../../../support/dynamodb-local/item-size.js';

const client = dynamoDbClientFor(inject('dynamodbEndpoint'));
const documentClient = DynamoDBDocumentClient.from(client);
const tableName = uniqueTableName('repository-contract');
const tableWithoutIndex = uniqueTableName('repository-without-index');

beforeAll(async () => {
  await createBuildsTable(client, tableName);
  await createBuildsTable(client, tableWithoutIndex, { statusIndex: false });
});
afterAll(async () => {
  await deleteTable(client, tableName);
  await deleteTable(client, tableWithoutIndex);
  client.destroy();
});

describeBuildRepositoryContract('DynamoDB', () => new DynamoDbBuildRepository({ client: documentClient, tableName }));
describeEnvironmentLockContract('DynamoDB', () => new DynamoDbBuildRepository({ client: documentClient, tableName }));
describeManualDeploymentContract('DynamoDB', () => new DynamoDbBuildRepository({ client: documentClient, tableName }));

describe('DynamoDbBuildRepository on a table without the status index', () => {
  it('cannot list builds by status, and says so in DynamoDB terms: the index, its key schema, how to add it', async () => {
    const repository = new DynamoDbBuildRepository({ client: documentClient, tableName: tableWithoutIndex });

    const error = await repository.listBuildsByStatus('PENDING').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BuildsByStatusUnavailableError);
    expect(error).toBeInstanceOf(StatusIndexMissingError);
    expect(error).toMatchObject({ code: 'STATUS_INDEX_MISSING' });
    const { message } = error as Error;
    expect(message).toMatch(/^The build store cannot list builds by status: the builds table has no index status-updated_at-index/);
    expect(message).toContain('partition key status S, sort key updated_at N, projection ALL');
    expect(message).toContain('UpdateTable');
  });

  it('cannot list the builds marked for a redrive either', async () => {
    const repository = new DynamoDbBuildRepository({ client: documentClient, tableName: tableWithoutIndex });

    await expect(repository.listRedrivePending({ updatedSince: new Date(0) })).rejects.toBeInstanceOf(BuildsByStatusUnavailableError);
  });
});

describe('DynamoDbBuildRepository: redrive marks and ends by the recorded execution, on the item', () => {
  const ARN = 'arn:aws:states:us-east-1:123456789012:execution:deployment:own';
  const repository = () => new DynamoDbBuildRepository({ client: documentClient, tableName });
  const rawItem = async (key: { repo: string; env: string; sk: string }): Promise<RawItem | undefined> =>
    (await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: `${key.repo}/${key.env}` }, sk: { S: key.sk } }, ConsistentRead: true }))).Item;

  it("adds only redrive_pending_since (N) to a Go item and moves its updated_at, and clearing removes only the mark: Go's layout stays", async () => {
    const key = aBuildKey();
    const goItem = aGoBuildItem({ ...key, status: 'FAILED', executionArn: ARN, errorMsg: 'stack rolled back', createdAt: 1_767_225_600, finishedAt: 1_767_225_600 });
    await client.send(new PutItemCommand({ TableName: tableName, Item: goItem }));
    const at = new Date('2026-03-01T10:07:30.250Z');

    await repository().markRedrivePending(key, ARN, at);
    expect(await rawItem(key)).toStrictEqual({ ...goItem, updated_at: { N: '1772359650' }, redrive_pending_since: { N: '1772359650' } });

    await repository().clearRedrivePending(key, at);
    expect(await rawItem(key)).toStrictEqual({ ...goItem, updated_at: { N: '1772359650' } });
  });

  it('ends a build at the 400 KB limit by the execution it records, in a smaller form, and still by that execution only', async () => {
    const [ours, another] = [aBuildKey(), aBuildKey()];
    for (const key of [ours, another]) {
      const item = aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn: key === ours ? ARN : `${ARN}-other`, createdAt: 1_767_225_600 });
      await client.send(new PutItemCommand({ TableName: tableName, Item: paddedToLimit(item, 40) }));
    }
    const reason = `execution TIMED_OUT: ${'x'.repeat(1_000)}`;

    expect(await repository().recordExecutionEnd(another, ARN, { status: 'FAILED', errorMsg: reason }, new Date())).toMatchObject({ outcome: 'refused' });
    expect(await repository().recordExecutionEnd(ours, ARN, { status: 'FAILED', errorMsg: reason }, new Date())).toEqual({ outcome: 'completed', status: 'FAILED' });

    const item = await rawItem(ours);
    expect(item?.status?.S).toBe('FAILED');
    expect(item?.error_msg?.S).toBe('item at the 400 KB limit');
    expect((await rawItem(another))?.status?.S).toBe('IN_PROGRESS');
  });
});

describe('DynamoDbBuildRepository: a FAILED build near 400 KB keeps a few words of reason (found by the real soak)', () => {
  const ARN = 'arn:aws:states:us-east-1:123456789012:execution:deployment:b-app-1-env-1-3N37QmXPICzNs25lV7o2OFiNM3Y';
  const repository = () => new DynamoDbBuildRepository({ client: documentClient, tableName });
  const rawItem = async (key: { repo: string; env: string; sk: string }): Promise<RawItem | undefined> =>
    (await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: `${key.repo}/${key.env}` }, sk: { S: key.sk } }, ConsistentRead: true }))).Item;

  // Rooms around the execution ARN's (about 115 bytes with its name): some hold the ARN or the few words, not both.
  it.each([100, 110, 120, 130, 140, 150])('keeps the few words before the execution ARN (%i bytes free)', async (room) => {
    const key = aBuildKey();
    await client.send(new PutItemCommand({ TableName: tableName, Item: paddedToLimit(aGoBuildItem({ ...key, status: 'IN_PROGRESS', createdAt: 1_767_225_600 }), room) }));

    const record = await repository().recordCompletion(key, { status: 'FAILED', errorMsg: `stack rolled back: ${'x'.repeat(1_500)}`, executionArn: ARN }, new Date());

    expect(record).toEqual({ outcome: 'completed', status: 'FAILED' });
    const item = await rawItem(key);
    expect(item?.status?.S).toBe('FAILED');
    expect(item?.error_msg?.S).toMatch(/\S/);
  });

  it('keeps the few words before superseded_by for a stale build that has no room for both', async () => {
    const key = aBuildKey();
    await client.send(new PutItemCommand({ TableName: tableName, Item: paddedToLimit(aGoBuildItem({ ...key, createdAt: 1_767_225_600 }), 60) }));
    const attempt = 'a3c1e9a0-0000-4000-8000-000000000001';
    await repository().claimStart(key, attempt);
    const newer = `${key.repo}/${key.env}:${aSortKey()}`;

    const record = await repository().recordStartFailure(key, attempt, `Not deployed: the newer build ${newer} has deployed since. ${'x'.repeat(300)}`, new Date(), { supersededBy: newer });

    expect(record).toEqual({ outcome: 'failed' });
    const item = await rawItem(key);
    expect(item?.status?.S).toBe('FAILED');
    expect(item?.error_msg?.S).toMatch(/\S/);
  });
});

describe('DynamoDbBuildRepository: environment locks, on the items', () => {
  const ARN = 'arn:aws:states:us-east-1:123456789012:execution:deployment:own';
  const T0 = new Date('2026-03-01T10:00:00.000Z');
  const T1 = new Date('2026-03-01T10:07:30.250Z');
  const repository = () => new DynamoDbBuildRepository({ client: documentClient, tableName });
  const rawItem = async (pk: string, sk: string): Promise<RawItem | undefined> =>
    (await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }))).Item;
  const rawLock = (environment: { repo: string; env: string }) => rawItem('lock', `${environment.repo}/${environment.env}`);
  const putRaw = (item: Record<string, AttributeValue>) => client.send(new PutItemCommand({ TableName: tableName, Item: item }));

  it('writes a lock item of exactly pk "lock", sk "{repo}/{env}", holder, policy, taken_at (N), and adopted only when true', async () => {
    const build = aNewBuild();
    await repository().create(build, T0);
    await repository().claimStart(build, 'attempt-1', { environmentLock: { policy: 'supersede', at: T1 } });

    const environment = `${build.repo}/${build.env}`;
    expect(await rawLock(build)).toStrictEqual({
      pk: { S: 'lock' },
      sk: { S: environment },
      holder: { S: build.sk },
      policy: { S: 'supersede' },
      taken_at: { N: '1772359650' },
    });

    const running = aNewBuild();
    await repository().create(running, T0);
    await repository().recordStart(running, ARN, T0);
    await repository().adoptEnvironmentLock(running, 'queue', T1);
    expect(await rawLock(running)).toStrictEqual({
      pk: { S: 'lock' },
      sk: { S: `${running.repo}/${running.env}` },
      holder: { S: running.sk },
      policy: { S: 'queue' },
      taken_at: { N: '1772359650' },
      adopted: { BOOL: true },
    });
  });

  it('writes waiting_for, unlocked_by and unlocked_at as S, S and N, and the start removes waiting_for', async () => {
    const build = aNewBuild();
    await repository().create(build, T0);
    await repository().claimStart(build, 'attempt-1', { environmentLock: { policy: 'queue', at: T0 } });
    const waiting = aNewBuild({ repo: build.repo, env: build.env, sk: aSortKey() });
    await repository().create(waiting, T0);
    await repository().recordWaiting(waiting, `${build.repo}/${build.env}:${build.sk}`);
    await repository().releaseEnvironmentLock(build.repo, build.env, build.sk, { at: T1, releasedBy: 'alice' });

    expect((await rawItem(`${waiting.repo}/${waiting.env}`, waiting.sk))?.waiting_for).toStrictEqual({ S: `${build.repo}/${build.env}:${build.sk}` });
    const holder = await rawItem(`${build.repo}/${build.env}`, build.sk);
    expect([holder?.unlocked_by, holder?.unlocked_at, holder?.updated_at]).toStrictEqual([{ S: 'alice' }, { N: '1772359650' }, { N: '1772359200' }]);
    await repository().recordStart(waiting, ARN, T1);
    expect(await rawItem(`${waiting.repo}/${waiting.env}`, waiting.sk)).not.toHaveProperty('waiting_for');
  });

  it('costs a claim with the lock one transaction and one query, and an end without the release what it cost before locks', async () => {
    const sent: SentCommand[] = [];
    const recording = dynamoDbClientFor(inject('dynamodbEndpoint'));
    recordCommands(recording, sent);
    const counted = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(recording), tableName });
    const [locked, parallel] = [aNewBuild(), aNewBuild()];
    await repository().create(locked, T0);
    await repository().create(parallel, T0);
    const calls = () => sent.splice(0).map((command) => [command.commandName, ((command.input.TransactItems as unknown[] | undefined) ?? []).length]);

    await counted.claimStart(locked, 'attempt-1', { environmentLock: { policy: 'queue', at: T0 } });
    expect(calls()).toEqual([
      ['TransactWriteItemsCommand', 2],
      ['QueryCommand', 0],
    ]);
    await counted.recordStart(locked, ARN, T0);
    calls();
    await counted.recordCompletion(locked, { status: 'SUCCESS' }, T1, { releaseEnvironmentLock: true });
    expect(calls()).toEqual([['TransactWriteItemsCommand', 3]]);

    await counted.claimStart(parallel, 'attempt-1');
    expect(calls()).toEqual([['UpdateItemCommand', 0]]);
    await counted.recordStartFailure(parallel, 'attempt-1', 'boom', T1);
    expect(calls()).toEqual([['TransactWriteItemsCommand', 2]]);
    recording.destroy();
  });

  it.each([
    ['recordExecutionEnd', 'IN_PROGRESS'],
    ['recordCompletion', 'IN_PROGRESS'],
    ['recordStartFailure', 'PENDING'],
    ['recordUnstartable', 'PENDING'],
  ] as const)('%s releases the lock of a build at the 400 KB limit, in a smaller form of the end', async (end, status) => {
    const key = aBuildKey();
    const item = aGoBuildItem({ ...key, status, executionArn: status === 'IN_PROGRESS' ? ARN : '', createdAt: 1_767_225_600 });
    await putRaw(paddedToLimit(item, 40));
    if (status === 'IN_PROGRESS') expect(await repository().adoptEnvironmentLock(key, 'queue', T0)).toMatchObject({ outcome: 'adopted' });
    else expect(await repository().claimStart(key, 'attempt-1', { environmentLock: { policy: 'queue', at: T0 } })).toMatchObject({ claimed: true });
    const reason = `execution TIMED_OUT: ${'x'.repeat(1_000)}`;
    const release = { releaseEnvironmentLock: true };

    const outcome =
      end === 'recordExecutionEnd'
        ? await repository().recordExecutionEnd(key, ARN, { status: 'FAILED', errorMsg: reason }, T1, release)
        : end === 'recordCompletion'
          ? await repository().recordCompletion(key, { status: 'FAILED', errorMsg: reason }, T1, release)
          : end === 'recordStartFailure'
            ? await repository().recordStartFailure(key, 'attempt-1', reason, T1, release)
            : await repository().recordUnstartable(key, reason, T1, release);

    expect(outcome).toMatchObject({ outcome: status === 'IN_PROGRESS' ? 'completed' : 'failed' });
    const stored = await rawItem(`${key.repo}/${key.env}`, key.sk);
    expect(stored?.status?.S).toBe('FAILED');
    expect(stored?.error_msg?.S).not.toBe(reason);
    expect(await rawLock(key)).toBeUndefined();
  });

  it('reports the items of a line that do not read as builds, reading the rest', async () => {
    const environment = aUniqueScope();
    const pk = `${environment.repo}/${environment.env}`;
    const [success, damaged, waiting] = [aSortKey(), aSortKey(), aSortKey()];
    await putRaw(aGoBuildItem({ ...environment, sk: success, status: 'SUCCESS', createdAt: 1_767_225_600 }));
    await putRaw({ ...aGoBuildItem({ ...environment, sk: damaged, createdAt: 1_767_225_600 }), status: { S: 'QUEUED' } });
    await putRaw(aGoBuildItem({ ...environment, sk: waiting, status: 'PENDING', createdAt: 1_767_225_600 }));

    const line = await repository().readEnvironmentLine(environment.repo, environment.env, damaged);

    expect(line.newestSuccess?.sk).toBe(success);
    expect(line.waiting.map((build) => build.sk)).toEqual([waiting]);
    expect(line.build).toBeUndefined();
    expect(line.unreadable).toEqual([{ id: `${pk}:${damaged}`, reason: expect.stringContaining('status') }]);
  });

  it('reads through many pages down to the newest SUCCESS', async () => {
    const environment = aUniqueScope();
    const success = aSortKey();
    await putRaw(aGoBuildItem({ ...environment, sk: success, status: 'SUCCESS', createdAt: 1_767_225_600 }));
    const waiting: string[] = [];
    for (let index = 0; index < 75; index += 1) waiting.push(aSortKey());
    await Promise.all(waiting.map((sk) => putRaw(aGoBuildItem({ ...environment, sk, status: 'PENDING', createdAt: 1_767_225_600 }))));

    const line = await repository().readEnvironmentLine(environment.repo, environment.env);

    expect(line.newestSuccess?.sk).toBe(success);
    expect(line.waiting.map((build) => build.sk)).toEqual(waiting);
  });

  it('never reads a damaged lock item as free nor as a lock: it says so (not as a ValidationError), lists it as unreadable, and its holder can release it', async () => {
    const build = aNewBuild();
    await repository().create(build, T0);
    const holder = aSortKey();
    const environment = `${build.repo}/${build.env}`;
    await putRaw({ pk: { S: 'lock' }, sk: { S: environment }, holder: { S: holder }, policy: { S: 'parallel' }, taken_at: { N: '1772359650' } });

    const read = await repository().getEnvironmentLock(build.repo, build.env).catch((error: unknown) => error);
    expect(read).toMatchObject({ name: 'EnvironmentLockUnreadableError', environment, reason: expect.stringContaining('policy') });
    expect(read).not.toBeInstanceOf(ValidationError);
    const claim = await repository().claimStart(build, 'attempt-1', { environmentLock: { policy: 'queue', at: T0 } }).catch((error: unknown) => error);
    expect(claim).toMatchObject({ name: 'EnvironmentLockUnreadableError' });
    expect(await repository().recordStartFailure(build, 'attempt-1', 'boom', T1)).toEqual({ outcome: 'superseded' });

    let unreadable: { id: string; reason: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await repository().listEnvironmentLocks({ limit: 1000, cursor });
      unreadable = [...unreadable, ...(page.unreadable ?? [])];
      expect(page.locks.map((lock) => `${lock.repo}/${lock.env}`)).not.toContain(environment);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(unreadable).toContainEqual({ id: environment, reason: expect.stringContaining('policy') });

    expect(await repository().releaseEnvironmentLock(build.repo, build.env, holder, { at: T1 })).toEqual({ outcome: 'released' });
    expect(await rawLock(build)).toBeUndefined();
  });

  it('releases by hand the lock of a holder build that is gone, creating no build', async () => {
    const { repo, env } = aUniqueScope();
    const holder = aSortKey();
    await putRaw({ pk: { S: 'lock' }, sk: { S: `${repo}/${env}` }, holder: { S: holder }, policy: { S: 'queue' }, taken_at: { N: '1772359650' } });

    expect(await repository().releaseEnvironmentLock(repo, env, holder, { at: T1, releasedBy: 'alice' })).toEqual({ outcome: 'released' });

    expect(await rawLock({ repo, env })).toBeUndefined();
    expect(await rawItem(`${repo}/${env}`, holder)).toBeUndefined();
  });
});
