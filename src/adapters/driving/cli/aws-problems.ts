import { OrchestratorError } from '../../../domain/index.js';
import { UsageError } from './args.js';
import type { ConnectionConfig } from './config.js';

type Env = Readonly<Record<string, string | undefined>>;

/** DynamoDB found no builds table of that name where the CLI looked. */
export class BuildsTableNotFoundError extends OrchestratorError {
  static override readonly stableName: string = 'BuildsTableNotFoundError';
  override readonly name: string = 'BuildsTableNotFoundError';
  readonly code = 'TABLE_NOT_FOUND';
  readonly tableName: string;

  constructor(connection: ConnectionConfig, options: { cause: unknown }) {
    const where = connection.dynamodbEndpoint
      ? ` at ${connection.dynamodbEndpoint}`
      : connection.region
        ? ` in ${connection.region}`
        : '';
    super(
      `The builds table ${connection.tableName} was not found${where} (it does not exist there, or is not ACTIVE): ` +
        'check --table (BUILDS_TABLE_NAME), --region and the credentials',
      options,
    );
    this.tableName = connection.tableName;
  }
}

/**
 * What went wrong between the CLI and AWS, as the `code` of `--json`'s error:
 * - `AWS_CREDENTIALS`: no credentials, an unknown profile, credentials AWS does not accept;
 * - `AWS_UNREACHABLE`: no answer from the endpoint (network, DNS, an unknown region, nothing listening);
 * - `AWS_ACCESS_DENIED`: the credentials lack a permission;
 * - `AWS_THROTTLED`: throttled beyond the SDK's retries;
 * - `AWS_ERROR`: any other error an AWS service answered.
 */
export type AwsProblemCode = 'AWS_CREDENTIALS' | 'AWS_UNREACHABLE' | 'AWS_ACCESS_DENIED' | 'AWS_THROTTLED' | 'AWS_ERROR';

/**
 * AWS could not be used, restated with what fixes it (the flag or the
 * environment variable). The CLI's own: it never leaves the CLI, so it is
 * not one of the module's errors (`ERROR_CATALOGUE`).
 */
export class AwsProblemError extends Error {
  override readonly name = 'AwsProblemError';

  constructor(
    readonly code: AwsProblemCode,
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Whether an error means AWS could not be used (exit code 4), whatever the
 * command was doing: a problem of the setup, the network or the service,
 * which says nothing about the builds.
 */
export function isInfrastructureError(error: unknown): boolean {
  return error instanceof AwsProblemError || error instanceof BuildsTableNotFoundError || awsProblemCodeOf(error) !== undefined;
}

/**
 * An error of the AWS SDK restated in the CLI's terms (what to fix, with the
 * flag or environment variable that fixes it), or `undefined` when it is not
 * one (the module's own errors say enough as they are).
 */
export function restateAwsError(error: unknown, connection: ConnectionConfig, env: Env = {}): Error | undefined {
  if (!(error instanceof Error) || error instanceof OrchestratorError || error instanceof AwsProblemError) return undefined;
  const profile = nonEmpty(env['AWS_PROFILE']);
  // The SDK's ways of saying the environment lacks a setting, or has a bad one, the CLI has a flag for.
  if (error.message === 'Region is missing') {
    const fromProfile = profile === undefined ? '' : ` (the profile "${profile}" in AWS_PROFILE gives none: is it in ~/.aws/config?)`;
    return new UsageError(`missing the AWS region: pass --region or set AWS_REGION${fromProfile}`);
  }
  if (/^Region not accepted|^Invalid region/i.test(error.message)) {
    return new UsageError(`invalid AWS region${connection.region ? ` "${connection.region}"` : ''}: check --region (AWS_REGION): ${error.message}`);
  }
  // DynamoDB's error for "a nonexistent table or index [...] or its status might not be ACTIVE"
  // (DynamoDB API reference, common errors of every operation). The CLI queries one index, and a
  // missing index is a ValidationException (BuildsByStatusUnavailableError); Step Functions names its own
  // missing things otherwise (StateMachineDoesNotExist, ExecutionDoesNotExist, ResourceNotFound).
  if (error.name === 'ResourceNotFoundException') return new BuildsTableNotFoundError(connection, { cause: error });

  const code = awsProblemCodeOf(error);
  if (code === undefined) return undefined;
  return new AwsProblemError(code, PROBLEM_MESSAGES[code](error, connection, profile), { cause: error });
}

const PROBLEM_MESSAGES: Readonly<Record<AwsProblemCode, (error: Error, connection: ConnectionConfig, profile: string | undefined) => string>> = {
  AWS_CREDENTIALS: (error, connection, profile) => {
    if (isCredentialsProviderError(error)) {
      return profile === undefined
        ? `No AWS credentials found (${error.message}): set AWS_PROFILE to a configured profile, ` +
            'or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones)'
        : `No AWS credentials from the profile "${profile}" in AWS_PROFILE (${error.message}): check that the profile is in ` +
            `~/.aws/config or ~/.aws/credentials (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE); for SSO, run "aws sso login --profile ${profile}"`;
    }
    return (
      `AWS did not accept the credentials (${error.name}: ${error.message}): check ${profile === undefined ? 'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN' : `the profile "${profile}" in AWS_PROFILE`} ` +
      `(expired?), and that --region (AWS_REGION${connection.region ? `, now ${connection.region}` : ''}) is a region the account uses`
    );
  },
  AWS_UNREACHABLE: (error, connection) => unreachableMessage(error, connection),
  AWS_ACCESS_DENIED: (error, _connection, profile) =>
    `AWS denied the request (${error.name}: ${error.message}): the credentials in use (${profile === undefined ? 'AWS_ACCESS_KEY_ID or the default chain' : `AWS_PROFILE=${profile}`}) ` +
    'lack a permission; docs/cli.md, "IAM policy", lists what each command needs',
  AWS_THROTTLED: (error) =>
    `AWS throttled the requests beyond the SDK's retries (${error.name}: ${error.message}): try again later, or allow more attempts with AWS_MAX_ATTEMPTS`,
  AWS_ERROR: (error) => `AWS answered ${error.name}: ${error.message}`,
};

/** Which kind of AWS problem `error` is, or `undefined` when it is none (a bug, the module's own error...). */
function awsProblemCodeOf(error: unknown): AwsProblemCode | undefined {
  if (!(error instanceof Error) || error instanceof OrchestratorError) return undefined;
  if (isCredentialsProviderError(error) || CREDENTIALS_REFUSED.has(error.name)) return 'AWS_CREDENTIALS';
  if (ACCESS_DENIED.has(error.name)) return 'AWS_ACCESS_DENIED';
  if (THROTTLING.has(error.name)) return 'AWS_THROTTLED';
  if (isNetworkError(error)) return 'AWS_UNREACHABLE';
  // A service's answer: the SDK gives every modelled and unmodelled service error a fault and metadata.
  if ('$fault' in error || hasHttpStatus(error)) return 'AWS_ERROR';
  return undefined;
}

/** The SDK's credential chain found nothing usable (`@smithy/property-provider`'s errors). */
function isCredentialsProviderError(error: Error): boolean {
  return error.name === 'CredentialsProviderError' || error.name === 'TokenProviderError' || error.name === 'ProviderError';
}

// Credentials the services refused: unknown or disabled keys (also a region the account has not enabled),
// expired session tokens, signatures made with the wrong secret.
const CREDENTIALS_REFUSED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'ExpiredToken',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
]);

const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'NotAuthorized']);

// What DynamoDB and Step Functions answer when they throttle; the SDK retries these before giving up.
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottledException',
  'RequestThrottled',
]);

// Node's errors when a connection cannot be made or breaks, and TLS's when the endpoint is not who it says.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function isNetworkError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  // The SDK's HTTP handler names its socket and connection timeouts TimeoutError.
  return (typeof code === 'string' && NETWORK_CODES.has(code)) || error.name === 'TimeoutError';
}

function hasHttpStatus(error: Error): boolean {
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof metadata?.httpStatusCode === 'number';
}

/** Where the CLI could not connect, and the flags that say where it connects. */
function unreachableMessage(error: Error, connection: ConnectionConfig): string {
  const { hostname, address, port, code } = error as { hostname?: unknown; address?: unknown; port?: unknown; code?: unknown };
  const host = typeof hostname === 'string' ? hostname : typeof address === 'string' ? address : undefined;
  const endpoints = [
    { flag: '--dynamodb-endpoint', service: 'DynamoDB', url: connection.dynamodbEndpoint },
    { flag: '--sfn-endpoint', service: 'Step Functions', url: connection.stepFunctionsEndpoint },
  ].filter((endpoint): endpoint is { flag: string; service: string; url: string } => endpoint.url !== undefined);
  const matched = endpoints.filter((endpoint) => sameHost(endpoint.url, host, port));
  const detail = error.message || String(code ?? error.name);
  const answer = code === 'ECONNREFUSED' ? 'Nothing answers' : 'No answer';

  const endpoint = matched.length === 1 ? matched[0] : undefined;
  if (endpoint) return `${answer} from ${endpoint.service} at ${endpoint.url} (${detail}): check ${endpoint.flag}, and that the endpoint runs`;
  const service = host === undefined ? undefined : AWS_HOSTS.find(([prefix]) => host.startsWith(`${prefix}.`))?.[1];
  const target = service === undefined ? (host ?? 'AWS') : `${service} (${host ?? ''})`;
  const checks = [
    ...endpoints.map((candidate) => candidate.flag),
    `--region (AWS_REGION${connection.region ? `, now ${connection.region}: is it an AWS region?` : ''})`,
    'the network (DNS, proxy, firewall)',
  ];
  return `Could not reach ${target} (${detail}): check ${checks.join(', ')}`;
}

const AWS_HOSTS: ReadonlyArray<readonly [string, string]> = [
  ['dynamodb', 'DynamoDB'],
  ['states', 'Step Functions'],
  ['sts', 'STS'],
];

function sameHost(url: string, host: string | undefined, port: unknown): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const hostname = parsed.hostname.replace(/^\[|\]$/g, '');
  const loopback = (name: string) => name === 'localhost' || name === '127.0.0.1' || name === '::1';
  const hostMatches = host !== undefined && (hostname === host || (loopback(hostname) && loopback(host)));
  const urlPort = parsed.port === '' ? (parsed.protocol === 'https:' ? '443' : '80') : parsed.port;
  return hostMatches && (port === undefined || String(port) === urlPort);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
