// Records read with the DynamoDB Streams API, turned into what Lambda delivers.
import type { _Record as SdkStreamRecord } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import { toLambdaRecord } from '../../../dev/local-stack/stream-event.js';

const streamArn = 'arn:aws:dynamodb:ddblocal:000000000000:table/dev-aws-deployer--builds/stream/2026-11-27T01:00:00.000';

describe('toLambdaRecord', () => {
  it('has the fields and units of a Lambda DynamoDB stream record', () => {
    const record: SdkStreamRecord = {
      eventID: 'c81e728d9d4c2f636f067f89cc14862c',
      eventName: 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      dynamodb: {
        ApproximateCreationDateTime: new Date('2026-11-27T01:00:02.750Z'),
        Keys: { pk: { S: 'web/dev' }, sk: { S: '3MfWWCjyQ36iDNISWHxvNPHHIju' } },
        NewImage: { pk: { S: 'web/dev' }, status: { S: 'IN_PROGRESS' }, updated_at: { N: '1795741202' } },
        OldImage: { pk: { S: 'web/dev' }, status: { S: 'PENDING' }, updated_at: { N: '1795741201' } },
        SequenceNumber: '000000000000000000042',
        SizeBytes: 187,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };

    expect(toLambdaRecord(record, { streamArn, region: 'us-east-1' })).toEqual({
      eventID: 'c81e728d9d4c2f636f067f89cc14862c',
      eventName: 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: 1795741202,
        Keys: { pk: { S: 'web/dev' }, sk: { S: '3MfWWCjyQ36iDNISWHxvNPHHIju' } },
        NewImage: { pk: { S: 'web/dev' }, status: { S: 'IN_PROGRESS' }, updated_at: { N: '1795741202' } },
        OldImage: { pk: { S: 'web/dev' }, status: { S: 'PENDING' }, updated_at: { N: '1795741201' } },
        SequenceNumber: '000000000000000000042',
        SizeBytes: 187,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: streamArn,
    });
  });

  it('converts every attribute type, binaries to base64, recursively', () => {
    const record: SdkStreamRecord = {
      eventName: 'INSERT',
      dynamodb: {
        NewImage: {
          bin: { B: new Uint8Array([1, 2, 255]) },
          bins: { BS: [new Uint8Array([0]), new Uint8Array([104, 105])] },
          flag: { BOOL: false },
          nothing: { NULL: true },
          nums: { NS: ['1', '2.5'] },
          strs: { SS: ['a', 'b'] },
          list: { L: [{ S: 'x' }, { M: { inner: { B: new Uint8Array([7]) } } }] },
        },
      },
    };

    expect(toLambdaRecord(record, { streamArn, region: 'us-east-1' }).dynamodb?.NewImage).toEqual({
      bin: { B: 'AQL/' },
      bins: { BS: ['AA==', 'aGk='] },
      flag: { BOOL: false },
      nothing: { NULL: true },
      nums: { NS: ['1', '2.5'] },
      strs: { SS: ['a', 'b'] },
      list: { L: [{ S: 'x' }, { M: { inner: { B: 'Bw==' } } }] },
    });
  });

  it('keeps the identity of a TTL deletion in Lambda casing', () => {
    const record: SdkStreamRecord = {
      eventName: 'REMOVE',
      userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' },
      dynamodb: { Keys: { pk: { S: 'web/dev' } } },
    };

    expect(toLambdaRecord(record, { streamArn, region: 'us-east-1' }).userIdentity).toEqual({
      type: 'Service',
      principalId: 'dynamodb.amazonaws.com',
    });
  });
});
