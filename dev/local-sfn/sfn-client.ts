import { SFNClient, type SFNClientConfig } from '@aws-sdk/client-sfn';

/**
 * A real `SFNClient` for the local Step Functions endpoint: region
 * us-east-1 and static fake credentials, so the SDK never looks for (or
 * finds) real ones. `overrides` set retries and the like.
 */
export function sfnClientFor(endpoint: string, overrides: SFNClientConfig = {}): SFNClient {
  return new SFNClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...overrides,
  });
}
