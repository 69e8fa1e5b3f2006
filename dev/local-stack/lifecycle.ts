/**
 * Reads build status changes and environment lock changes off stream
 * records: the same evidence an operator would look at, so the live output
 * shows what the table really went through.
 */
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { buildIdOf, environmentOfLockKey, isEnvironmentLockKey } from '../../src/index.js';

/** A build's status changed (or it was created: `from` undefined), or it began to wait. */
export interface LifecycleChange {
  /** `{repo}/{env}:{sk}` */
  readonly buildId: string;
  readonly from: string | undefined;
  readonly to: string;
  /** When the write happened (the record's `updated_at`, epoch seconds, as a date). */
  readonly at: Date | undefined;
  /** Set when this change recorded the execution ARN. */
  readonly executionArn?: string;
  /** The build's `error_msg`, when it ended FAILED. */
  readonly errorMsg?: string;
  /** Set when this change recorded what the `PENDING` build waits for: the build holding its environment (`waiting_for`). */
  readonly waitingFor?: string;
}

/** An environment's lock was taken, handed to another build, or released (queue, supersede). */
export interface LockChange {
  /** `{repo}/{env}` */
  readonly environment: string;
  readonly kind: 'taken' | 'handed-over' | 'released';
  /** The build that holds it now (`taken`, `handed-over`) or held it (`released`). */
  readonly holder: string;
  /** `handed-over`: the build that held it before. */
  readonly previousHolder?: string;
  /** The policy it was taken under. */
  readonly policy?: string;
}

/**
 * The lifecycle change a stream record carries, or `undefined` for records
 * that change no build status (latest pointers, environment locks, REMOVE,
 * writes that keep the status and add nothing).
 */
export function lifecycleChangeOf(record: DynamoDBRecord): LifecycleChange | undefined {
  const newImage = record.dynamodb?.NewImage;
  const oldImage = record.dynamodb?.OldImage;
  const pk = text(newImage?.pk);
  const sk = text(newImage?.sk);
  if (newImage === undefined || pk === undefined || sk === undefined || pk.startsWith('latest/') || isEnvironmentLockKey(pk, sk)) return undefined;
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return undefined;

  const from = record.eventName === 'INSERT' ? undefined : text(oldImage?.status);
  const to = text(newImage.status) ?? '(no status)';
  const executionArn = text(newImage.execution_arn);
  const arnAdded = executionArn !== undefined && executionArn !== text(oldImage?.execution_arn);
  const waitingFor = text(newImage.waiting_for);
  const waitingAdded = to === 'PENDING' && waitingFor !== undefined && waitingFor !== text(oldImage?.waiting_for);
  if (record.eventName === 'MODIFY' && from === to && !arnAdded && !waitingAdded) return undefined;
  const errorMsg = text(newImage.error_msg);
  const updatedAt = Number(newImage.updated_at?.N);
  return {
    buildId: `${pk}:${sk}`,
    from,
    to,
    at: Number.isFinite(updatedAt) ? new Date(updatedAt * 1000) : undefined,
    ...(arnAdded ? { executionArn } : {}),
    ...(to === 'FAILED' && errorMsg !== undefined ? { errorMsg } : {}),
    ...(waitingAdded ? { waitingFor } : {}),
  };
}

/**
 * The lock change a stream record carries (an INSERT, MODIFY or REMOVE of a
 * `lock` item), or `undefined` for any other record.
 */
export function lockChangeOf(record: DynamoDBRecord): LockChange | undefined {
  const keys = record.dynamodb?.Keys;
  const pk = text(keys?.pk);
  const sk = text(keys?.sk);
  if (pk === undefined || sk === undefined || !isEnvironmentLockKey(pk, sk)) return undefined;
  const environment = environmentOfLockKey(sk);
  const holderOf = (image: Record<string, AttributeValue> | undefined): string | undefined => {
    const holder = text(image?.holder);
    return holder === undefined ? undefined : buildIdOf({ ...environment, sk: holder });
  };
  const newHolder = holderOf(record.dynamodb?.NewImage);
  const oldHolder = holderOf(record.dynamodb?.OldImage);
  const policy = text(record.dynamodb?.NewImage?.policy) ?? text(record.dynamodb?.OldImage?.policy);
  const common = { environment: sk, ...(policy === undefined ? {} : { policy }) };
  switch (record.eventName) {
    case 'INSERT':
      return newHolder === undefined ? undefined : { ...common, kind: 'taken', holder: newHolder };
    case 'MODIFY':
      if (newHolder === undefined || newHolder === oldHolder) return undefined;
      return { ...common, kind: 'handed-over', holder: newHolder, ...(oldHolder === undefined ? {} : { previousHolder: oldHolder }) };
    case 'REMOVE':
      return { ...common, kind: 'released', holder: oldHolder ?? '(unknown)' };
    default:
      return undefined;
  }
}

function text(value: AttributeValue | undefined): string | undefined {
  return value?.S;
}
