import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  ValidationError,
  createContainer,
  type BuildKey,
  type BuildRepository,
  type ExecutionStarter,
  type NewBuild,
  type StartExecutionRequest,
  type StartRecord,
  type StartedExecution,
} from '../../../../../src/index.js';
import { createTriggerBuildHandler } from '../../../../../src/lambda.js';
import {
  InMemoryBuildRepository,
  InMemoryExecutionStarter,
  ManualClock,
  RecordingLogger,
} from '../../../../../src/testing.js';
import {
  aModifyOf,
  aPendingBuildOf,
  aPointerInsertOf,
  aRemoveOf,
  aStreamEvent,
  aStreamRecord,
  anImageOf,
  anInsertOf,
} from '../../../../support/mothers/dynamodb-stream-event.mother.js';
import { STATE_MACHINE_ARN, aNewBuild } from '../../../../support/mothers/build.mother.js';
import { aLambdaContext } from '../../../../support/mothers/lambda-context.mother.js';
import { triggerBuildDeps } from '../../../../support/handler-deps.js';

/** Counts start attempts (failed ones too) and how many ran at once. */
class CountingStarter implements ExecutionStarter {
  attempts = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    readonly inner: InMemoryExecutionStarter,
    private readonly latencyMs = 0,
  ) {}

  async start(request: StartExecutionRequest): Promise<StartedExecution> {
    this.attempts += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      return await this.inner.start(request);
    } finally {
      this.inFlight -= 1;
    }
  }

  startedEarlier(request: StartExecutionRequest): Promise<StartedExecution | undefined> {
    return this.inner.startedEarlier(request);
  }
}

/**
 * The repository as seen through a throttled DynamoDB: its next `failures`
 * calls, whichever they are, fail as DynamoDB does when throttled.
 */
function throttled(repository: BuildRepository, failures: number): BuildRepository {
  let remaining = failures;
  return new Proxy(repository, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (remaining === 0) return value.apply(target, args);
        remaining -= 1;
        const error = new Error('The level of configured provisioned throughput for the table was exceeded');
        return Promise.reject(Object.assign(error, { name: 'ProvisionedThroughputExceededException' }));
      };
    },
  });
}

/** Another writer records a different execution just before ours. */
class RacedBuildRepository extends InMemoryBuildRepository {
  override async recordStart(key: BuildKey, executionArn: string, at: Date): Promise<StartRecord> {
    await super.recordStart(key, `${executionArn}-other`, at);
    return super.recordStart(key, executionArn, at);
  }
}

interface TriggerBuildOptions {
  readonly buildRepository?: InMemoryBuildRepository;
  /** What the handler sees of the repository (the test still writes to it directly). */
  readonly seenAs?: (repository: InMemoryBuildRepository) => BuildRepository;
  readonly concurrency?: number;
  readonly latencyMs?: number;
}

function aTriggerBuild(options: TriggerBuildOptions = {}) {
  const buildRepository = options.buildRepository ?? new InMemoryBuildRepository();
  const inMemoryStarter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
  const executionStarter = new CountingStarter(inMemoryStarter, options.latencyMs);
  const logger = new RecordingLogger();
  const container = createContainer({
    buildRepository: options.seenAs?.(buildRepository) ?? buildRepository,
    executionStarter,
    logger,
    clock: new ManualClock(),
  });
  const handler = createTriggerBuildHandler({
    container,
    s3Bucket: 'my-artifacts-bucket',
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  });
  const handle = (event: DynamoDBStreamEvent) => handler(event, aLambdaContext());
  const created = async (overrides: Partial<NewBuild> = {}): Promise<NewBuild> => {
    const build = aNewBuild(overrides);
    await buildRepository.create(build, aPendingBuildOf(build).createdAt);
    return build;
  };
  const statusOf = async (build: NewBuild) => (await buildRepository.get(build))?.status;
  const errorMsgOf = async (build: NewBuild) => (await buildRepository.get(build))?.errorMsg;
  return { handle, buildRepository, inMemoryStarter, executionStarter, logger, created, statusOf, errorMsgOf };
}

const sequenceNumberOf = (record: DynamoDBRecord) => record.dynamodb?.SequenceNumber;

describe('trigger-build handler', () => {
  it('starts the execution of an inserted build and records it IN_PROGRESS', async () => {
    const { handle, inMemoryStarter, created, buildRepository, logger } = aTriggerBuild();
    const build = await created({ repo: 'myapp', env: 'prd', branch: 'main', version: '1.2.3' });

    const response = await handle(aStreamEvent(anInsertOf(build)));

    expect(response).toEqual({ batchItemFailures: [] });
    const [execution] = inMemoryStarter.executions;
    expect(JSON.parse(execution?.input ?? '')).toMatchObject({
      repo: 'myapp',
      env: 'prd',
      sk: build.sk,
      s3_bucket: 'my-artifacts-bucket',
      s3_key: 'myapp/main/1.2.3',
    });
    expect(await buildRepository.get(build)).toMatchObject({ status: 'IN_PROGRESS', executionArn: execution?.executionArn });
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: 'Build started',
        attributes: expect.objectContaining({ buildId: `myapp/prd:${build.sk}`, executionArn: execution?.executionArn }),
      }),
    );
  });

  it.each([
    ['a latest pointer INSERT', aPointerInsertOf],
    ['a MODIFY', (build: NewBuild) => aModifyOf(build)],
    ['a REMOVE', aRemoveOf],
  ])('ignores %s, logged at debug', async (_, recordOf) => {
    const { handle, executionStarter, created, statusOf, logger } = aTriggerBuild();
    const build = await created();

    const response = await handle(aStreamEvent(recordOf(build)));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(executionStarter.attempts).toBe(0);
    expect(await statusOf(build)).toBe('PENDING');
    expect(logger.entries.filter((entry) => entry.level !== 'info')).toEqual([
      expect.objectContaining({ level: 'debug', message: 'Record ignored' }),
    ]);
  });

  it('starts only the builds of a batch that mixes inserts, pointers, changes and removals', async () => {
    const { handle, inMemoryStarter, created, statusOf } = aTriggerBuild();
    const [first, second, changed, removed] = await Promise.all([created(), created(), created(), created()]);

    const response = await handle(
      aStreamEvent(
        anInsertOf(first),
        aPointerInsertOf(first),
        aModifyOf(changed),
        anInsertOf(second),
        aPointerInsertOf(second),
        aRemoveOf(removed),
      ),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(inMemoryStarter.executions.map((execution) => execution.name).sort()).toEqual(
      [first, second].map((build) => `${build.repo}-${build.env}-${build.sk}`).sort(),
    );
    expect([await statusOf(first), await statusOf(second), await statusOf(changed)]).toEqual([
      'IN_PROGRESS',
      'IN_PROGRESS',
      'PENDING',
    ]);
  });

  it('starts a redelivered build once and answers the repeat with success', async () => {
    const { handle, inMemoryStarter, created } = aTriggerBuild();
    const event = aStreamEvent(anInsertOf(await created()));

    await handle(event);
    const repeat = await handle(event);

    expect(repeat).toEqual({ batchItemFailures: [] });
    expect(inMemoryStarter.executions).toHaveLength(1);
  });

  describe('a build that can never start becomes FAILED and its record succeeds', () => {
    it('on a permanent start error', async () => {
      const { handle, inMemoryStarter, created, statusOf, errorMsgOf } = aTriggerBuild();
      const build = await created();
      inMemoryStarter.failNext('StateMachineDoesNotExist');

      const response = await handle(aStreamEvent(anInsertOf(build)));

      expect(response).toEqual({ batchItemFailures: [] });
      expect(await statusOf(build)).toBe('FAILED');
      expect(await errorMsgOf(build)).toContain('StateMachineDoesNotExist');
    });

    it.each([
      ['an sk that is no KSUID', { sk: '0b6f2c1e-5d8a-4c1e-9f3a-2b7d9e4c6a10' }, /Invalid sk: must be 1 to 64 letters or digits/],
      ['a repo with a space', { repo: 'my app' }, /Invalid repo: must not contain .*whitespace/],
      ['no commit_hash (Go leaves an empty one out)', { commitHash: '' }, /Invalid commit_hash: is absent or empty in the build record/],
      ['no branch (Go leaves an empty one out)', { branch: '' }, /Invalid branch: is absent or empty in the build record/],
    ])('on a build another writer recorded with %s, naming the field', async (_, fields, reason) => {
      const { handle, buildRepository, executionStarter, statusOf, errorMsgOf } = aTriggerBuild();
      const build = { ...aPendingBuildOf(aNewBuild()), ...fields };
      buildRepository.seed(build);

      const response = await handle(aStreamEvent(anInsertOf(build)));

      expect(response).toEqual({ batchItemFailures: [] });
      expect(executionStarter.attempts).toBe(0);
      expect(await statusOf(build)).toBe('FAILED');
      expect(await errorMsgOf(build)).toMatch(reason);
    });

  });

  it.each([
    ['lacks an attribute the item has', { without: ['commit_hash'] }],
    ['holds a string set', { set: { version: { SS: ['1.2.3', '1.2.4'] } } }],
    ['holds an integer beyond 2^53', { set: { build_number: { N: '9007199254740993' } } }],
    ['holds a fraction beyond 2^53', { set: { created_at: { N: '123456789012345678901.5' } } }],
    ['holds a status that is none', { set: { status: { S: 'QUEUED' } } }],
    ['holds a repo that does not match pk', { set: { repo: { S: 'otherapp' } } }],
  ])('starts the build as the table holds it when the image %s: an image never decides what is deployed', async (_, options) => {
    const { handle, created, statusOf, inMemoryStarter } = aTriggerBuild();
    const build = await created();

    await expect(handle(aStreamEvent(anInsertOf(build, options)))).resolves.toEqual({ batchItemFailures: [] });

    expect(await statusOf(build)).toBe('IN_PROGRESS');
    expect(JSON.parse(inMemoryStarter.executions[0]?.input ?? '{}')).toMatchObject({ commit_hash: build.commitHash, version: build.version });
  });

  it('starts a build from an INSERT without a new image (a KEYS_ONLY stream)', async () => {
    const { handle, created, statusOf } = aTriggerBuild();
    const build = await created();
    const insert = anInsertOf(build);
    delete insert.dynamodb?.NewImage;

    await handle(aStreamEvent(insert));

    expect(await statusOf(build)).toBe('IN_PROGRESS');
  });

  it('ignores unreadable attributes the build does not use, as the repository does', async () => {
    const { handle, created, statusOf } = aTriggerBuild();
    const build = await created();

    await handle(aStreamEvent(anInsertOf(build, { set: { artifact_bytes: { N: '99999999999999999999' }, tags: { SS: ['a'] } } })));

    expect(await statusOf(build)).toBe('IN_PROGRESS');
  });

  it.each([
    ['no keys at all', { Keys: {}, NewImage: {} }],
    ['a pk that is not {repo}/{env}', { Keys: anImageOf({ pk: 'myapp', sk: '2HFj3kLmNoPqRsTuVwXy' }) }],
  ])('logs and skips a record with %s: there is no build to mark', async (_, dynamodb) => {
    const { handle, executionStarter, logger } = aTriggerBuild();
    const record = aStreamRecord({ eventName: 'INSERT' });
    Object.assign(record.dynamodb ?? {}, dynamodb);

    const response = await handle(aStreamEvent(record));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(executionStarter.attempts).toBe(0);
    expect(logger.entries).toContainEqual({
      level: 'error',
      message: 'Record skipped: it names no build',
      attributes: expect.objectContaining({ eventId: record.eventID, reason: expect.any(String) }),
    });
  });

  describe('a transient failure', () => {
    it('reports the record by sequence number and leaves the build PENDING; the redelivery starts it', async () => {
      const { handle, inMemoryStarter, created, statusOf, logger } = aTriggerBuild();
      const build = await created();
      const insert = anInsertOf(build);
      inMemoryStarter.failNext('ExecutionLimitExceeded');

      const response = await handle(aStreamEvent(insert));

      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumberOf(insert) }] });
      expect(await statusOf(build)).toBe('PENDING');
      expect(logger.entries).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          attributes: expect.objectContaining({ errorCode: 'EXECUTION_START_TRANSIENT', buildId: expect.any(String) }),
        }),
      );

      await expect(handle(aStreamEvent(insert))).resolves.toEqual({ batchItemFailures: [] });
      expect(await statusOf(build)).toBe('IN_PROGRESS');
    });

    it('includes DynamoDB errors', async () => {
      const { handle, created, statusOf } = aTriggerBuild({ seenAs: (repository) => throttled(repository, 1) });
      const build = await created();
      const insert = anInsertOf(build);

      await expect(handle(aStreamEvent(insert))).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumberOf(insert) }] });
      expect(await statusOf(build)).toBe('PENDING');
    });

    it('holds back the later records of the same item, unprocessed, and only those', async () => {
      const { handle, inMemoryStarter, executionStarter, created, statusOf } = aTriggerBuild();
      const [build, other] = [await created(), await created()];
      const first = anInsertOf(build);
      const again = anInsertOf(build);
      const otherInsert = anInsertOf(other);
      inMemoryStarter.failNext('ExecutionLimitExceeded');

      const response = await handle(aStreamEvent(first, otherInsert, again));

      expect(response.batchItemFailures).toEqual([
        { itemIdentifier: sequenceNumberOf(first) },
        { itemIdentifier: sequenceNumberOf(again) },
      ]);
      expect(executionStarter.attempts).toBe(2);
      expect(await statusOf(build)).toBe('PENDING');
      expect(await statusOf(other)).toBe('IN_PROGRESS');
    });

    it.each([
      ['no sequence number', null],
      ['an empty sequence number', ''],
    ])('of a record with %s is logged with its event id, never reported with an empty identifier', async (_, sequenceNumber) => {
      const { handle, inMemoryStarter, created, statusOf, logger } = aTriggerBuild();
      const build = await created();
      const insert = anInsertOf(build, { sequenceNumber });
      inMemoryStarter.failNext('ThrottlingException');

      const response = await handle(aStreamEvent(insert));

      expect(response).toEqual({ batchItemFailures: [] });
      expect(await statusOf(build)).toBe('PENDING');
      expect(logger.entries).toContainEqual({
        level: 'error',
        message: 'Record dropped: it must be delivered again but has no sequence number',
        attributes: { eventId: insert.eventID },
      });
    });
  });

  it('lets a refused start pass: a redelivery would be refused the same way', async () => {
    const { handle, created, logger } = aTriggerBuild({ buildRepository: new RacedBuildRepository() });

    const response = await handle(aStreamEvent(anInsertOf(await created())));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'Build not started: its record refused the start' }),
    );
  });

  it.each([
    [undefined, 10],
    [3, 3],
  ])('processes different items concurrently, at most %s (so %s) at a time', async (concurrency, bound) => {
    const { handle, executionStarter, created, statusOf } = aTriggerBuild({
      latencyMs: 5,
      ...(concurrency === undefined ? {} : { concurrency }),
    });
    const builds = await Promise.all(Array.from({ length: 25 }, () => created()));

    const response = await handle(aStreamEvent(...builds.map((build) => anInsertOf(build))));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(executionStarter.maxInFlight).toBe(bound);
    expect(await Promise.all(builds.map(statusOf))).toEqual(builds.map(() => 'IN_PROGRESS'));
  });

  it.each([
    [{ concurrency: 0 }, 'concurrency'],
    [{ s3Bucket: '' }, 's3Bucket'],
  ])('refuses bad options %o', (options, field) => {
    const container = createContainer({
      buildRepository: new InMemoryBuildRepository(),
      executionStarter: new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN }),
      logger: new RecordingLogger(),
    });
    expect(() => createTriggerBuildHandler({ ...triggerBuildDeps(container), s3Bucket: 'my-artifacts-bucket', ...options })).toThrow(
      expect.objectContaining({ constructor: ValidationError, field }),
    );
  });
});
