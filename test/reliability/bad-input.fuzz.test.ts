import fc from 'fast-check';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { toBuildItem } from '../../src/adapters/driven/builds-table/build-item.js';
import { BuildNotFoundError, ValidationError } from '../../src/index.js';
import { createTriggerBuildHandler, createUpdateBuildStatusHandler } from '../../src/lambda.js';
import { anImageOf, aPendingBuildOf, aStreamEvent, aStreamRecord } from '../support/mothers/dynamodb-stream-event.mother.js';
import { anInMemoryContainer } from '../support/in-memory-container.js';
import { aNewBuild } from '../support/mothers/build.mother.js';
import { invokedByLambda } from '../support/mothers/lambda-context.mother.js';
import { triggerBuildDeps, updateBuildStatusDeps } from '../support/handler-deps.js';

export const FUZZ_RUNS = 300;

const BUILD_ATTRIBUTES = ['pk', 'sk', 'repo', 'env', 'build_number', 'branch', 'version', 'commit_hash', 'status', 'stack_name', 'execution_arn', 'error_msg', 'created_at', 'updated_at', 'finished_at'];
const CALLBACK_FIELDS = ['payload', 'repo', 'env', 'sk', 'status', 'error_msg', 'errorMsg', 'execution_arn'];

/** Any DynamoDB attribute value, nasty numbers and sets included. */
const attributeValue: fc.Arbitrary<AttributeValue> = fc.letrec<{ value: AttributeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.record({ S: fc.string() }),
    fc.record({ N: fc.oneof(fc.integer().map(String), fc.constantFrom('9007199254740993', '1e400', '-0', '3.5', 'NaN', 'abc', '')) }),
    fc.record({ BOOL: fc.boolean() }),
    fc.constant({ NULL: true }),
    fc.record({ SS: fc.array(fc.string(), { minLength: 1, maxLength: 3 }) }),
    fc.record({ NS: fc.array(fc.integer().map(String), { minLength: 1, maxLength: 3 }) }),
    fc.record({ L: fc.array(tie('value'), { maxLength: 3 }) }),
    fc.record({ M: fc.dictionary(fc.string({ maxLength: 5 }), tie('value'), { maxKeys: 3 }) }),
  ),
})).value;

/** A valid build's image with some attributes replaced, removed, or added. */
const mutatedImage = fc
  .record({
    replace: fc.dictionary(fc.constantFrom(...BUILD_ATTRIBUTES), attributeValue, { maxKeys: 3 }),
    remove: fc.subarray(BUILD_ATTRIBUTES, { maxLength: 3 }),
    extra: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), attributeValue, { maxKeys: 2 }),
  })
  .map(({ replace, remove, extra }) => {
    const build = aNewBuild();
    const image: Record<string, AttributeValue> = { ...anImageOf(toBuildItem(aPendingBuildOf(build))), ...extra, ...replace };
    for (const name of remove) delete image[name];
    return { build, image };
  });

const record = fc.record({
  eventName: fc.constantFrom<'INSERT' | 'MODIFY' | 'REMOVE'>('INSERT', 'INSERT', 'INSERT', 'MODIFY', 'REMOVE'),
  mutated: mutatedImage,
  withSequenceNumber: fc.boolean(),
  withKeys: fc.boolean(),
});

describe('bad input never crashes a handler', () => {
  it(`trigger-build: ${FUZZ_RUNS} batches of arbitrary images answer a valid batch response, and each build ends started, FAILED naming an attribute, or untouched`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 5 }), async (records) => {
        const world = anInMemoryContainer();
        const handle = invokedByLambda(createTriggerBuildHandler({ ...triggerBuildDeps(world.container), s3Bucket: 'my-artifacts-bucket' }));
        const events: DynamoDBRecord[] = [];
        for (const { eventName, mutated, withSequenceNumber, withKeys } of records) {
          await world.buildRepository.create(mutated.build);
          events.push(
            aStreamRecord({
              eventName,
              ...(eventName === 'REMOVE' ? { oldImage: mutated.image } : { newImage: mutated.image }),
              ...(withKeys ? {} : { keys: {} }),
              ...(withSequenceNumber ? {} : { sequenceNumber: null }),
            }),
          );
        }

        const response = await handle(aStreamEvent(...events));

        const sequenceNumbers = new Set(events.map((event) => event.dynamodb?.SequenceNumber));
        for (const failure of response.batchItemFailures) {
          expect(failure.itemIdentifier).toEqual(expect.any(String));
          expect(failure.itemIdentifier.length).toBeGreaterThan(0);
          expect(sequenceNumbers.has(failure.itemIdentifier)).toBe(true);
        }
        // Nothing here is transient: no record may be left for redelivery.
        expect(response.batchItemFailures).toEqual([]);
        for (const { mutated } of records) {
          const build = await world.buildRepository.get(mutated.build);
          expect(['PENDING', 'IN_PROGRESS', 'FAILED']).toContain(build?.status);
          if (build?.status === 'FAILED') {
            expect(build.errorMsg).toMatch(new RegExp(`(${BUILD_ATTRIBUTES.join('|')}|image)`));
          }
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  }, 60_000);

  it(`update-build-status: ${FUZZ_RUNS} arbitrary payloads are recorded or refused with an error naming the field`, async () => {
    const world = anInMemoryContainer();
    const handle = invokedByLambda(createUpdateBuildStatusHandler(updateBuildStatusDeps(world.container)));
    const build = aNewBuild();
    await world.buildRepository.create(build);
    const payload = fc.oneof(
      fc.anything(),
      fc
        .record(
          {
            repo: fc.oneof(fc.constant(build.repo), fc.anything()),
            env: fc.oneof(fc.constant(build.env), fc.anything()),
            sk: fc.oneof(fc.constant(build.sk), fc.anything()),
            status: fc.oneof(fc.constantFrom('SUCCESS', 'FAILED'), fc.anything()),
            error_msg: fc.oneof(fc.string(), fc.anything()),
            // The Go workflow's failure state names it so.
            errorMsg: fc.oneof(fc.string(), fc.anything()),
            execution_arn: fc.oneof(
              fc.constant(`arn:aws:states:us-east-1:123456789012:execution:deployment:${build.repo}-${build.env}-${build.sk}`),
              fc.anything(),
            ),
          },
          { requiredKeys: [] },
        ),
    );
    await fc.assert(
      fc.asyncProperty(payload, async (value) => {
        try {
          const result = await handle(value);
          expect(['completed', 'already-completed', 'refused']).toContain(result.outcome);
        } catch (error) {
          if (error instanceof ValidationError) expect(CALLBACK_FIELDS).toContain(error.field);
          else expect(error).toBeInstanceOf(BuildNotFoundError);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  }, 60_000);
});
