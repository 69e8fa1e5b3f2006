// Wire compatibility with the Go implementation on one builds table: items Go
// wrote read and advance correctly here, and items written here carry exactly
// the attribute names and AttributeValue types Go reads. Everything goes
// through the raw DynamoDBClient with explicit AttributeValue maps, so no
// (un)marshalling of ours sits between the test and the table.
//
// The Go record type tags every attribute `omitempty` (DESIGN "DynamoDB
// facts"), so an item may lack any attribute but pk and sk: the mother's
// `goItemOf` leaves out exactly what Go would.
import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbBuildRepository } from '../../../../src/dynamodb.js';
import type { BuildKey, NewBuild } from '../../../../src/index.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../../dev/dynamodb-local/builds-table.js';
import { aBuildKey, aNewBuild, aSortKey, aUniqueScope } from '../../../support/mothers/build.mother.js';
import {
  GO_BUILD_ITEM_TYPES,
  GO_EPOCH_SECONDS,
  aGoBuildItem,
  aGoLatestPointerItem,
  attributeTypesOf,
  goItemOf,
  type GoBuildAttribute,
  type GoBuildRecord,
  type RawItem,
} from '../../../support/mothers/go-item.mother.js';

const client = dynamoDbClientFor(inject('dynamodbEndpoint'));
const tableName = uniqueTableName('go-wire-compat');
const repository = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(client), tableName });

beforeAll(() => createBuildsTable(client, tableName));
afterAll(async () => {
  await deleteTable(client, tableName);
  client.destroy();
});

const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:deployment:goapp-prd-2HFj3kLmNoPqRsTuVwXy';
const AN_HOUR = 3_600;


const GO_POINTER_ITEM_TYPES = { pk: 'S', sk: 'S', id: 'S', repo: 'S', env: 'S', status: 'S', updated_at: 'N' };

/** The Go types of exactly these attributes: an item with any other attribute, or another type, differs. */
function goTypesOf(...attributes: GoBuildAttribute[]): Record<string, string> {
  return Object.fromEntries(attributes.map((attribute) => [attribute, GO_BUILD_ITEM_TYPES[attribute]]));
}

const MANDATORY_ATTRIBUTES: GoBuildAttribute[] = [
  'pk',
  'sk',
  'repo',
  'env',
  'branch',
  'version',
  'commit_hash',
  'status',
  'created_at',
  'updated_at',
];

function secondsAfterGoEpoch(seconds: number, extraMilliseconds = 0): Date {
  return new Date((GO_EPOCH_SECONDS + seconds) * 1000 + extraMilliseconds);
}

async function putRaw(item: RawItem): Promise<void> {
  await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
}

async function rawItem(pk: string, sk: string): Promise<RawItem | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }),
  );
  return Item;
}

async function rawBuildItem(key: BuildKey): Promise<RawItem | undefined> {
  return rawItem(`${key.repo}/${key.env}`, key.sk);
}

async function rawPointerItem(scope: { repo: string; env: string }): Promise<RawItem | undefined> {
  return rawItem(`latest/${scope.env}`, `${scope.repo}/${scope.env}`);
}

/** Two Go-written builds of one repo/env, the newer sorting after the older. */
function anOlderAndANewerKey(): { older: BuildKey; newer: BuildKey } {
  const scope = aUniqueScope();
  return { older: { ...scope, sk: aSortKey() }, newer: { ...scope, sk: aSortKey() } };
}

/** A build of ours as the Go record Go would marshal: absent optional fields are Go's zero values. */
function goRecordOf(build: NewBuild, fields: Partial<GoBuildRecord> = {}): GoBuildRecord {
  return {
    repo: build.repo,
    env: build.env,
    sk: build.sk,
    buildNumber: build.buildNumber === undefined ? '' : String(build.buildNumber),
    branch: build.branch,
    version: build.version,
    commitHash: build.commitHash,
    status: 'PENDING',
    stackName: build.stackName ?? '',
    executionArn: '',
    errorMsg: '',
    createdAt: GO_EPOCH_SECONDS,
    updatedAt: GO_EPOCH_SECONDS,
    finishedAt: 0,
    ...fields,
  };
}

describe('Reading items the Go implementation wrote', () => {
  it('reads the item Go creates: build_number a string, stack_name, version "{build_number}.{commit_hash}"', async () => {
    const key = aBuildKey();
    const item = aGoBuildItem({ ...key, buildNumber: '42', commitHash: 'f00dfeed' });
    expect(attributeTypesOf(item)).toEqual(
      goTypesOf(...MANDATORY_ATTRIBUTES, 'build_number', 'stack_name'),
    );
    await putRaw(item);

    expect(await repository.get(key)).toStrictEqual({
      ...key,
      buildNumber: '42',
      branch: 'main',
      version: '42.f00dfeed',
      commitHash: 'f00dfeed',
      status: 'PENDING',
      stackName: `${key.env}-${key.repo}`,
      createdAt: new Date('2026-01-01T00:00:00Z'),
      updatedAt: new Date('2026-01-01T00:00:00Z'),
    });
  });

  it('reads a FAILED build with every attribute Go can write', async () => {
    const key = aBuildKey();
    const item = aGoBuildItem({
      ...key,
      status: 'FAILED',
      buildNumber: '7',
      executionArn: EXECUTION_ARN,
      errorMsg: 'stack rolled back',
      updatedAt: GO_EPOCH_SECONDS + 300,
      finishedAt: GO_EPOCH_SECONDS + 300,
    });
    expect(attributeTypesOf(item)).toEqual(GO_BUILD_ITEM_TYPES);
    await putRaw(item);

    expect(await repository.get(key)).toStrictEqual({
      ...key,
      buildNumber: '7',
      branch: 'main',
      version: '7.abc123',
      commitHash: 'abc123',
      status: 'FAILED',
      stackName: `${key.env}-${key.repo}`,
      executionArn: EXECUTION_ARN,
      errorMsg: 'stack rolled back',
      createdAt: new Date('2026-01-01T00:00:00Z'),
      updatedAt: new Date('2026-01-01T00:05:00Z'),
      finishedAt: new Date('2026-01-01T00:05:00Z'),
    });
  });

  it('reads build_number written as a number (N) by 0.1.0 of this module as its decimal string', async () => {
    const key = aBuildKey();
    await putRaw({ ...aGoBuildItem(key), build_number: { N: '42' } });

    expect(await repository.get(key)).toMatchObject({ buildNumber: '42' });
  });

  it('reads a build whose only attributes are pk, sk and status: repo and env from pk, Go zero values for the rest', async () => {
    const key = aBuildKey();
    await putRaw(goItemOf({ ...goRecordOf(aNewBuild(key)), branch: '', version: '', commitHash: '', createdAt: 0, updatedAt: 0 }));
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: `${key.repo}/${key.env}` }, sk: { S: key.sk } },
        UpdateExpression: 'REMOVE repo, env',
      }),
    );

    expect(await repository.get(key)).toStrictEqual({
      ...key,
      branch: '',
      version: '',
      commitHash: '',
      status: 'PENDING',
      createdAt: new Date(0),
      updatedAt: new Date(0),
    });
  });

  it('reads a build another writer gave an odd key (a space in repo, a UUID as sk), and finishes it', async () => {
    const key = { repo: 'my app', env: 'prd', sk: '0b6f2c1e-5d8a-4c1e-9f3a-2b7d9e4c6a10' };
    await putRaw(aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn: EXECUTION_ARN }));

    expect(await repository.get(key)).toMatchObject({ ...key, status: 'IN_PROGRESS' });
    expect(await repository.recordCompletion(key, { status: 'SUCCESS' }, secondsAfterGoEpoch(AN_HOUR))).toEqual({
      outcome: 'completed',
      status: 'SUCCESS',
    });
  });

  it('lists Go-written builds of one repo/env newest first', async () => {
    const scope = aUniqueScope();
    const sortKeys = [aSortKey(), aSortKey(), aSortKey()];
    for (const sk of sortKeys) await putRaw(aGoBuildItem({ ...scope, sk }));

    const page = await repository.listBuilds(scope.repo, scope.env);

    expect(page.builds.map((build) => build.sk)).toEqual([...sortKeys].reverse());
    expect(page.nextCursor).toBeUndefined();
  });

  it('follows a Go-written latest pointer to its build', async () => {
    const { older, newer } = anOlderAndANewerKey();
    await putRaw(aGoBuildItem({ ...older, status: 'SUCCESS', executionArn: EXECUTION_ARN, finishedAt: GO_EPOCH_SECONDS }));
    await putRaw(aGoBuildItem({ ...newer, status: 'IN_PROGRESS', executionArn: EXECUTION_ARN }));
    await putRaw(aGoLatestPointerItem({ ...newer, status: 'IN_PROGRESS' }));

    const latest = await repository.latestBuilds(newer.env);

    expect(latest.map((build) => [build.sk, build.status])).toEqual([[newer.sk, 'IN_PROGRESS']]);
  });
});

describe('Advancing items the Go implementation wrote', () => {
  it('records a start on a Go PENDING build, keeping every attribute Go wrote, and moves the Go pointer forward', async () => {
    const { older, newer } = anOlderAndANewerKey();
    const goItem = aGoBuildItem({ ...newer, buildNumber: '42' });
    await putRaw(goItem);
    await putRaw(aGoLatestPointerItem({ ...older, status: 'SUCCESS' }));

    const record = await repository.recordStart(newer, EXECUTION_ARN, secondsAfterGoEpoch(AN_HOUR, 750));

    expect(record).toEqual({ outcome: 'started', status: 'IN_PROGRESS', executionArn: EXECUTION_ARN });
    expect(await rawBuildItem(newer)).toStrictEqual({
      ...goItem,
      status: { S: 'IN_PROGRESS' },
      execution_arn: { S: EXECUTION_ARN },
      updated_at: { N: String(GO_EPOCH_SECONDS + AN_HOUR) },
    });
    expect(await rawPointerItem(newer)).toStrictEqual(
      aGoLatestPointerItem({ ...newer, status: 'IN_PROGRESS', updatedAt: GO_EPOCH_SECONDS + AN_HOUR }),
    );
  });

  it('records a start on an older Go build without moving the Go pointer back', async () => {
    const { older, newer } = anOlderAndANewerKey();
    await putRaw(aGoBuildItem(older));
    await putRaw(aGoBuildItem({ ...newer, status: 'IN_PROGRESS', executionArn: EXECUTION_ARN }));
    const goPointer = aGoLatestPointerItem({ ...newer, status: 'IN_PROGRESS' });
    await putRaw(goPointer);

    await repository.recordStart(older, `${EXECUTION_ARN}-older`, secondsAfterGoEpoch(AN_HOUR));

    expect(await rawBuildItem(older)).toMatchObject({ status: { S: 'IN_PROGRESS' }, execution_arn: { S: `${EXECUTION_ARN}-older` } });
    expect(await rawPointerItem(newer)).toStrictEqual(goPointer);
  });

  it('treats a replayed start of a Go IN_PROGRESS build with its own ARN as done, writing nothing', async () => {
    const key = aBuildKey();
    const goItem = aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn: EXECUTION_ARN, updatedAt: GO_EPOCH_SECONDS + 60 });
    await putRaw(goItem);

    const record = await repository.recordStart(key, EXECUTION_ARN, secondsAfterGoEpoch(AN_HOUR));

    expect(record).toEqual({ outcome: 'already-started', status: 'IN_PROGRESS', executionArn: EXECUTION_ARN });
    expect(await rawBuildItem(key)).toStrictEqual(goItem);
  });

  it('records SUCCESS on a Go IN_PROGRESS build and moves the Go pointer along', async () => {
    const key = aBuildKey();
    const goItem = aGoBuildItem({ ...key, status: 'IN_PROGRESS', executionArn: EXECUTION_ARN, buildNumber: '3' });
    await putRaw(goItem);
    await putRaw(aGoLatestPointerItem({ ...key, status: 'IN_PROGRESS' }));

    const record = await repository.recordCompletion(key, { status: 'SUCCESS' }, secondsAfterGoEpoch(AN_HOUR, 999));

    expect(record).toEqual({ outcome: 'completed', status: 'SUCCESS' });
    expect(await rawBuildItem(key)).toStrictEqual({
      ...goItem,
      status: { S: 'SUCCESS' },
      updated_at: { N: String(GO_EPOCH_SECONDS + AN_HOUR) },
      finished_at: { N: String(GO_EPOCH_SECONDS + AN_HOUR) },
    });
    expect(await rawPointerItem(key)).toStrictEqual(
      aGoLatestPointerItem({ ...key, status: 'SUCCESS', updatedAt: GO_EPOCH_SECONDS + AN_HOUR }),
    );
  });

  it('records FAILED with its reason on an older Go build without moving the Go pointer back', async () => {
    const { older, newer } = anOlderAndANewerKey();
    const goItem = aGoBuildItem({ ...older, status: 'IN_PROGRESS', executionArn: EXECUTION_ARN });
    await putRaw(goItem);
    await putRaw(aGoBuildItem(newer));
    const goPointer = aGoLatestPointerItem(newer);
    await putRaw(goPointer);

    await repository.recordCompletion(older, { status: 'FAILED', errorMsg: 'stack rolled back' }, secondsAfterGoEpoch(AN_HOUR));

    expect(await rawBuildItem(older)).toStrictEqual({
      ...goItem,
      status: { S: 'FAILED' },
      error_msg: { S: 'stack rolled back' },
      updated_at: { N: String(GO_EPOCH_SECONDS + AN_HOUR) },
      finished_at: { N: String(GO_EPOCH_SECONDS + AN_HOUR) },
    });
    expect(await rawPointerItem(newer)).toStrictEqual(goPointer);
  });

  it('moves a Go pointer forward when a newer build is created here', async () => {
    const { older, newer } = anOlderAndANewerKey();
    await putRaw(aGoBuildItem({ ...older, status: 'SUCCESS', executionArn: EXECUTION_ARN, finishedAt: GO_EPOCH_SECONDS }));
    await putRaw(aGoLatestPointerItem({ ...older, status: 'SUCCESS' }));

    await repository.create(aNewBuild(newer), secondsAfterGoEpoch(AN_HOUR));

    expect(await rawPointerItem(newer)).toStrictEqual(
      aGoLatestPointerItem({ ...newer, status: 'PENDING', updatedAt: GO_EPOCH_SECONDS + AN_HOUR }),
    );
  });
});

describe('Items written here, as Go reads them', () => {
  const CREATED = secondsAfterGoEpoch(0, 250);
  const STARTED = secondsAfterGoEpoch(90, 500);
  const FINISHED = secondsAfterGoEpoch(AN_HOUR, 999);

  it('creates a build item with exactly the Go attributes and types: build_number a string (S)', async () => {
    const build = aNewBuild({ buildNumber: '42', version: '42.f00dfeed', stackName: 'goapp-prd', commitHash: 'f00dfeed' });

    await repository.create(build, CREATED);

    const item = await rawBuildItem(build);
    expect(attributeTypesOf(item ?? {})).toEqual(goTypesOf(...MANDATORY_ATTRIBUTES, 'build_number', 'stack_name'));
    expect(item).toStrictEqual(goItemOf(goRecordOf(build)));
    const pointer = await rawPointerItem(build);
    expect(attributeTypesOf(pointer ?? {})).toEqual(GO_POINTER_ITEM_TYPES);
    expect(pointer).toStrictEqual(aGoLatestPointerItem({ ...build, status: 'PENDING' }));
  });

  it('writes a build number given as a number (the 0.1.0 API) as a string', async () => {
    const build = aNewBuild({ buildNumber: 42 });

    await repository.create(build, CREATED);

    expect((await rawBuildItem(build))?.build_number).toStrictEqual({ S: '42' });
  });

  it('creates a build item without the optional attributes it was not given', async () => {
    const build = aNewBuild();

    await repository.create(build, CREATED);

    const item = await rawBuildItem(build);
    expect(attributeTypesOf(item ?? {})).toEqual(goTypesOf(...MANDATORY_ATTRIBUTES));
    expect(item).toStrictEqual(goItemOf(goRecordOf(build)));
  });

  it('records a start as Go would: IN_PROGRESS, execution_arn, updated_at in seconds', async () => {
    const build = aNewBuild({ buildNumber: '5' });
    await repository.create(build, CREATED);

    await repository.recordStart(build, EXECUTION_ARN, STARTED);

    const item = await rawBuildItem(build);
    expect(attributeTypesOf(item ?? {})).toEqual(goTypesOf(...MANDATORY_ATTRIBUTES, 'build_number', 'execution_arn'));
    expect(item).toStrictEqual(
      goItemOf(goRecordOf(build, { status: 'IN_PROGRESS', executionArn: EXECUTION_ARN, updatedAt: GO_EPOCH_SECONDS + 90 })),
    );
    const pointer = await rawPointerItem(build);
    expect(attributeTypesOf(pointer ?? {})).toEqual(GO_POINTER_ITEM_TYPES);
    expect(pointer).toStrictEqual(aGoLatestPointerItem({ ...build, status: 'IN_PROGRESS', updatedAt: GO_EPOCH_SECONDS + 90 }));
  });

  it('records a failure as Go would: FAILED, error_msg, finished_at in seconds', async () => {
    const build = aNewBuild();
    await repository.create(build, CREATED);
    await repository.recordStart(build, EXECUTION_ARN, STARTED);

    await repository.recordCompletion(build, { status: 'FAILED', errorMsg: 'stack rolled back' }, FINISHED);

    const item = await rawBuildItem(build);
    expect(attributeTypesOf(item ?? {})).toEqual(
      goTypesOf(...MANDATORY_ATTRIBUTES, 'execution_arn', 'error_msg', 'finished_at'),
    );
    expect(item).toStrictEqual(
      goItemOf(
        goRecordOf(build, {
          status: 'FAILED',
          executionArn: EXECUTION_ARN,
          errorMsg: 'stack rolled back',
          updatedAt: GO_EPOCH_SECONDS + AN_HOUR,
          finishedAt: GO_EPOCH_SECONDS + AN_HOUR,
        }),
      ),
    );
    const pointer = await rawPointerItem(build);
    expect(attributeTypesOf(pointer ?? {})).toEqual(GO_POINTER_ITEM_TYPES);
    expect(pointer).toStrictEqual(aGoLatestPointerItem({ ...build, status: 'FAILED', updatedAt: GO_EPOCH_SECONDS + AN_HOUR }));
  });

  it('records a success as Go would: SUCCESS, finished_at, no error_msg', async () => {
    const build = aNewBuild();
    await repository.create(build, CREATED);
    await repository.recordStart(build, EXECUTION_ARN, STARTED);

    await repository.recordCompletion(build, { status: 'SUCCESS' }, FINISHED);

    const item = await rawBuildItem(build);
    expect(attributeTypesOf(item ?? {})).toEqual(goTypesOf(...MANDATORY_ATTRIBUTES, 'execution_arn', 'finished_at'));
    expect(item).toStrictEqual(
      goItemOf(
        goRecordOf(build, {
          status: 'SUCCESS',
          executionArn: EXECUTION_ARN,
          updatedAt: GO_EPOCH_SECONDS + AN_HOUR,
          finishedAt: GO_EPOCH_SECONDS + AN_HOUR,
        }),
      ),
    );
  });
});
