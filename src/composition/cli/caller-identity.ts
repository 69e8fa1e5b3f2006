import type * as Sts from '@aws-sdk/client-sts';
import type { WhoAmI } from '../../adapters/driving/cli/cli-services.js';
import type { CallerIdentitySource } from '../../adapters/driving/cli/config.js';

/**
 * What the CLI records as who asked when the builds table is not on AWS
 * (DynamoDB Local, the local stack): there is no AWS identity to ask for,
 * and `npm start`'s HTTP server records the same word.
 */
export const LOCAL_CALLER = 'local';

/** `sts:GetCallerIdentity` answered without an ARN (never seen; the CLI names nobody then). */
export class CallerIdentityUnknownError extends Error {
  override readonly name = 'CallerIdentityUnknownError';
}

/**
 * The ARN of the credentials `client` signs with, from `sts:GetCallerIdentity`
 * (for an assumed role, the session's ARN: `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`).
 * Asked once, on the first call; an error of the call rejects that call and
 * every later one (a CLI run asks once). The call needs no IAM permission
 * (AWS answers it even under an explicit deny).
 */
export function stsWhoAmI(client: Pick<Sts.STSClient, 'send'>): WhoAmI {
  let asked: Promise<string> | undefined;
  return () =>
    (asked ??= loadSts()
      .then(({ GetCallerIdentityCommand }) => client.send(new GetCallerIdentityCommand({})))
      .then(({ Arn }) => {
        if (Arn === undefined || Arn === '') throw new CallerIdentityUnknownError('sts:GetCallerIdentity answered no Arn');
        return Arn;
      }));
}

/**
 * `@aws-sdk/client-sts`, an optional peer dependency: only the CLI asks who
 * it is, so a project that embeds the library need not install it.
 */
async function loadSts(): Promise<typeof Sts> {
  try {
    return await import('@aws-sdk/client-sts');
  } catch (error) {
    throw new CallerIdentityUnknownError(
      'the CLI records who asks with sts:GetCallerIdentity, and @aws-sdk/client-sts is not installed: npm install @aws-sdk/client-sts',
      { cause: error },
    );
  }
}

export interface CallerIdentityOptions {
  /** Where the identity comes from: STS, or `local` (see `ConnectionConfig.callerIdentity`). */
  readonly source: CallerIdentitySource;
  /** The region STS is asked in (default: the SDK's resolution, as for the other clients). */
  readonly region?: string | undefined;
}

/**
 * The CLI's `whoAmI`: {@link LOCAL_CALLER} against a table that is not on
 * AWS, the STS identity otherwise. The STS client is made on the first call
 * (a command that names nobody never loads its credentials); it takes its
 * endpoint from the SDK's own settings (`AWS_ENDPOINT_URL_STS`,
 * `AWS_ENDPOINT_URL`), its credentials from the default chain.
 */
export function callerIdentity(options: CallerIdentityOptions): WhoAmI {
  if (options.source === 'local') return async () => LOCAL_CALLER;
  let whoAmI: WhoAmI | undefined;
  return () => {
    whoAmI ??= lazyStsWhoAmI(options.region);
    return whoAmI();
  };
}

/** `stsWhoAmI` on a client made on the first call, once the package is loaded. */
function lazyStsWhoAmI(region: string | undefined): WhoAmI {
  let asked: Promise<string> | undefined;
  return () =>
    (asked ??= loadSts().then(({ STSClient }) => stsWhoAmI(new STSClient(region === undefined ? {} : { region }))()));
}
