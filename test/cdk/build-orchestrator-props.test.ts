// BuildOrchestrator refuses, at synth time and naming the prop, what would
// only fail once deployed.
import { Duration, Stack, Token } from 'aws-cdk-lib';
import type { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Table, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule, type CfnRule } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { CfnEventSourceMapping, CfnFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { DefinitionBody, Pass, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildOrchestrator, BuildsTable, type BuildOrchestratorProps } from '../../src/cdk/index.js';
import { readConcurrencyPolicy, readSweeperEnvironment, readTriggerBuildEnvironment } from '../../src/composition/lambda/environment.js';
import { ValidationError } from '../../src/index.js';
import { someBundleDirectories, type BundleDirectories } from './support/bundle-directories.js';
import { anAppInATemporaryDirectory } from './support/template-reading.js';

let bundles: BundleDirectories;
let app: ReturnType<typeof anAppInATemporaryDirectory>;
beforeAll(() => {
  bundles = someBundleDirectories();
  app = anAppInATemporaryDirectory();
});
afterAll(() => {
  app.remove();
  bundles.remove();
});

let stacks = 0;
/** A stack of its own in the app (a Stack without one would make an app, and a directory, of its own). */
const aStack = () => new Stack(app.app, `Stack${(stacks += 1)}`);

/** A BuildOrchestrator with valid props but `overrides`, in a stack of its own. */
function anOrchestrator(overrides: (stack: Stack) => Partial<BuildOrchestratorProps>): BuildOrchestrator {
  const stack = aStack();
  return new BuildOrchestrator(stack, 'Orchestrator', {
    table: Table.fromTableAttributes(stack, 'Builds', {
      tableName: 'prd-aws-deployer--builds',
      tableStreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/prd-aws-deployer--builds/stream/2026-01-01T00:00:00.000',
    }),
    stateMachine: StateMachine.fromStateMachineName(stack, 'Deployment', 'deployment'),
    artifactsBucket: Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'),
    startBuilds: true,
    bundlesDirectory: bundles.path,
    ...overrides(stack),
  });
}

/** A function's environment variables as CloudFormation gets them (tokens resolved), without synthesizing its asset. */
const variables = (fn: LambdaFunction): Record<string, unknown> =>
  (Stack.of(fn).resolve((fn.node.defaultChild as CfnFunction).environment) as { variables: Record<string, unknown> }).variables;

/** An imported bucket that says its name is `name`, whatever CDK's own import would make of it. */
const aBucketNamed = (stack: Stack, name: string): IBucket =>
  Object.create(Bucket.fromBucketName(stack, 'Artifacts-As-Named', 'artifacts'), { bucketName: { value: name } }) as IBucket;

/** The warnings a construct itself records (Annotations.fromStack would synthesize the whole app). */
const warningsOf = (construct: BuildOrchestrator): string[] =>
  construct.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning').map((entry) => String(entry.data).replace(/ \[ack: .*\]$/, ''));

const invalid = (field: string, reason: RegExp) => expect.objectContaining({ constructor: ValidationError, field, reason: expect.stringMatching(reason) });

describe('BuildOrchestrator props', () => {
  it('accepts the defaults', () => {
    expect(anOrchestrator(() => ({})).node.findAll().length).toBeGreaterThan(0);
  });

  it('refuses an imported table without a decision on startBuilds, naming the prop and the switch steps', () => {
    const stack = aStack();
    const table = Table.fromTableName(stack, 'Imported', 'prd-aws-deployer--builds');
    const withStream = Table.fromTableAttributes(stack, 'ImportedWithStream', {
      tableName: 'prd-aws-deployer--builds',
      tableStreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/prd-aws-deployer--builds/stream/2026-01-01T00:00:00.000',
    });
    const undecided = (builds: ITable) => () =>
      new BuildOrchestrator(stack, `Orchestrator${builds.node.id}`, {
        table: builds,
        stateMachine: StateMachine.fromStateMachineName(stack, `Deployment${builds.node.id}`, 'deployment'),
        artifactsBucket: Bucket.fromBucketName(stack, `Artifacts${builds.node.id}`, 'artifacts'),
        bundlesDirectory: bundles.path,
      });

    expect(undecided(withStream)).toThrow(invalid('startBuilds', /must be given with an imported table.*docs\/deploy\.md, "Switching from the Go deployer"/));
    // Even before the stream is checked: the decision comes first.
    expect(undecided(table)).toThrow(invalid('startBuilds', /imported table/));
  });

  it('starts builds by default on a table the app creates, and not when told so on an imported one', () => {
    const stack = aStack();
    const builds = new BuildsTable(stack, 'Builds');
    const created = new BuildOrchestrator(stack, 'Orchestrator', {
      table: builds.table as ITable,
      stateMachine: StateMachine.fromStateMachineName(stack, 'Deployment', 'deployment'),
      artifactsBucket: Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'),
      bundlesDirectory: bundles.path,
    });
    const imported = anOrchestrator(() => ({ startBuilds: false }));
    const enabled = (orchestrator: BuildOrchestrator) => ({
      mapping: (orchestrator.triggerBuildEventSource.node.defaultChild as CfnEventSourceMapping).enabled,
      sweep: (orchestrator.sweepRule.node.defaultChild as CfnRule).state,
    });

    expect(enabled(created)).toEqual({ mapping: true, sweep: 'ENABLED' });
    expect(enabled(imported)).toEqual({ mapping: false, sweep: 'DISABLED' });
  });

  it('refuses a table without a stream', () => {
    expect(() => anOrchestrator((stack) => ({ table: Table.fromTableName(stack, 'NoStream', 'prd-aws-deployer--builds') }))).toThrow(
      invalid('table', /has no stream/),
    );
  });

  it('refuses an EXPRESS state machine', () => {
    const express = (stack: Stack) =>
      new StateMachine(stack, 'Express', { stateMachineType: StateMachineType.EXPRESS, definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Deploy')) });

    expect(() => anOrchestrator((stack) => ({ stateMachine: express(stack) }))).toThrow(invalid('stateMachine', /EXPRESS/));
  });

  it.each([
    ['batchSize', { batchSize: 0 }, /from 1 to 10000/],
    ['batchSize', { batchSize: 10_001 }, /from 1 to 10000/],
    ['triggerConcurrency', { triggerConcurrency: 1.5 }, /integer/],
    ['retryAttempts', { retryAttempts: -1 }, /from 0 to 10000/],
    ['openBuildsAlarmThreshold', { openBuildsAlarmThreshold: -1 }, /from 0/],
    ['stuckBuildsAlarmThreshold', { stuckBuildsAlarmThreshold: 0 }, /from 1/],
    ['stuckBuildsAlarmThreshold', { stuckBuildsAlarmThreshold: 1.5 }, /integer/],
    ['maxRecordAge', { maxRecordAge: Duration.seconds(30) }, /from 1 minute to 7 days/],
    ['maxRecordAge', { maxRecordAge: Duration.days(8) }, /from 1 minute to 7 days/],
    ['sweepGracePeriod', { sweepGracePeriod: Duration.seconds(90) }, /whole number of minutes/],
    ['statusIndexName', { statusIndexName: 'by status' }, /A-Z a-z 0-9 _ \. -/],
    ['metricsNamespace', { metricsNamespace: 'AWS/Lambda' }, /not starting with ":" or "AWS\/"/],
    ['iteratorAgeAlarmThreshold', { iteratorAgeAlarmThreshold: Duration.millis(500) }, /from 1 second to 7 days/],
    ['sweeperStoppedAlarmPeriod', { sweeperStoppedAlarmPeriod: Duration.seconds(90) }, /whole number of minutes/],
    ['sweeperStoppedAlarmPeriod', { sweeperStoppedAlarmPeriod: Duration.hours(25) }, /at most 1 day/],
    ['functionNames.sweeper', { functionNames: { sweeper: 'prd aws-deployer sweeper' } }, /1 to 64 of A-Z a-z 0-9 - _/],
    ['functionNames.sweeper', { functionNames: { sweeper: 'x'.repeat(65) } }, /1 to 64/],
    ['functionNames', { functionNames: { sweeper: 'same', 'trigger-build': 'same' } }, /differently/],
    ['functionNames.http-api', { functionNames: { 'http-api': 'prd-aws-deployer-ts-http-api' } }, /exists only with api/],
    ['api.throttlingRateLimit', { api: { throttlingRateLimit: 0 } }, /from 1 to 10000/],
    ['api.throttlingRateLimit', { api: { throttlingRateLimit: 2.5 } }, /integer/],
    ['api.throttlingBurstLimit', { api: { throttlingBurstLimit: 5_001 } }, /from 1 to 5000/],
  ] as const)('refuses an invalid %s (%o)', (field, props, reason) => {
    expect(() => anOrchestrator(() => props)).toThrow(invalid(field, reason));
  });

  // CDK's own Bucket.fromBucketName refuses most of these; another IBucket (a bucket of a construct
  // library, a hand-written import) may carry any name, and the handlers would refuse it at every cold start.
  it.each([
    ['empty', ''],
    ['with a space', 'my artifacts'],
    ['with a slash', 'artifacts/builds'],
    ['an s3:// address', 's3://artifacts'],
    ['over 255 characters', 'a'.repeat(256)],
    ['too short', 'ab'],
  ])('refuses an artifacts bucket name %s (%j), which no bucket can have', (_, name) => {
    expect(() => anOrchestrator((stack) => ({ artifactsBucket: aBucketNamed(stack, name) }))).toThrow(
      invalid('artifactsBucket', /must name an S3 bucket: 3 to 63 of a-z 0-9 \. - .*3 to 255 of A-Z a-z 0-9 \. - _/),
    );
  });

  it('accepts a legacy us-east-1 bucket name, and tells trigger-build and the sweeper a name they read back', () => {
    // Capitals and an underscore: CDK imports it (its legacy naming), and the functions must start with it.
    const orchestrator = anOrchestrator((stack) => ({ artifactsBucket: Bucket.fromBucketName(stack, 'Legacy', 'My_Artifacts') }));

    // The state machine ARN is a token in this stack: the handlers read the synthesized bucket beside literal table variables.
    const table = { BUILDS_TABLE_NAME: 'prd-aws-deployer--builds', STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:deployment' };
    const bucketOf = (fn: LambdaFunction) => ({ ...table, ARTIFACT_BUCKET: variables(fn).ARTIFACT_BUCKET as string });
    expect(readTriggerBuildEnvironment(bucketOf(orchestrator.triggerBuildFunction)).s3Bucket).toBe('My_Artifacts');
    expect(readSweeperEnvironment(bucketOf(orchestrator.sweeperFunction)).s3Bucket).toBe('My_Artifacts');
  });

  it.each(['Legacy.Artifacts_2017', 'A'.repeat(255)])('accepts the legacy us-east-1 bucket name %j from any IBucket', (name) => {
    expect(() => anOrchestrator((stack) => ({ artifactsBucket: aBucketNamed(stack, name) }))).not.toThrow();
  });

  it('accepts a bucket of the same app, whose name is a token until deployed', () => {
    let bucket: Bucket | undefined;
    const orchestrator = anOrchestrator((stack) => ({ artifactsBucket: (bucket = new Bucket(stack, 'NewArtifacts')) as IBucket }));

    expect(Token.isUnresolved(bucket?.bucketName)).toBe(true);
    expect(variables(orchestrator.triggerBuildFunction).ARTIFACT_BUCKET).toEqual({ Ref: expect.stringMatching(/^NewArtifacts/) });
  });

  it('alarms at the stuck-builds threshold given, and keeps the deprecated open-builds alarm only when its threshold is given', () => {
    const alarmsOf = (orchestrator: BuildOrchestrator) =>
      orchestrator.alarms.map((alarm) => {
        const { metricName, threshold, comparisonOperator } = alarm.node.defaultChild as CfnAlarm;
        return { metricName, threshold, comparisonOperator };
      });
    const thresholdOf = (orchestrator: BuildOrchestrator, metricName: string) =>
      alarmsOf(orchestrator).filter((alarm) => alarm.metricName === metricName).map(({ threshold, comparisonOperator }) => ({ threshold, comparisonOperator }));

    const byDefault = anOrchestrator(() => ({}));
    const given = anOrchestrator(() => ({ stuckBuildsAlarmThreshold: 3, openBuildsAlarmThreshold: 20 }));

    expect(thresholdOf(byDefault, 'StuckBuilds')).toEqual([{ threshold: 1, comparisonOperator: 'GreaterThanOrEqualToThreshold' }]);
    expect(thresholdOf(byDefault, 'OpenBuildsFound')).toEqual([]);
    expect(thresholdOf(given, 'StuckBuilds')).toEqual([{ threshold: 3, comparisonOperator: 'GreaterThanOrEqualToThreshold' }]);
    expect(thresholdOf(given, 'OpenBuildsFound')).toEqual([{ threshold: 20, comparisonOperator: 'GreaterThanThreshold' }]);
  });

  it('refuses an api that is neither a flag nor its settings, and a setting it does not have, naming it', () => {
    const asGiven = (api: unknown) => () => anOrchestrator(() => ({ api: api as NonNullable<BuildOrchestratorProps['api']> }));

    expect(asGiven('yes')).toThrow(invalid('api', /must be true, false or the API's settings/));
    expect(asGiven([])).toThrow(invalid('api', /must be true, false or the API's settings/));
    expect(asGiven({ cors: true })).toThrow(invalid('api.cors', /is no setting of the API/));
    expect(asGiven({ idempotencyTableRemovalPolicy: 'keep' })).toThrow(invalid('api.idempotencyTableRemovalPolicy', /must be one of/));
  });

  it('refuses a function name for no function of the construct', () => {
    const names = JSON.parse('{"s3-trigger":"prd-aws-deployer-s3-trigger"}') as BuildOrchestratorProps['functionNames'];

    expect(() => anOrchestrator(() => ({ ...(names === undefined ? {} : { functionNames: names }) }))).toThrow(invalid('functionNames.s3-trigger', /is no function/));
  });

  it('alarms on a stopped sweeper after three sweeps of a rate schedule, after the period given, and not at all while builds are not started', () => {
    const periodOf = (orchestrator: BuildOrchestrator) =>
      orchestrator.alarms
        .map((alarm) => alarm.node.defaultChild as CfnAlarm)
        .filter((alarm) => alarm.metricName === 'Invocations')
        .map((alarm) => alarm.period);

    expect(periodOf(anOrchestrator(() => ({})))).toEqual([900]);
    expect(periodOf(anOrchestrator(() => ({ sweepSchedule: Schedule.rate(Duration.hours(1)) })))).toEqual([3 * 3600]);
    expect(periodOf(anOrchestrator(() => ({ sweepSchedule: Schedule.rate(Duration.days(1)) })))).toEqual([24 * 3600]);
    expect(periodOf(anOrchestrator(() => ({ sweeperStoppedAlarmPeriod: Duration.minutes(30) })))).toEqual([1800]);
    expect(periodOf(anOrchestrator(() => ({ startBuilds: false })))).toEqual([]);
  });

  it('warns that a cron schedule has no stopped-sweeper alarm unless given a period', () => {
    const cron = anOrchestrator(() => ({ sweepSchedule: Schedule.cron({ minute: '*/10' }) }));
    const alarmsOn = (orchestrator: BuildOrchestrator) => orchestrator.alarms.filter((alarm) => (alarm.node.defaultChild as CfnAlarm).metricName === 'Invocations');

    expect(alarmsOn(cron)).toEqual([]);
    expect(warningsOf(cron)).toEqual([expect.stringMatching(/sweepSchedule is not a rate; give sweeperStoppedAlarmPeriod/)]);
    expect(alarmsOn(anOrchestrator(() => ({ sweepSchedule: Schedule.cron({ minute: '*/10' }), sweeperStoppedAlarmPeriod: Duration.minutes(30) })))).toHaveLength(1);
  });

  it('warns, naming the statement, that an imported key\'s policy must let EventBridge and CloudWatch Logs use it', () => {
    const keyed = anOrchestrator((stack) => ({
      encryptionKey: Key.fromKeyArn(stack, 'QueueKey', 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'),
      logsEncryptionKey: Key.fromKeyArn(stack, 'LogsKey', 'arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000'),
    }));

    expect(warningsOf(keyed)).toEqual([
      expect.stringMatching(
        /^The key policy of encryptionKey must allow \{"Action":\["kms:Decrypt","kms:GenerateDataKey"\],.*"aws:SourceArn":"arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule\/\*".*"Principal":\{"Service":"events\.amazonaws\.com"\}.*"Security review"/,
      ),
      expect.stringMatching(
        /^The key policy of logsEncryptionKey must allow .*"kms:EncryptionContext:aws:logs:arn":"arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:\*".*"Principal":\{"Service":"logs\.<AWS::Region>\.amazonaws\.com"\}.*"Security review"/,
      ),
    ]);
  });

  describe('concurrency', () => {
    const INSERTS = '{"eventName":["INSERT"]}';
    const LOCK_RELEASES = '{"eventName":["REMOVE"],"dynamodb":{"Keys":{"pk":{"S":["lock"]}}}}';
    const filtersOf = (orchestrator: BuildOrchestrator) =>
      (orchestrator.triggerBuildEventSource.node.defaultChild as CfnEventSourceMapping).filterCriteria as { filters: Array<{ pattern: string }> };
    const everyFunction = (orchestrator: BuildOrchestrator) => [
      orchestrator.triggerBuildFunction,
      orchestrator.updateBuildStatusFunction,
      orchestrator.executionStatusChangeFunction,
      orchestrator.sweeperFunction,
    ];

    it.each([
      ['queue', {}, [INSERTS, LOCK_RELEASES]],
      ['queue', { concurrency: 'queue' }, [INSERTS, LOCK_RELEASES]],
      ['supersede', { concurrency: 'supersede' }, [INSERTS, LOCK_RELEASES]],
      // Nothing is locked, so nothing is released: the stream mapping stays as it was before locks.
      ['parallel', { concurrency: 'parallel' }, [INSERTS]],
    ] as const)('tells every function %s (%o) in DEPLOYMENT_CONCURRENCY, and filters the stream for it', (policy, props, patterns) => {
      const orchestrator = anOrchestrator(() => props);

      for (const fn of everyFunction(orchestrator)) {
        expect(variables(fn).DEPLOYMENT_CONCURRENCY, fn.node.path).toBe(policy);
        expect(readConcurrencyPolicy({ DEPLOYMENT_CONCURRENCY: variables(fn).DEPLOYMENT_CONCURRENCY as string })).toBe(policy);
      }
      expect(filtersOf(orchestrator).filters.map((filter) => filter.pattern)).toEqual(patterns);
    });

    it.each([
      ['an unknown policy', 'serial', /got "serial"/],
      ['another case', 'Queue', /got "Queue"/],
      ['an empty string', '', /got ""/],
      ['a token', Token.asString({ Ref: 'ConcurrencyParameter' }), /written in the app \(trigger-build's stream filters are decided from it at synth time\); got a token/],
    ])('refuses %s, naming concurrency and the policies', (_, concurrency, reason) => {
      const props = { concurrency } as unknown as Partial<BuildOrchestratorProps>;

      expect(() => anOrchestrator(() => props)).toThrow(invalid('concurrency', /^must be one of queue, supersede, parallel/));
      expect(() => anOrchestrator(() => props)).toThrow(invalid('concurrency', reason));
    });
  });

  it('refuses a bundles directory without a function\'s bundle, naming the file', () => {
    rmSync(join(bundles.path, 'sweeper', 'index.mjs'));

    expect(() => anOrchestrator(() => ({}))).toThrow(invalid('bundlesDirectory', /has no sweeper\/index\.mjs/));
  });
});

describe('BuildsTable props', () => {
  it('refuses an invalid status index name', () => {
    expect(() => new BuildsTable(aStack(), 'Builds', { statusIndexName: 'x' })).toThrow(invalid('statusIndexName', /3-255/));
  });
});
