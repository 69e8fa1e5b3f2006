import { Duration, Token } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { StateMachine, StateMachineType, type IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { ValidationError } from '../domain/orchestrator.errors.js';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_STATUS_INDEX_NAME, INDEX_NAME_PATTERN, METRICS_NAMESPACE_PATTERN } from './handler-facts.js';
import { shippedBundlesDirectory } from './shipped-bundles.js';

export interface BuildOrchestratorProps {
  /**
   * The builds table, with its stream: the Go deployer's
   * `{env}-aws-deployer--builds` imported with `Table.fromTableAttributes`
   * (give `tableStreamArn`), or a new one (`BuildsTable`). An imported table
   * is never changed.
   */
  readonly table: ITable;
  /** The deployment state machine, STANDARD (EXPRESS executions are not idempotent by name). */
  readonly stateMachine: IStateMachine;
  /** The bucket of the build artifacts; named in each execution's input, never read. */
  readonly artifactsBucket: IBucket;
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
   * once its mapping is disabled (docs/deploy.md): never both at once.
   *
   * @default true
   */
  readonly startBuilds?: boolean;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default - the alarms notify no one */
  readonly alarmTopic?: ITopic;
  /**
   * The alarm on the sweeper's `OpenBuildsFound` fires above this many open
   * builds past their grace period in one sweep.
   *
   * @default 10
   */
  readonly openBuildsAlarmThreshold?: number;
  /**
   * Powertools Metrics (EMF) from the functions; without them there is no
   * open-builds alarm.
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
   * Where the Lambda bundles are: one directory per function holding its
   * `index.mjs`, as `npm run bundle` writes them.
   *
   * @default - the bundles this package ships (dist/lambda)
   */
  readonly bundlesDirectory?: string;
}

/** The props with their defaults, checked. */
export interface OrchestratorSettings {
  readonly statusIndexName: string;
  readonly sweepSchedule: Schedule;
  readonly sweepGraceMinutes: number;
  readonly batchSize: number;
  readonly triggerConcurrency: number;
  readonly retryAttempts: number;
  readonly maxRecordAge: Duration;
  readonly startBuilds: boolean;
  readonly logRetention: RetentionDays;
  readonly openBuildsAlarmThreshold: number;
  /** `undefined`: metrics are off. */
  readonly metricsNamespace: string | undefined;
  readonly tracing: boolean;
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
  const tableStreamArn = props.table.tableStreamArn;
  if (tableStreamArn === undefined) {
    throw new ValidationError('table', 'has no stream: trigger-build reads it (import the table with tableStreamArn)');
  }
  if (props.stateMachine instanceof StateMachine && props.stateMachine.stateMachineType === StateMachineType.EXPRESS) {
    throw new ValidationError('stateMachine', 'is EXPRESS: only STANDARD executions are idempotent by name');
  }
  const metricsNamespace = props.metrics === false ? undefined : (props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE);
  const maxRecordAge = props.maxRecordAge ?? Duration.hours(6);
  return {
    statusIndexName: matching('statusIndexName', props.statusIndexName ?? DEFAULT_STATUS_INDEX_NAME, INDEX_NAME_PATTERN, '3-255 of A-Z a-z 0-9 _ . -'),
    sweepSchedule: props.sweepSchedule ?? Schedule.rate(Duration.minutes(5)),
    sweepGraceMinutes: wholeMinutes('sweepGracePeriod', props.sweepGracePeriod ?? Duration.minutes(5)),
    batchSize: integerWithin('batchSize', props.batchSize ?? 25, 1, 10_000),
    triggerConcurrency: integerWithin('triggerConcurrency', props.triggerConcurrency ?? 10, 1, Number.MAX_SAFE_INTEGER),
    retryAttempts: integerWithin('retryAttempts', props.retryAttempts ?? 10, 0, 10_000),
    maxRecordAge: durationWithin('maxRecordAge', maxRecordAge, Duration.minutes(1), Duration.days(7)),
    startBuilds: props.startBuilds ?? true,
    logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
    openBuildsAlarmThreshold: integerWithin('openBuildsAlarmThreshold', props.openBuildsAlarmThreshold ?? 10, 0, Number.MAX_SAFE_INTEGER),
    metricsNamespace:
      metricsNamespace === undefined
        ? undefined
        : matching('metricsNamespace', metricsNamespace, METRICS_NAMESPACE_PATTERN, '1 to 255 printable ASCII characters, not starting with ":" or "AWS/"'),
    tracing: props.tracing ?? false,
    bundlesDirectory: props.bundlesDirectory ?? shippedBundlesDirectory(),
    tableStreamArn,
  };
}

function integerWithin(prop: string, value: number, min: number, max: number): number {
  if (!Token.isUnresolved(value) && !(Number.isSafeInteger(value) && value >= min && value <= max)) {
    throw new ValidationError(prop, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function durationWithin(prop: string, value: Duration, min: Duration, max: Duration): Duration {
  if (!value.isUnresolved() && (value.toSeconds() < min.toSeconds() || value.toSeconds() > max.toSeconds())) {
    throw new ValidationError(prop, `must be from ${min.toHumanString()} to ${max.toHumanString()}`);
  }
  return value;
}

function wholeMinutes(prop: string, value: Duration): number {
  const seconds = value.toSeconds();
  if (seconds < 60 || seconds % 60 !== 0) throw new ValidationError(prop, 'must be a whole number of minutes, at least 1');
  return seconds / 60;
}

function matching(prop: string, value: string, pattern: RegExp, rule: string): string {
  if (!Token.isUnresolved(value) && !pattern.test(value)) throw new ValidationError(prop, `must be ${rule}`);
  return value;
}
