// Who the CLI says is asking: the STS identity, or `local` against a table
// that is not on AWS; never a name made up.
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it, vi } from 'vitest';
import { callerIdentitySource } from '../../../src/adapters/driving/cli/config.js';
import { CallerIdentityUnknownError, LOCAL_CALLER, callerIdentity, stsWhoAmI } from '../../../src/composition/cli/caller-identity.js';
import { awsContainerOptionsOf } from '../../../src/composition/cli/compose.js';
import { RecordingLogger } from '../../../src/testing.js';

describe('callerIdentitySource', () => {
  it('asks STS unless the builds table is reached at an endpoint that is not AWS\'s', () => {
    expect(callerIdentitySource(undefined, {})).toBe('sts');
    expect(callerIdentitySource('https://dynamodb.us-east-1.amazonaws.com', {})).toBe('sts');
    expect(callerIdentitySource('https://dynamodb-fips.us-gov-west-1.amazonaws.com', {})).toBe('sts');
    expect(callerIdentitySource('https://vpce-0abc-xyz.dynamodb.eu-west-1.vpce.amazonaws.com', {})).toBe('sts');
    expect(callerIdentitySource('https://dynamodb.cn-north-1.amazonaws.com.cn', {})).toBe('sts');
    expect(callerIdentitySource('https://dynamodb.us-east-1.api.aws', {})).toBe('sts');

    expect(callerIdentitySource('http://127.0.0.1:8000', {})).toBe('local');
    expect(callerIdentitySource('http://localhost:8000', {})).toBe('local');
    expect(callerIdentitySource('http://dynamodb-local:8000', {})).toBe('local');
    // A look-alike is not AWS's.
    expect(callerIdentitySource('https://dynamodb.amazonaws.com.example.org', {})).toBe('local');
  });

  it('asks STS at a local endpoint too when AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL says where one is (unless the SDK is told to ignore them)', () => {
    expect(callerIdentitySource('http://127.0.0.1:8000', { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:4566' })).toBe('sts');
    expect(callerIdentitySource('http://127.0.0.1:8000', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).toBe('sts');
    expect(callerIdentitySource('http://127.0.0.1:8000', { AWS_ENDPOINT_URL_STS: '  ' })).toBe('local');
    expect(
      callerIdentitySource('http://127.0.0.1:8000', { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:4566', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }),
    ).toBe('local');
  });
});

describe('stsWhoAmI', () => {
  it("is the ARN GetCallerIdentity answers, asked once however often it is called", async () => {
    const send = vi.fn(async (command: unknown) => {
      expect(command).toBeInstanceOf(GetCallerIdentityCommand);
      return { Arn: 'arn:aws:sts::123456789012:assumed-role/Ops/alice', Account: '123456789012', UserId: 'AROA:alice', $metadata: {} };
    });
    const whoAmI = stsWhoAmI({ send } as never);

    await expect(whoAmI()).resolves.toBe('arn:aws:sts::123456789012:assumed-role/Ops/alice');
    await expect(whoAmI()).resolves.toBe('arn:aws:sts::123456789012:assumed-role/Ops/alice');
    expect(send).toHaveBeenCalledTimes(1);
  });

  it("rejects with STS's own error, and when the answer has no ARN: it never names anybody in its place", async () => {
    const expired = Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken' });
    await expect(stsWhoAmI({ send: async () => Promise.reject(expired) } as never)()).rejects.toBe(expired);
    await expect(stsWhoAmI({ send: async () => ({ $metadata: {} }) } as never)()).rejects.toBeInstanceOf(CallerIdentityUnknownError);
  });
});

describe('callerIdentity', () => {
  it('is "local" against a table that is not on AWS, without an STS client', async () => {
    await expect(callerIdentity({ source: 'local' })()).resolves.toBe(LOCAL_CALLER);
    expect(LOCAL_CALLER).toBe('local');
  });
});

describe('awsContainerOptionsOf', () => {
  it('gives createAwsContainer the idempotency table the command resolved, or none', () => {
    const logger = new RecordingLogger();
    expect(awsContainerOptionsOf({ tableName: 'builds', idempotencyTableName: 'keys' }, logger)).toMatchObject({ idempotencyTableName: 'keys' });
    expect(awsContainerOptionsOf({ tableName: 'builds' }, logger).idempotencyTableName).toBeUndefined();
  });
});
