import { Duration, RemovalPolicy, Resource, Token } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import type { IManagedPolicy } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { StateMachine, StateMachineType, type IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { LAMBDA_FUNCTIONS, type LambdaFunctionName } from '../adapters/driving/lambda/permissions.js';
import { ValidationError } from '../domain/orchestrator.errors.js';
import { S3_BUCKET_NAME_RULE, isS3BucketName } from '../domain/s3-bucket-name.js';
import {
  CONCURRENCY_POLICIES,
  DEFAULT_CONCURRENCY_POLICY,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_STATUS_INDEX_NAME,
  INDEX_NAME_PATTERN,
  METRICS_NAMESPACE_PATTERN,
  type ConcurrencyPolicyName,
} from './handler-facts.js';
import { shippedBundlesDirectory } from './shipped-bundles.js';

export interface BuildOrchestratorProps {
  /**
   * The builds table, with its stream: the Go deployer's
   * `{env}-aws-deployer--builds` imported with `Table.fromTableAttributes`
   * (give `tableStreamArn`), or a new one (`BuildsTable`). An imported table
   * is never changed, and needs an explicit `startBuilds`.
   */
  readonly table: ITable;
  /** The deployment state machine, STANDARD (EXPRESS executions are not idempotent by name). */
  readonly stateMachine: IStateMachine;
  /**
   * The bucket of the build artifacts; named in each execution's input, never
   * read. Any name S3 accepts, including the legacy names of buckets created
   * in us-east-1 before 1 March 2018 (capitals, underscores, up to 255
   * characters); a name no bucket can have fails the synth.
   */
  readonly artifactsBucket: IBucket;
  /**
   * How the builds of one environment (a repo and env) share it, told to
   * every function as `DEPLOYMENT_CONCURRENCY`:
   *
   * - `queue`: one deployment at a time per environment; waiting builds start
   *   one by one, oldest first, as each deployment ends.
   * - `supersede`: one deployment at a time; when it ends, only the newest
   *   waiting build starts, and the older waiting ones end `FAILED`, naming it.
   * - `parallel`: every build starts as soon as it is recorded, as the Go
   *   deployer and 0.2.0 do.
   *
   * One policy per table: every writer of the table must run the same one.
   * With `queue` and `supersede`, trigger-build's stream mapping also passes
   * the REMOVE records of the environment locks (their release starts the
   * next build in line).
   *
   * @default 'queue'
   */
  readonly concurrency?: ConcurrencyPolicyName;
  /**
   * The table's status index, which the sweeper queries (docs/lambda.md,
   * "sweeper"). Without it on the table the sweeper falls back to recent
   * executions and warns.
   *
   * @default 'status-updated_at-index'
   */
  readonly statusIndexName?: string;
  /** @default Schedule.rate(Duration.minutes(5)) */
  readonly sweepSchedule?: Schedule;
  /**
   * Open builds updated more recently are left to trigger-build and the state
   * machine; whole minutes.
   *
   * @default Duration.minutes(5)
   */
  readonly sweepGracePeriod?: Duration;
  /**
   * Stream records per trigger-build invocation, 1 to 10,000.
   *
   * @default 25
   */
  readonly batchSize?: number;
  /**
   * Builds trigger-build processes at the same time within a batch.
   *
   * @default 10
   */
  readonly triggerConcurrency?: number;
  /**
   * Retries of a failed stream batch before Lambda gives up on its records (to
   * the on-failure queue; the sweeper starts their builds), 0 to 10,000.
   *
   * @default 10
   */
  readonly retryAttempts?: number;
  /**
   * Age past which Lambda gives up on a stream record, 1 minute to 7 days.
   *
   * @default Duration.hours(6)
   */
  readonly maxRecordAge?: Duration;
  /**
   * Whether this orchestrator starts builds: the stream mapping of
   * trigger-build and the sweep schedule are enabled. Deploy with `false`
   * while the Go trigger-build still consumes the stream, then with `true`
   * once its mapping is disabled (docs/deploy.md, "Switching from the Go
   * deployer"): never both at once.
   *
   * Required when `table` is imported (`Table.fromTableName`,
   * `Table.fromTableAttributes`...): such a table may have another consumer,
   * and the synth fails until you decide. A table this app creates
   * (`BuildsTable`, a `Table`) has none but this construct's.
   *
   * @default true for a table this app creates; none for an imported table (the synth fails)
   */
  readonly startBuilds?: boolean;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default - the alarms notify no one */
  readonly alarmTopic?: ITopic;
  /**
   * The alarm on the sweeper's `StuckBuilds` fires when one sweep finds at
   * least this many builds stuck open: a `PENDING` build nothing started, an
   * `IN_PROGRESS` build whose execution has ended or does not exist, an open
   * item that does not read as a build, an `IN_PROGRESS` build whose
   * execution cannot be matched to it. Running deployments never count.
   *
   * @default 1
   */
  readonly stuckBuildsAlarmThreshold?: number;
  /**
   * When given, an alarm on the sweeper's `OpenBuildsFound` fires above this
   * many open builds past their grace period in one sweep.
   *
   * @deprecated since 0.3.0: `OpenBuildsFound` counts healthy deployments
   *   that run longer than the grace period, so its alarm paged for work, not
   *   trouble; the construct alarms on `StuckBuilds` instead
   *   (`stuckBuildsAlarmThreshold`). Given, the old alarm is kept beside it.
   * @default - no alarm on `OpenBuildsFound`
   */
  readonly openBuildsAlarmThreshold?: number;
  /**
   * The alarm on trigger-build's `IteratorAge` (the age of the last stream
   * record of a batch when Lambda read it) fires when it reaches this: builds
   * start that late. 1 second to 7 days.
   *
   * @default Duration.minutes(2)
   */
  readonly iteratorAgeAlarmThreshold?: Duration;
  /**
   * The alarm on a sweeper that stopped running fires when the sweeper had no
   * invocation for this long (missing data is breaching). Whole minutes, 1
   * minute to 1 day; the alarm exists only while `startBuilds` is on.
   *
   * @default - three times the rate of `sweepSchedule` (15 minutes by default); with a cron schedule, no alarm unless given
   */
  readonly sweeperStoppedAlarmPeriod?: Duration;
  /**
   * Powertools Metrics (EMF) from the functions; without them there is no
   * alarm on the functions' metrics (stuck builds, start failures, builds
   * the sweeper took up).
   *
   * @default true
   */
  readonly metrics?: boolean;
  /** @default 'AwsDeployerOrchestrator' */
  readonly metricsNamespace?: string;
  /**
   * X-Ray active tracing, and Powertools Tracer on the SDK clients.
   *
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * A CloudWatch dashboard of the functions, the queues, the alarms and the
   * handlers' build metrics.
   *
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * An HTTP API for manual deployments (redeploy, rollback, redrive, cancel)
   * and reads of the builds: API Gateway HTTP API, AWS_IAM authorization on
   * every route, stage throttling, access logs that name each caller, no
   * CORS, the http-api function (docs/lambda.md) and an idempotency table of
   * its own. `true` for the defaults, or its settings (docs/deploy.md, "The
   * HTTP API"). The function starts no execution: the builds it records are
   * started by trigger-build or the sweeper.
   *
   * @default - no API
   */
  readonly api?: boolean | OrchestratorApiProps;
  /**
   * Names of the functions, by handler (each 1 to 64 of A-Z a-z 0-9 - _).
   * Use it to fit a naming convention, or IAM policies scoped by name: Go's
   * state machine role may invoke `${Env}-aws-deployer-*` only
   * (docs/deploy.md).
   *
   * @default - names CloudFormation generates
   */
  readonly functionNames?: Partial<Record<LambdaFunctionName, string>>;
  /**
   * A customer managed KMS key for the two SQS queues (what Lambda and
   * EventBridge gave up on). The functions' roles get `kms:GenerateDataKey`
   * and `kms:Decrypt` on it; a key of the same stack also gets the key policy
   * statement EventBridge needs (docs/deploy.md, "Security review").
   *
   * @default - SSE-SQS (keys SQS owns)
   */
  readonly encryptionKey?: IKey;
  /**
   * A customer managed KMS key for the functions' log groups. A key of the
   * same stack gets the key policy statement CloudWatch Logs needs; for
   * another key, add it yourself (docs/deploy.md, "Security review").
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logsEncryptionKey?: IKey;
  /**
   * A permissions boundary set on every role the construct creates (the
   * functions' roles).
   *
   * @default - no boundary
   */
  readonly permissionsBoundary?: IManagedPolicy;
  /**
   * Where the Lambda bundles are: one directory per function holding its
   * `index.mjs`, as `npm run bundle` writes them.
   *
   * @default - the bundles this package ships (dist/lambda)
   */
  readonly bundlesDirectory?: string;
}

/** The settings of the HTTP API (`api`). */
export interface OrchestratorApiProps {
  /**
   * Requests per second the stage lets through, all routes and callers
   * together, once the burst is spent; more are answered `429` by API
   * Gateway. An integer from 1 to 10,000 (the account's default quota).
   *
   * @default 10
   */
  readonly throttlingRateLimit?: number;
  /**
   * Requests the stage lets through at once above that rate: an integer from
   * 1 to 5,000 (the account's default quota).
   *
   * @default 20
   */
  readonly throttlingBurstLimit?: number;
  /**
   * How long the stage's access logs are kept: the audit trail of who called
   * what (calls to the API are not CloudTrail management events). They hold
   * the callers' IAM ARNs, which may be personal data.
   *
   * @default RetentionDays.ONE_YEAR
   */
  readonly accessLogRetention?: RetentionDays;
  /**
   * The idempotency table's fate when it leaves the stack. Its items expire
   * by themselves (TTL, 24 hours after their request).
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly idempotencyTableRemovalPolicy?: RemovalPolicy;
}

/** The HTTP API's settings, defaults filled in. */
export interface OrchestratorApiSettings {
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly accessLogRetention: RetentionDays;
  readonly idempotencyTableRemovalPolicy: RemovalPolicy;
}

/** The props with their defaults, checked. */
export interface OrchestratorSettings {
  /** The artifacts bucket's name (a token when the bucket is made in the same app). */
  readonly artifactsBucketName: string;
  readonly concurrency: ConcurrencyPolicyName;
  readonly statusIndexName: string;
  readonly sweepSchedule: Schedule;
  readonly sweepGraceMinutes: number;
  readonly batchSize: number;
  readonly triggerConcurrency: number;
  readonly retryAttempts: number;
  readonly maxRecordAge: Duration;
  readonly startBuilds: boolean;
  readonly logRetention: RetentionDays;
  readonly stuckBuildsAlarmThreshold: number;
  /** `undefined`: no alarm on `OpenBuildsFound`. */
  readonly openBuildsAlarmThreshold: number | undefined;
  readonly iteratorAgeAlarmThreshold: Duration;
  /** `undefined`: no alarm on a stopped sweeper (a cron schedule without a period); there is none either while builds are not started. */
  readonly sweeperStoppedAlarmPeriod: Duration | undefined;
  /** `undefined`: metrics are off. */
  readonly metricsNamespace: string | undefined;
  readonly tracing: boolean;
  readonly dashboard: boolean;
  /** `undefined`: no API. */
  readonly api: OrchestratorApiSettings | undefined;
  readonly functionNames: Partial<Record<LambdaFunctionName, string>>;
  readonly bundlesDirectory: string;
  /** The table's stream. */
  readonly tableStreamArn: string;
}

/**
 * The settings of `props`, defaults filled in.
 *
 * @throws ValidationError naming the prop that is invalid.
 */
export function settingsOf(props: BuildOrchestratorProps): OrchestratorSettings {
  // First: whatever else is wrong, an imported table's reader must hear that this needs a decision.
  const startBuilds = startBuildsOf(props);
  const tableStreamArn = props.table.tableStreamArn;
  if (tableStreamArn === undefined) {
    throw new ValidationError('table', 'has no stream: trigger-build reads it (import the table with tableStreamArn)');
  }
  if (props.stateMachine instanceof StateMachine && props.stateMachine.stateMachineType === StateMachineType.EXPRESS) {
    throw new ValidationError('stateMachine', 'is EXPRESS: only STANDARD executions are idempotent by name');
  }
  const metricsNamespace = props.metrics === false ? undefined : (props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE);
  const maxRecordAge = props.maxRecordAge ?? Duration.hours(6);
  const sweepSchedule = props.sweepSchedule ?? Schedule.rate(Duration.minutes(5));
  const api = apiSettingsOf(props.api);
  return {
    artifactsBucketName: bucketName('artifactsBucket', props.artifactsBucket.bucketName),
    concurrency: concurrencyOf(props.concurrency ?? DEFAULT_CONCURRENCY_POLICY),
    statusIndexName: matching('statusIndexName', props.statusIndexName ?? DEFAULT_STATUS_INDEX_NAME, INDEX_NAME_PATTERN, '3-255 of A-Z a-z 0-9 _ . -'),
    sweepSchedule,
    sweepGraceMinutes: wholeMinutes('sweepGracePeriod', props.sweepGracePeriod ?? Duration.minutes(5)),
    batchSize: integerWithin('batchSize', props.batchSize ?? 25, 1, 10_000),
    triggerConcurrency: integerWithin('triggerConcurrency', props.triggerConcurrency ?? 10, 1, Number.MAX_SAFE_INTEGER),
    retryAttempts: integerWithin('retryAttempts', props.retryAttempts ?? 10, 0, 10_000),
    maxRecordAge: durationWithin('maxRecordAge', maxRecordAge, Duration.minutes(1), Duration.days(7)),
    startBuilds,
    logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
    stuckBuildsAlarmThreshold: integerWithin('stuckBuildsAlarmThreshold', props.stuckBuildsAlarmThreshold ?? 1, 1, Number.MAX_SAFE_INTEGER),
    openBuildsAlarmThreshold:
      props.openBuildsAlarmThreshold === undefined
        ? undefined
        : integerWithin('openBuildsAlarmThreshold', props.openBuildsAlarmThreshold, 0, Number.MAX_SAFE_INTEGER),
    iteratorAgeAlarmThreshold: durationWithin('iteratorAgeAlarmThreshold', props.iteratorAgeAlarmThreshold ?? Duration.minutes(2), Duration.seconds(1), Duration.days(7)),
    sweeperStoppedAlarmPeriod: sweeperStoppedAlarmPeriodOf(props.sweeperStoppedAlarmPeriod, sweepSchedule),
    metricsNamespace:
      metricsNamespace === undefined
        ? undefined
        : matching('metricsNamespace', metricsNamespace, METRICS_NAMESPACE_PATTERN, '1 to 255 printable ASCII characters, not starting with ":" or "AWS/"'),
    tracing: props.tracing ?? false,
    dashboard: props.dashboard ?? true,
    api,
    functionNames: functionNamesOf(props.functionNames ?? {}, api !== undefined),
    bundlesDirectory: props.bundlesDirectory ?? shippedBundlesDirectory(),
    tableStreamArn,
  };
}

/** Where the switch from the Go deployer is written down, for the errors that send a reader there. */
export const SWITCH_GUIDE = 'docs/deploy.md, "Switching from the Go deployer"';

/**
 * `startBuilds`, decided: `true` by default on a table this app creates; an
 * imported table may be read by another trigger-build (the Go deployer's),
 * and two consumers start every build twice, so the synth fails until the
 * prop is given.
 */
function startBuildsOf(props: BuildOrchestratorProps): boolean {
  if (props.startBuilds !== undefined) return props.startBuilds;
  if (Resource.isOwnedResource(props.table)) return true;
  throw new ValidationError(
    'startBuilds',
    'must be given with an imported table, whose stream another trigger-build may read (two consumers start every build twice): ' +
      `false while the Go deployer's trigger-build consumes the stream, true once its mapping is disabled (${SWITCH_GUIDE})`,
  );
}

/** A Lambda function name as `FunctionName` takes it (no ARN, no alias). */
const FUNCTION_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function functionNamesOf(names: Partial<Record<LambdaFunctionName, string>>, withApi: boolean): Partial<Record<LambdaFunctionName, string>> {
  for (const [handler, name] of Object.entries(names)) {
    const prop = `functionNames.${handler}`;
    if (!(LAMBDA_FUNCTIONS as readonly string[]).includes(handler)) throw new ValidationError(prop, `is no function of the construct (${LAMBDA_FUNCTIONS.join(', ')})`);
    if (handler === API_FUNCTION && !withApi) throw new ValidationError(prop, `names the ${API_FUNCTION} function, which exists only with api`);
    if (!Token.isUnresolved(name) && !FUNCTION_NAME_PATTERN.test(name)) throw new ValidationError(prop, 'must be 1 to 64 of A-Z a-z 0-9 - _');
  }
  const given = Object.values(names).filter((name) => !Token.isUnresolved(name));
  if (new Set(given).size !== given.length) throw new ValidationError('functionNames', 'must name each function differently');
  return names;
}

/** The function behind the HTTP API. */
const API_FUNCTION: LambdaFunctionName = 'http-api';

const DEFAULT_API_SETTINGS: OrchestratorApiSettings = {
  throttlingRateLimit: 10,
  throttlingBurstLimit: 20,
  accessLogRetention: RetentionDays.ONE_YEAR,
  idempotencyTableRemovalPolicy: RemovalPolicy.RETAIN,
};

/** `api`, decided: `undefined` (no API) for nothing or `false`, the defaults for `true`, the settings given otherwise. */
function apiSettingsOf(api: unknown): OrchestratorApiSettings | undefined {
  if (api === undefined || api === false) return undefined;
  if (api === true) return DEFAULT_API_SETTINGS;
  if (typeof api !== 'object' || api === null || Array.isArray(api)) throw new ValidationError('api', 'must be true, false or the API\'s settings');
  const given = api as OrchestratorApiProps;
  const known: ReadonlySet<string> = new Set(['throttlingRateLimit', 'throttlingBurstLimit', 'accessLogRetention', 'idempotencyTableRemovalPolicy']);
  const unknown = Object.keys(given).find((key) => !known.has(key));
  if (unknown !== undefined) throw new ValidationError(`api.${unknown}`, `is no setting of the API (${[...known].join(', ')})`);
  const removalPolicy = given.idempotencyTableRemovalPolicy ?? DEFAULT_API_SETTINGS.idempotencyTableRemovalPolicy;
  if (!(Object.values(RemovalPolicy) as unknown[]).includes(removalPolicy)) {
    throw new ValidationError('api.idempotencyTableRemovalPolicy', `must be one of ${Object.values(RemovalPolicy).join(', ')}`);
  }
  return {
    throttlingRateLimit: integerWithin('api.throttlingRateLimit', given.throttlingRateLimit ?? DEFAULT_API_SETTINGS.throttlingRateLimit, 1, 10_000),
    throttlingBurstLimit: integerWithin('api.throttlingBurstLimit', given.throttlingBurstLimit ?? DEFAULT_API_SETTINGS.throttlingBurstLimit, 1, 5_000),
    accessLogRetention: given.accessLogRetention ?? DEFAULT_API_SETTINGS.accessLogRetention,
    idempotencyTableRemovalPolicy: removalPolicy,
  };
}

/**
 * How long the sweeper may go without an invocation before its alarm fires:
 * the period given, or three sweeps of a `rate(...)` schedule; `undefined`
 * (no alarm) for a cron schedule without a period.
 */
function sweeperStoppedAlarmPeriodOf(given: Duration | undefined, schedule: Schedule): Duration | undefined {
  if (given !== undefined) {
    const minutes = wholeMinutes('sweeperStoppedAlarmPeriod', given);
    if (minutes > 24 * 60) throw new ValidationError('sweeperStoppedAlarmPeriod', 'must be at most 1 day');
    return given;
  }
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(schedule.expressionString);
  if (rate === null) return undefined;
  const minutesPerUnit = { minute: 1, hour: 60, day: 24 * 60 }[rate[2] as 'minute' | 'hour' | 'day'];
  return Duration.minutes(Math.min(3 * Number(rate[1]) * minutesPerUnit, 24 * 60));
}

// A literal, never a token: the stream mapping's filters are decided from it at synth time. The
// functions read DEPLOYMENT_CONCURRENCY with the same values, so a policy the synth accepts never
// fails a cold start.
function concurrencyOf(value: unknown): ConcurrencyPolicyName {
  const policy = CONCURRENCY_POLICIES.find((candidate) => candidate === value);
  if (policy !== undefined) return policy;
  const given = typeof value === 'string' && Token.isUnresolved(value) ? 'a token' : JSON.stringify(value);
  throw new ValidationError(
    'concurrency',
    `must be one of ${CONCURRENCY_POLICIES.join(', ')}, written in the app (trigger-build's stream filters are decided from it at synth time); got ${given}`,
  );
}

function integerWithin(prop: string, value: number, min: number, max: number): number {
  if (!Token.isUnresolved(value) && !(Number.isSafeInteger(value) && value >= min && value <= max)) {
    throw new ValidationError(prop, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function durationWithin(prop: string, value: Duration, min: Duration, max: Duration): Duration {
  if (!value.isUnresolved() && (value.toMilliseconds() < min.toMilliseconds() || value.toMilliseconds() > max.toMilliseconds())) {
    throw new ValidationError(prop, `must be from ${min.toHumanString()} to ${max.toHumanString()}`);
  }
  return value;
}

function wholeMinutes(prop: string, value: Duration): number {
  const seconds = value.toSeconds();
  if (seconds < 60 || seconds % 60 !== 0) throw new ValidationError(prop, 'must be a whole number of minutes, at least 1');
  return seconds / 60;
}

// The handlers read ARTIFACT_BUCKET with the same rules: a name the synth accepts never fails a cold start.
function bucketName(prop: string, value: string): string {
  if (!Token.isUnresolved(value) && !isS3BucketName(value)) throw new ValidationError(prop, `must name an S3 bucket: ${S3_BUCKET_NAME_RULE}`);
  return value;
}

function matching(prop: string, value: string, pattern: RegExp, rule: string): string {
  if (!Token.isUnresolved(value) && !pattern.test(value)) throw new ValidationError(prop, `must be ${rule}`);
  return value;
}
