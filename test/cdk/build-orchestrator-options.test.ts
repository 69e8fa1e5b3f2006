// BuildOrchestrator on a new Go-compatible table (BuildsTable), with every
// option away from its default: tracing on, metrics off, the mapping disabled,
// no dashboard, the reviewer's hooks (keys, a permissions boundary, function
// names) given (one synthesis for the whole file).
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { CfnRole, ManagedPolicy, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readObservabilityEnvironment } from '../../src/composition/lambda/environment.js';
import { BuildOrchestrator, BuildsTable } from '../../src/cdk/index.js';
import { someBundleDirectories, type BundleDirectories } from './support/bundle-directories.js';
import { anAppInATemporaryDirectory, logicalIdOf, propertiesOf, resourcesOf, statementsOfRole } from './support/template-reading.js';

let bundles: BundleDirectories;
let removeApp: () => void;
let builds: BuildsTable;
let orchestrator: BuildOrchestrator;
let template: Template;
let queueKey: Key;
let logsKey: Key;
let boundary: ManagedPolicy;

const FUNCTION_NAMES = {
  'trigger-build': 'dev-aws-deployer-ts-trigger-build',
  'update-build-status': 'dev-aws-deployer-ts-update-build-status',
  'execution-status-change': 'dev-aws-deployer-ts-execution-status-change',
  sweeper: 'dev-aws-deployer-ts-sweeper',
};

beforeAll(() => {
  bundles = someBundleDirectories();
  const { app, remove } = anAppInATemporaryDirectory();
  removeApp = remove;
  const stack = new Stack(app, 'NewDeployer');
  builds = new BuildsTable(stack, 'Builds', { tableName: 'dev-aws-deployer--builds', statusIndexName: 'by-status' });
  queueKey = new Key(stack, 'QueueKey', { enableKeyRotation: true });
  logsKey = new Key(stack, 'LogsKey', { enableKeyRotation: true });
  boundary = new ManagedPolicy(stack, 'Boundary', {
    document: new PolicyDocument({ statements: [new PolicyStatement({ actions: ['dynamodb:*', 'states:*', 'sqs:SendMessage', 'kms:*', 'logs:*', 'xray:*'], resources: ['*'] })] }),
  });
  // aws-cdk-lib is not written for exactOptionalPropertyTypes (this repository's setting): its classes
  // declare `x: T | undefined` where their interfaces declare `x?: T`, hence the casts to the interfaces.
  orchestrator = new BuildOrchestrator(stack, 'Orchestrator', {
    table: builds.table as ITable,
    statusIndexName: builds.statusIndexName,
    stateMachine: new StateMachine(stack, 'Deployment', { definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Deploy')) }),
    artifactsBucket: new Bucket(stack, 'Artifacts') as IBucket,
    concurrency: 'parallel',
    sweepSchedule: Schedule.rate(Duration.minutes(10)),
    sweepGracePeriod: Duration.minutes(15),
    batchSize: 50,
    triggerConcurrency: 4,
    retryAttempts: 3,
    maxRecordAge: Duration.hours(1),
    startBuilds: false,
    logRetention: RetentionDays.ONE_WEEK,
    stuckBuildsAlarmThreshold: 2,
    openBuildsAlarmThreshold: 20,
    iteratorAgeAlarmThreshold: Duration.minutes(10),
    sweeperStoppedAlarmPeriod: Duration.hours(1),
    metrics: false,
    tracing: true,
    dashboard: false,
    functionNames: FUNCTION_NAMES,
    encryptionKey: queueKey,
    logsEncryptionKey: logsKey,
    permissionsBoundary: boundary,
    bundlesDirectory: bundles.path,
  });
  template = Template.fromStack(stack);
}, 60_000);

afterAll(() => {
  removeApp();
  bundles.remove();
});

const variablesOf = (fn: typeof orchestrator.sweeperFunction) => (propertiesOf(template, fn).Environment as { Variables: Record<string, unknown> }).Variables;

describe('BuildsTable', () => {
  it('creates a table shaped as the Go deployer\'s: pk and sk, on demand, a stream, point-in-time recovery, the status index, kept on delete', () => {
    const table = resourcesOf(template)[logicalIdOf(builds.table)];

    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.Properties).toEqual({
      TableName: 'dev-aws-deployer--builds',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
        { AttributeName: 'updated_at', AttributeType: 'N' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'by-status',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'updated_at', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });
});

describe('BuildOrchestrator with its options', () => {
  it("reads the new table's stream, and lets the sweeper query its index by the name given, past the grace period given", () => {
    const streamArn = { 'Fn::GetAtt': [logicalIdOf(builds.table), 'StreamArn'] };

    expect(propertiesOf(template, orchestrator.triggerBuildEventSource)).toMatchObject({ EventSourceArn: streamArn });
    expect(statementsOfRole(template, logicalIdOf(orchestrator.sweeperFunction.role ?? orchestrator))).toContainEqual({
      Sid: 'FindOpenBuilds',
      Effect: 'Allow',
      Action: 'dynamodb:Query',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(builds.table), 'Arn'] }, '/index/by-status']] },
    });
    expect(variablesOf(orchestrator.sweeperFunction)).toMatchObject({ BUILDS_STATUS_INDEX_NAME: 'by-status', SWEEP_GRACE_MINUTES: '15' });
  });

  it('deploys the stream mapping disabled while it must not start builds, with the batch, retries and record age given', () => {
    expect(propertiesOf(template, orchestrator.triggerBuildEventSource)).toMatchObject({
      Enabled: false,
      BatchSize: 50,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
    });
    expect(variablesOf(orchestrator.triggerBuildFunction)).toMatchObject({ TRIGGER_CONCURRENCY: '4' });
  });

  it('tells every function the parallel policy, and gives trigger-build the INSERTs alone: no lock is taken, so none is released', () => {
    for (const fn of [orchestrator.triggerBuildFunction, orchestrator.updateBuildStatusFunction, orchestrator.executionStatusChangeFunction, orchestrator.sweeperFunction]) {
      expect(variablesOf(fn), fn.node.path).toMatchObject({ DEPLOYMENT_CONCURRENCY: 'parallel' });
    }
    expect(propertiesOf(template, orchestrator.triggerBuildEventSource).FilterCriteria).toEqual({ Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] });
  });

  it('sweeps on the schedule given, off while it must not start builds, and keeps the logs as long as asked', () => {
    expect(propertiesOf(template, orchestrator.sweepRule)).toMatchObject({ ScheduleExpression: 'rate(10 minutes)', State: 'DISABLED' });
    expect(propertiesOf(template, orchestrator.sweeperFunction.logGroup)).toMatchObject({ RetentionInDays: 7 });
  });

  it('traces every function (X-Ray and Powertools Tracer) and turns their metrics off, with no alarm on the functions\' metrics', () => {
    for (const fn of [orchestrator.triggerBuildFunction, orchestrator.updateBuildStatusFunction, orchestrator.executionStatusChangeFunction, orchestrator.sweeperFunction]) {
      expect(propertiesOf(template, fn)).toMatchObject({ TracingConfig: { Mode: 'Active' } });
      // The variables hold tokens here (a table and a bucket of this stack): read the observability ones alone.
      const { POWERTOOLS_METRICS_DISABLED, POWERTOOLS_TRACE_ENABLED } = variablesOf(fn) as Record<string, string>;
      expect(readObservabilityEnvironment({ POWERTOOLS_METRICS_DISABLED, POWERTOOLS_TRACE_ENABLED })).toEqual({ metricsNamespace: undefined, tracing: true });
      expect(variablesOf(fn)).not.toHaveProperty('POWERTOOLS_METRICS_NAMESPACE');
      // Active tracing adds the X-Ray daemon's two calls (no resource type: *) to the function's own permissions.
      expect(statementsOfRole(template, logicalIdOf(fn.role ?? fn))).toContainEqual({
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        Resource: '*',
      });
    }
    // Errors of the four functions, the two queues' messages and the stream's age only: no StuckBuilds, no OpenBuildsFound,
    // no start failures; no alarm on a stopped sweeper while it is not meant to run.
    expect(new Set(orchestrator.alarms.map((alarm) => propertiesOf(template, alarm).MetricName))).toEqual(
      new Set(['Errors', 'ApproximateNumberOfMessagesVisible', 'IteratorAge']),
    );
    expect(orchestrator.alarms).toHaveLength(7);
    expect(orchestrator.alarms.map((alarm) => propertiesOf(template, alarm)).find((alarm) => alarm.MetricName === 'IteratorAge')).toMatchObject({ Threshold: 600_000 });
  });

  it('ships no dashboard when told not to', () => {
    expect(orchestrator.dashboard).toBeUndefined();
    expect(Object.values(resourcesOf(template)).filter((resource) => resource.Type === 'AWS::CloudWatch::Dashboard')).toEqual([]);
  });

  it('names each function as asked', () => {
    const names = {
      'trigger-build': propertiesOf(template, orchestrator.triggerBuildFunction).FunctionName,
      'update-build-status': propertiesOf(template, orchestrator.updateBuildStatusFunction).FunctionName,
      'execution-status-change': propertiesOf(template, orchestrator.executionStatusChangeFunction).FunctionName,
      sweeper: propertiesOf(template, orchestrator.sweeperFunction).FunctionName,
    };

    expect(names).toEqual(FUNCTION_NAMES);
  });

  it('sets the permissions boundary on every role it creates', () => {
    const roles = orchestrator.node.findAll().filter((construct) => construct instanceof CfnRole);

    expect(roles).toHaveLength(4);
    for (const role of roles) expect(resourcesOf(template)[Stack.of(role).getLogicalId(role)]?.Properties.PermissionsBoundary).toEqual({ Ref: logicalIdOf(boundary) });
  });

  it('encrypts both queues with the key given, lets the functions that write there use it, and lets EventBridge use it in its key policy', () => {
    const keyArn = { 'Fn::GetAtt': [logicalIdOf(queueKey), 'Arn'] };
    const encryptFailureRecords = { Sid: 'EncryptFailureRecords', Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: keyArn };

    for (const queue of [orchestrator.triggerBuildFailureQueue, orchestrator.executionEventsDeadLetterQueue]) {
      expect(propertiesOf(template, queue)).toMatchObject({ KmsMasterKeyId: keyArn });
      expect(propertiesOf(template, queue)).not.toHaveProperty('SqsManagedSseEnabled');
    }
    for (const fn of [orchestrator.triggerBuildFunction, orchestrator.executionStatusChangeFunction]) {
      expect(statementsOfRole(template, logicalIdOf(fn.role ?? fn))).toContainEqual(encryptFailureRecords);
    }
    for (const fn of [orchestrator.updateBuildStatusFunction, orchestrator.sweeperFunction]) {
      expect(statementsOfRole(template, logicalIdOf(fn.role ?? fn)).map((statement) => statement.Sid)).not.toContain('EncryptFailureRecords');
    }
    expect(keyPolicyOf(queueKey)).toContainEqual(
      expect.objectContaining({
        Sid: 'EventBridgeDeadLettersOfAwsDeployerOrchestrator',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }) as unknown,
      }),
    );
  });

  it('encrypts every log group with the logs key given, and lets CloudWatch Logs use it for this account\'s log groups', () => {
    for (const fn of [orchestrator.triggerBuildFunction, orchestrator.updateBuildStatusFunction, orchestrator.executionStatusChangeFunction, orchestrator.sweeperFunction]) {
      expect(propertiesOf(template, fn.logGroup)).toMatchObject({ KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(logsKey), 'Arn'] } });
    }
    expect(keyPolicyOf(logsKey)).toContainEqual(
      expect.objectContaining({
        Sid: 'LogGroupsOfAwsDeployerOrchestrator',
        Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
      }),
    );
  });
});

/** The statements of a key's policy, as synthesized. */
function keyPolicyOf(key: Key): Array<Record<string, unknown>> {
  return (propertiesOf(template, key).KeyPolicy as { Statement: Array<Record<string, unknown>> }).Statement;
}
