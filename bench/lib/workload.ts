/**
 * What the benchmarks start: new builds with KSUID sort keys, their execution
 * inputs and their stream INSERTs, made with the package's public API.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { newKsuid } from '../../dev/ksuid.js';
import { toBuildItem } from '../../src/dynamodb.js';
import { executionInputFor, pendingBuild, type NewBuild, type StepFunctionInput } from '../../src/index.js';

export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:deployment';
export const ARTIFACTS_BUCKET = 'my-artifacts-bucket';

let sequence = 0;
const run = Date.now().toString(36);

/** A new build in a repo/env of its own, so benchmarks can share a table. */
export function aBenchBuild(): NewBuild {
  sequence += 1;
  return { repo: `bench-${run}-${sequence}`, env: 'bench', sk: newKsuid(), branch: 'main', version: '1.2.3', commitHash: 'abc123' };
}

/** The execution input trigger-build derives for the build. */
export function inputOf(build: NewBuild): StepFunctionInput {
  return executionInputFor(build, ARTIFACTS_BUCKET);
}

/** One stream event with the INSERT of each build, as Lambda delivers it. */
export function insertEventOf(builds: readonly NewBuild[]): DynamoDBStreamEvent {
  return {
    Records: builds.map((build, index) => {
      const item = marshall(toBuildItem(pendingBuild(build, new Date())));
      return {
        eventID: `${run}-${sequence}-${index}`,
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        dynamodb: {
          Keys: { pk: item.pk, sk: item.sk },
          NewImage: item,
          SequenceNumber: String(1_000_000 + index),
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      } as DynamoDBStreamEvent['Records'][number];
    }),
  };
}
