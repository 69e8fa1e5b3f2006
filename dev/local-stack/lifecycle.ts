/**
 * Reads build status changes off stream records: the same evidence an
 * operator would look at, so the live output shows what the table really
 * went through.
 */
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';

/** A build's status changed (or it was created: `from` undefined). */
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
}

/**
 * The lifecycle change a stream record carries, or `undefined` for records
 * that change no build status (latest pointers, REMOVE, writes that keep the
 * status and add nothing).
 */
export function lifecycleChangeOf(record: DynamoDBRecord): LifecycleChange | undefined {
  const newImage = record.dynamodb?.NewImage;
  const oldImage = record.dynamodb?.OldImage;
  const pk = text(newImage?.pk);
  const sk = text(newImage?.sk);
  if (newImage === undefined || pk === undefined || sk === undefined || pk.startsWith('latest/')) return undefined;
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return undefined;

  const from = record.eventName === 'INSERT' ? undefined : text(oldImage?.status);
  const to = text(newImage.status) ?? '(no status)';
  const executionArn = text(newImage.execution_arn);
  const arnAdded = executionArn !== undefined && executionArn !== text(oldImage?.execution_arn);
  if (record.eventName === 'MODIFY' && from === to && !arnAdded) return undefined;
  const errorMsg = text(newImage.error_msg);
  const updatedAt = Number(newImage.updated_at?.N);
  return {
    buildId: `${pk}:${sk}`,
    from,
    to,
    at: Number.isFinite(updatedAt) ? new Date(updatedAt * 1000) : undefined,
    ...(arnAdded ? { executionArn } : {}),
    ...(to === 'FAILED' && errorMsg !== undefined ? { errorMsg } : {}),
  };
}

function text(value: AttributeValue | undefined): string | undefined {
  return value?.S;
}
