/**
 * What the benchmarks start: new builds with KSUID sort keys, their execution
 * inputs and their stream INSERTs, made with the package's public API.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { newKsuid } from '../../dev/ksuid.js';
import { toBuildItem } from '../../src/dynamodb.js';
import {
  ENVIRONMENT_LOCK_PARTITION,
  executionInputFor,
  partitionKeyOf,
  pendingBuild,
  type NewBuild,
  type StepFunctionInput,
} from '../../src/index.js';

export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:deployment';
export const ARTIFACTS_BUCKET = 'my-artifacts-bucket';

let sequence = 0;
const run = Date.now().toString(36);

/** A new build in a repo/env of its own, so benchmarks can share a table. */
export function aBenchBuild(): NewBuild {
  sequence += 1;
  return { repo: `bench-${run}-${sequence}`, env: 'bench', sk: newKsuid(), branch: 'main', version: '1.2.3', commitHash: 'abc123' };
}

/**
 * `count` new builds of one repo/env of their own, oldest first: their sort
 * keys ascend in the order returned (KSUIDs of one second sort by their random
 * payload, so they are sorted here), as builds uploaded one after another.
 */
export function benchBuildsOfOneEnvironment(count: number): NewBuild[] {
  sequence += 1;
  const repo = `bench-${run}-${sequence}`;
  const keys = Array.from({ length: count }, () => newKsuid()).sort();
  return keys.map((sk, index) => ({ repo, env: 'bench', sk, branch: 'main', version: `1.2.${index}`, commitHash: 'abc123' }));
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

/**
 * One stream event with the REMOVE of the environment's lock (its release), as
 * Lambda delivers it: the keys, which every stream view type carries.
 */
export function lockReleaseEventOf(environment: { readonly repo: string; readonly env: string }): DynamoDBStreamEvent {
  sequence += 1;
  return {
    Records: [
      {
        eventID: `${run}-${sequence}-release`,
        eventName: 'REMOVE',
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        dynamodb: {
          Keys: { pk: { S: ENVIRONMENT_LOCK_PARTITION }, sk: { S: partitionKeyOf(environment) } },
          SequenceNumber: String(2_000_000 + sequence),
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      },
    ],
  };
}
