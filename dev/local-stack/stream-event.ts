/**
 * Turns DynamoDB Streams API records into the records Lambda delivers to a
 * stream handler: same fields, with the differences of the Lambda event
 * (epoch-seconds `ApproximateCreationDateTime`, base64 binaries,
 * `eventSourceARN`, `eventVersion` 1.1, the table's region).
 */
import type { AttributeValue as SdkAttributeValue, _Record as SdkStreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, StreamRecord } from 'aws-lambda';

export interface LambdaRecordContext {
  /** The stream's ARN: Lambda's `eventSourceARN`. */
  readonly streamArn: string;
  /** The table's region: Lambda's `awsRegion`. */
  readonly region: string;
}

/** One record of `GetRecords`, as Lambda puts it into a `DynamoDBStreamEvent`. */
export function toLambdaRecord(record: SdkStreamRecord, context: LambdaRecordContext): DynamoDBRecord {
  const stream = record.dynamodb;
  const dynamodb: StreamRecord = {
    ...(stream?.ApproximateCreationDateTime === undefined
      ? {}
      : { ApproximateCreationDateTime: Math.floor(stream.ApproximateCreationDateTime.getTime() / 1000) }),
    ...(stream?.Keys === undefined ? {} : { Keys: toLambdaImage(stream.Keys) }),
    ...(stream?.NewImage === undefined ? {} : { NewImage: toLambdaImage(stream.NewImage) }),
    ...(stream?.OldImage === undefined ? {} : { OldImage: toLambdaImage(stream.OldImage) }),
    ...(stream?.SequenceNumber === undefined ? {} : { SequenceNumber: stream.SequenceNumber }),
    ...(stream?.SizeBytes === undefined ? {} : { SizeBytes: stream.SizeBytes }),
    ...(stream?.StreamViewType === undefined ? {} : { StreamViewType: stream.StreamViewType }),
  };
  return {
    ...(record.eventID === undefined ? {} : { eventID: record.eventID }),
    ...(record.eventName === undefined ? {} : { eventName: record.eventName }),
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: context.region,
    dynamodb,
    eventSourceARN: context.streamArn,
    // Present on TTL deletions only: { type: 'Service', principalId: 'dynamodb.amazonaws.com' }.
    ...(record.userIdentity === undefined
      ? {}
      : { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }),
  };
}

/** An image (or key map) in the Lambda event's JSON form. */
export function toLambdaImage(image: Readonly<Record<string, SdkAttributeValue>>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaAttributeValue(value)]));
}

/** One attribute value: binaries become base64 strings, everything else keeps its shape. */
export function toLambdaAttributeValue(value: SdkAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttributeValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  throw new Error(`Unknown attribute value type: ${Object.keys(value).join(', ')}`);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
