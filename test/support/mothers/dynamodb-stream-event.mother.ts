// Object mothers for DynamoDB Streams events in the exact shape Lambda
// delivers them (see the Lambda developer guide, "Using Lambda with DynamoDB").
import { randomUUID } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { latestPointerItem, toBuildItem } from '../../../src/adapters/driven/builds-table/build-item.js';
import { pendingBuild, type Build, type BuildStatus, type NewBuild } from '../../../src/index.js';

export type StreamImage = Record<string, AttributeValue>;

export const STREAM_ARN =
  'arn:aws:dynamodb:us-east-1:123456789012:table/prd-aws-deployer--builds/stream/2026-03-01T00:00:00.000';

const CREATED_AT = new Date('2026-03-01T10:00:00Z');
// Real sequence numbers are long decimal strings that grow along a shard.
let sequence = 4_421_584_500_000_000_017_450_439_000n;

export function aSequenceNumber(): string {
  sequence += 1n;
  return sequence.toString();
}

/** The stream image of an item: the AttributeValue map DynamoDB puts in the record. */
export function anImageOf(item: object): StreamImage {
  // Both types describe the same wire shape; util-dynamodb's is the SDK's.
  return marshall(item, { removeUndefinedValues: true }) as StreamImage;
}

/** The item of a newly created (PENDING) build, as the repositories write it. */
export function aPendingBuildOf(build: NewBuild): Build {
  return pendingBuild(build, CREATED_AT);
}

export interface RecordOptions {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly newImage?: StreamImage;
  readonly oldImage?: StreamImage;
  /** Defaults to the image's pk and sk. */
  readonly keys?: StreamImage;
  /** `null` leaves the sequence number out. */
  readonly sequenceNumber?: string | null;
}

export function aStreamRecord(options: RecordOptions): DynamoDBRecord {
  const image = options.newImage ?? options.oldImage ?? {};
  const keys = options.keys ?? pick(image, ['pk', 'sk']);
  const sequenceNumber = options.sequenceNumber === undefined ? aSequenceNumber() : options.sequenceNumber;
  return {
    eventID: randomUUID().replaceAll('-', ''),
    eventName: options.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(CREATED_AT.getTime() / 1000),
      Keys: keys,
      ...(options.newImage ? { NewImage: options.newImage } : {}),
      ...(options.oldImage ? { OldImage: options.oldImage } : {}),
      ...(sequenceNumber === null ? {} : { SequenceNumber: sequenceNumber }),
      SizeBytes: JSON.stringify(image).length,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: STREAM_ARN,
  };
}

export interface InsertOptions {
  /** Attributes to replace (or add) in the image, as raw attribute values. */
  readonly set?: StreamImage;
  /** Attributes to leave out of the image. */
  readonly without?: readonly string[];
  readonly sequenceNumber?: string | null;
}

/** The INSERT a new build puts on the stream. */
/** The INSERT of a new build; a whole `Build` (e.g. one another writer recorded) is taken as it is. */
export function anInsertOf(build: NewBuild | Build, options: InsertOptions = {}): DynamoDBRecord {
  const recorded = 'status' in build ? build : aPendingBuildOf(build);
  const image = { ...anImageOf(toBuildItem(recorded)), ...options.set };
  for (const name of options.without ?? []) delete image[name];
  return aStreamRecord({
    eventName: 'INSERT',
    newImage: image,
    keys: pick(image, ['pk', 'sk']),
    ...(options.sequenceNumber === undefined ? {} : { sequenceNumber: options.sequenceNumber }),
  });
}

/** The INSERT of the latest pointer written in the same transaction as a new build. */
export function aPointerInsertOf(build: NewBuild): DynamoDBRecord {
  const created = aPendingBuildOf(build);
  return aStreamRecord({ eventName: 'INSERT', newImage: anImageOf(latestPointerItem(created, 'PENDING', created.updatedAt)) });
}

/** A status change of a build (e.g. PENDING -> IN_PROGRESS). */
export function aModifyOf(build: NewBuild, to: BuildStatus = 'IN_PROGRESS'): DynamoDBRecord {
  const before = aPendingBuildOf(build);
  const after = { ...before, status: to, updatedAt: new Date(before.updatedAt.getTime() + 2000) };
  return aStreamRecord({ eventName: 'MODIFY', oldImage: anImageOf(toBuildItem(before)), newImage: anImageOf(toBuildItem(after)) });
}

/** A deleted build (REMOVE carries only the old image). */
export function aRemoveOf(build: NewBuild): DynamoDBRecord {
  return aStreamRecord({ eventName: 'REMOVE', oldImage: anImageOf(toBuildItem(aPendingBuildOf(build))) });
}

/**
 * The release of an environment's lock: the REMOVE of its item, as a
 * `KEYS_ONLY` stream carries it (keys only, which every view type has).
 */
export function aLockReleaseOf(environment: { readonly repo: string; readonly env: string }): DynamoDBRecord {
  return aStreamRecord({ eventName: 'REMOVE', keys: { pk: { S: 'lock' }, sk: { S: `${environment.repo}/${environment.env}` } } });
}

export function aStreamEvent(...records: DynamoDBRecord[]): DynamoDBStreamEvent {
  return { Records: records };
}

function pick(image: StreamImage, names: readonly string[]): StreamImage {
  return Object.fromEntries(names.flatMap((name) => (image[name] === undefined ? [] : [[name, image[name]]])));
}
