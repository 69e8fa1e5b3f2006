// What BuildOrchestrator declares on an imported table and state machine, read
// from the synthesized template (one synthesis for the whole file).
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyDocumentOf, type LambdaFunctionName } from '../../src/adapters/driving/lambda/permissions.js';
import {
  readConcurrencyPolicy,
  readObservabilityEnvironment,
  readSweeperEnvironment,
  readTableEnvironment,
  readTriggerBuildEnvironment,
} from '../../src/composition/lambda/environment.js';
import { BuildOrchestrator } from '../../src/cdk/index.js';
import { jsonBlocksOf, readDoc, sectionOf } from '../docs/markdown-sections.js';
import { someBundleDirectories, type BundleDirectories } from './support/bundle-directories.js';
import {
  anAppInATemporaryDirectory,
  everyIamAction,
  logicalIdOf,
  propertiesOf,
  resourcesOf,
  statementsOfRole,
} from './support/template-reading.js';

/** The parts of a dashboard body the tests read: each widget's title, metrics (`[namespace, name, dimension, value, ...]`) and alarms. */
interface DashboardBody {
  readonly widgets: ReadonlyArray<{ readonly properties: { readonly title?: string; readonly metrics?: unknown[][]; readonly alarms?: unknown[] } }>;
}

/** A dashboard body as the template holds it (a string joined with references), each reference written `#Logical.Attribute#`. */
function dashboardBodyOf(body: unknown): DashboardBody {
  const text =
    typeof body === 'string'
      ? body
      : ((body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1] ?? [])
          .map((part) => {
            if (typeof part === 'string') return part;
            const reference = part as { Ref?: string; 'Fn::GetAtt'?: string[] };
            return `#${reference.Ref ?? (reference['Fn::GetAtt'] ?? []).join('.')}#`;
          })
          .join('');
  return JSON.parse(text) as DashboardBody;
}

const TABLE_NAME = 'prd-aws-deployer--builds';
const STREAM_ARN = `arn:aws:dynamodb:us-east-1:123456789012:table/${TABLE_NAME}/stream/2026-01-01T00:00:00.000`;
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:prd-deployment';
const EXECUTIONS_ARN = 'arn:aws:states:us-east-1:123456789012:execution:prd-deployment:*';
const BUCKET_NAME = 'prd-aws-deployer-artifacts';

let bundles: BundleDirectories;
let removeApp: () => void;
let stack: Stack;
let table: ReturnType<typeof Table.fromTableAttributes>;
let stateMachineRole: Role;
let topic: Topic;
let orchestrator: BuildOrchestrator;
let template: Template;

// One synthesis of the whole stack: seconds on two busy cores.
beforeAll(() => {
  bundles = someBundleDirectories();
  const { app, remove } = anAppInATemporaryDirectory();
  removeApp = remove;
  stack = new Stack(app, 'Deployer', { env: { account: '123456789012', region: 'us-east-1' } });
  table = Table.fromTableAttributes(stack, 'Builds', { tableName: TABLE_NAME, tableStreamArn: STREAM_ARN });
  topic = new Topic(stack, 'OnCall');
  orchestrator = new BuildOrchestrator(stack, 'Orchestrator', {
    table,
    stateMachine: StateMachine.fromStateMachineArn(stack, 'Deployment', STATE_MACHINE_ARN),
    artifactsBucket: Bucket.fromBucketName(stack, 'Artifacts', BUCKET_NAME),
    alarmTopic: topic,
    // Decided: an imported table's stream may have another consumer.
    startBuilds: true,
    bundlesDirectory: bundles.path,
  });
  // What a user wires next: the state machine's role invokes update-build-status.
  stateMachineRole = new Role(stack, 'StateMachineRole', { assumedBy: new ServicePrincipal('states.amazonaws.com') });
  orchestrator.updateBuildStatusFunction.grantInvoke(stateMachineRole);
  template = Template.fromStack(stack);
}, 60_000);

afterAll(() => {
  removeApp();
  bundles.remove();
});

// The functions of a construct without `api` (test/cdk/orchestrator-api.test.ts has the http-api function).
type FunctionName = Exclude<LambdaFunctionName, 'http-api'>;
const functionsByName = (): Record<FunctionName, LambdaFunction> => ({
  'trigger-build': orchestrator.triggerBuildFunction,
  'update-build-status': orchestrator.updateBuildStatusFunction,
  'execution-status-change': orchestrator.executionStatusChangeFunction,
  sweeper: orchestrator.sweeperFunction,
});
const FUNCTION_NAMES = ['trigger-build', 'update-build-status', 'execution-status-change', 'sweeper'] as const satisfies readonly FunctionName[];
const environmentOf = (fn: LambdaFunction) => (propertiesOf(template, fn).Environment as { Variables: Record<string, string> }).Variables;

describe('BuildOrchestrator on an imported table and state machine', () => {
  it.each(FUNCTION_NAMES)('creates %s from its bundle: nodejs22.x on arm64, index.handler, its own log group kept a month', (name) => {
    const fn = functionsByName()[name];
    const properties = propertiesOf(template, fn);

    expect(properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Description: `${name} (@aws-deployer/orchestrator)`,
      LoggingConfig: { LogGroup: { Ref: logicalIdOf(fn.logGroup) } },
    });
    expect(propertiesOf(template, fn.logGroup)).toEqual({ RetentionInDays: 30 });
    expect(environmentOf(fn)).toMatchObject({ NODE_OPTIONS: '--enable-source-maps' });
  });

  it('gives each function the timeout its work needs', () => {
    const timeouts = Object.fromEntries(FUNCTION_NAMES.map((name) => [name, propertiesOf(template, functionsByName()[name]).Timeout]));

    expect(timeouts).toEqual({ 'trigger-build': 60, 'update-build-status': 30, 'execution-status-change': 30, sweeper: 90 });
  });

  it('tells each function its settings in the variables its ready handler reads', () => {
    const functions = functionsByName();
    const table = { tableName: TABLE_NAME, stateMachineArn: STATE_MACHINE_ARN };

    expect(readTriggerBuildEnvironment(environmentOf(functions['trigger-build']))).toEqual({ ...table, statusIndexName: undefined, s3Bucket: BUCKET_NAME, concurrency: 10 });
    expect(readTableEnvironment(environmentOf(functions['update-build-status']))).toEqual({ ...table, statusIndexName: undefined });
    expect(readTableEnvironment(environmentOf(functions['execution-status-change']))).toEqual({ ...table, statusIndexName: undefined });
    expect(readSweeperEnvironment(environmentOf(functions.sweeper))).toMatchObject({
      ...table,
      statusIndexName: 'status-updated_at-index',
      s3Bucket: BUCKET_NAME,
      graceMs: 5 * 60_000,
    });
    for (const name of FUNCTION_NAMES) {
      expect(readObservabilityEnvironment(environmentOf(functions[name])), name).toEqual({ metricsNamespace: 'AwsDeployerOrchestrator', tracing: false });
      // One policy per table: every function is told the same, queue by default.
      expect(environmentOf(functions[name]).DEPLOYMENT_CONCURRENCY, name).toBe('queue');
      expect(readConcurrencyPolicy(environmentOf(functions[name])), name).toBe('queue');
    }
  });

  it('maps the stream to trigger-build: INSERTs and lock releases, partial batch responses, bisect on error, bounded retries and age, the on-failure queue', () => {
    expect(propertiesOf(template, orchestrator.triggerBuildEventSource)).toEqual({
      FunctionName: { Ref: logicalIdOf(orchestrator.triggerBuildFunction) },
      EventSourceArn: STREAM_ARN,
      Enabled: true,
      StartingPosition: 'LATEST',
      BatchSize: 25,
      MaximumBatchingWindowInSeconds: 1,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 21_600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(orchestrator.triggerBuildFailureQueue), 'Arn'] } } },
      // queue (the default) locks environments: a lock's REMOVE hands its environment on.
      FilterCriteria: {
        Filters: [{ Pattern: '{"eventName":["INSERT"]}' }, { Pattern: '{"eventName":["REMOVE"],"dynamodb":{"Keys":{"pk":{"S":["lock"]}}}}' }],
      },
    });
  });

  it("maps the stream as docs/lambda.md's event source mapping shows it", () => {
    const [documented] = jsonBlocksOf(sectionOf(sectionOf(readDoc('docs/lambda.md'), '## trigger-build'), '### Event source mapping')) as Array<
      Record<string, unknown>
    >;
    const synthesized = propertiesOf(template, orchestrator.triggerBuildEventSource);

    expect(documented?.FilterCriteria).toEqual(synthesized.FilterCriteria);
    for (const setting of ['StartingPosition', 'BatchSize', 'MaximumBatchingWindowInSeconds', 'ParallelizationFactor', 'FunctionResponseTypes', 'BisectBatchOnFunctionError', 'MaximumRetryAttempts', 'MaximumRecordAgeInSeconds']) {
      expect(documented?.[setting], setting).toEqual(synthesized[setting]);
    }
  });

  it("sends the state machine's closed executions to execution-status-change, with a retry policy and a dead-letter queue", () => {
    const deadLetters = { 'Fn::GetAtt': [logicalIdOf(orchestrator.executionEventsDeadLetterQueue), 'Arn'] };
    const ruleArn = { 'Fn::GetAtt': [logicalIdOf(orchestrator.executionEndedRule), 'Arn'] };

    expect(propertiesOf(template, orchestrator.executionEndedRule)).toMatchObject({
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [STATE_MACHINE_ARN], status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      State: 'ENABLED',
      Targets: [
        {
          Id: 'Target0',
          Arn: { 'Fn::GetAtt': [logicalIdOf(orchestrator.executionStatusChangeFunction), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: deadLetters },
        },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(orchestrator.executionStatusChangeFunction), 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: ruleArn,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalIdOf(orchestrator.executionEventsDeadLetterQueue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } } }),
        ]),
      },
    });
    // What Lambda could not process after its own retries goes to the same queue.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(orchestrator.executionStatusChangeFunction) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: deadLetters } },
    });
  });

  it('runs the sweeper every five minutes, without retries: the next run covers a failed one', () => {
    expect(propertiesOf(template, orchestrator.sweepRule)).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': [logicalIdOf(orchestrator.sweeperFunction), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } }],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(orchestrator.sweeperFunction) },
      MaximumRetryAttempts: 0,
    });
  });

  it.each(FUNCTION_NAMES)("gives %s a role of its own holding exactly the function's permissions, each on its resource", (name) => {
    const fn = functionsByName()[name];
    const failureQueue = { 'trigger-build': orchestrator.triggerBuildFailureQueue, 'execution-status-change': orchestrator.executionEventsDeadLetterQueue }[
      name as string
    ];
    const expected = policyDocumentOf(name, {
      table: table.tableArn,
      'status-index': `${table.tableArn}/index/status-updated_at-index`,
      'table-stream': STREAM_ARN,
      'state-machine': STATE_MACHINE_ARN,
      executions: EXECUTIONS_ARN,
      'failure-queue': failureQueue?.queueArn ?? 'no queue',
      'log-group': fn.logGroup.logGroupArn,
    });
    const roleId = logicalIdOf(fn.role ?? fn);

    expect(propertiesOf(template, fn).Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(statementsOfRole(template, roleId)).toEqual(stack.resolve(expected.Statement));
    expect(resourcesOf(template)[roleId]?.Properties).not.toHaveProperty('ManagedPolicyArns');
    expect(resourcesOf(template)[roleId]?.Properties).not.toHaveProperty('Policies');
    // The policy exists before the function, so Lambda can check it when the event sources are created.
    expect(resourcesOf(template)[logicalIdOf(fn)]?.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/DefaultPolicy/)]));
  });

  it('grants no action with a wildcard, anywhere in the stack', () => {
    expect(everyIamAction(template).filter((action) => action.includes('*'))).toEqual([]);
  });

  it('alarms on errors of each function, on messages in either queue, on late stream records, on a stopped sweeper, on stuck builds and on the handlers\' trouble metrics, notifying the topic', () => {
    const alarms = Object.values(resourcesOf(template)).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');
    const summary = alarms.map(({ Properties: alarm }) => ({
      metric: `${String(alarm.Namespace)}/${String(alarm.MetricName)}`,
      statistic: alarm.Statistic,
      comparison: alarm.ComparisonOperator,
      threshold: alarm.Threshold,
      periods: alarm.EvaluationPeriods,
      missingData: alarm.TreatMissingData,
      actions: alarm.AlarmActions,
    }));
    const notify = [{ Ref: logicalIdOf(topic) }];
    const atLeastOne = { comparison: 'GreaterThanOrEqualToThreshold', threshold: 1, periods: 1, missingData: 'notBreaching', actions: notify };

    expect(summary).toEqual([
      ...FUNCTION_NAMES.map(() => ({ metric: 'AWS/Lambda/Errors', statistic: 'Sum', ...atLeastOne })),
      ...[1, 2].map(() => ({ metric: 'AWS/SQS/ApproximateNumberOfMessagesVisible', statistic: 'Maximum', ...atLeastOne })),
      // Records read two minutes or more after they were written.
      { metric: 'AWS/Lambda/IteratorAge', statistic: 'Maximum', ...atLeastOne, threshold: 120_000 },
      // No sweep for three sweeps: no data is the trouble here.
      { metric: 'AWS/Lambda/Invocations', statistic: 'Sum', ...atLeastOne, comparison: 'LessThanThreshold', missingData: 'breaching' },
      // Healthy deployments that run long are open, not stuck: the open-builds alarm is gone by default.
      { metric: 'AwsDeployerOrchestrator/StuckBuilds', statistic: 'Maximum', ...atLeastOne },
      { metric: 'AwsDeployerOrchestrator/BuildStartFailuresPermanent', statistic: 'Sum', ...atLeastOne },
      { metric: 'AwsDeployerOrchestrator/BuildStartFailuresTransient', statistic: 'Sum', ...atLeastOne, periods: 3 },
      { metric: 'AwsDeployerOrchestrator/BuildsStarted', statistic: 'Sum', ...atLeastOne },
      { metric: 'AwsDeployerOrchestrator/BuildsCompletedByReconciliation', statistic: 'Sum', ...atLeastOne },
    ]);
    expect(alarms.map(({ Properties: alarm }) => alarm.Period)).toEqual([300, 300, 300, 300, 300, 300, 300, 900, 300, 300, 300, 300, 300]);
    expect(alarms[FUNCTION_NAMES.length + 6]?.Properties.DatapointsToAlarm).toBe(3);
    expect(orchestrator.alarms).toHaveLength(alarms.length);
  });

  it('says in each alarm what it means and what to do, within CloudWatch\'s 1024 characters', () => {
    const descriptions = orchestrator.alarms.map((alarm) => String(propertiesOf(template, alarm).AlarmDescription));

    for (const description of descriptions) {
      expect(description.length).toBeLessThanOrEqual(1024);
      expect(description).toMatch(/What to do: /);
    }
    expect(new Set(descriptions).size).toBe(descriptions.length);
    expect(descriptions[FUNCTION_NAMES.length + 2]).toMatch(/read stream records 2 minutes or more after they were written \(IteratorAge/);
    expect(descriptions[FUNCTION_NAMES.length + 3]).toMatch(/The sweeper was not invoked for 15 minutes/);
    expect(descriptions[FUNCTION_NAMES.length + 4]).toMatch(/stuck open past the grace period.*Running deployments are never counted.*'Stuck build found by the sweeper'/s);
  });

  it('watches each function and queue by its own dimensions, and the handlers\' metrics by their service', () => {
    const dimensions = orchestrator.alarms.map((alarm) => propertiesOf(template, alarm).Dimensions);
    const fn = (name: FunctionName) => [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(functionsByName()[name]) } }];
    const queue = (construct: typeof orchestrator.triggerBuildFailureQueue) => [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(construct), 'QueueName'] } }];

    expect(dimensions).toEqual([
      ...FUNCTION_NAMES.map(fn),
      queue(orchestrator.triggerBuildFailureQueue),
      queue(orchestrator.executionEventsDeadLetterQueue),
      // trigger-build has one event source mapping: its IteratorAge by FunctionName is that mapping's.
      fn('trigger-build'),
      fn('sweeper'),
      [{ Name: 'service', Value: 'sweeper' }],
      [{ Name: 'service', Value: 'trigger-build' }],
      [{ Name: 'service', Value: 'trigger-build' }],
      [{ Name: 'service', Value: 'sweeper' }],
      [{ Name: 'service', Value: 'sweeper' }],
    ]);
  });

  it('ships a dashboard of the alarms, the functions, the queues and every build metric the handlers emit', () => {
    const dashboard = orchestrator.dashboard;
    if (dashboard === undefined) throw new Error('no dashboard');
    const widgets = dashboardBodyOf(propertiesOf(template, dashboard).DashboardBody).widgets;
    const titles = widgets.map((widget) => widget.properties.title);
    const metricsOf = (title: string) => widgets.find((widget) => widget.properties.title === title)?.properties.metrics ?? [];

    expect(titles).toEqual([
      'Alarms',
      'Invocations',
      'Errors',
      'Duration (maximum, ms)',
      'Throttles',
      'trigger-build IteratorAge (maximum, ms)',
      'Queue messages visible',
      'Queue age of oldest message (s)',
      'Builds started',
      'Start failures',
      'Builds completed',
      'Open builds and stale locks in a sweep (maximum)',
    ]);
    expect(widgets[0]?.properties.alarms).toHaveLength(orchestrator.alarms.length);
    for (const title of ['Invocations', 'Errors', 'Duration (maximum, ms)', 'Throttles']) expect(metricsOf(title)).toHaveLength(4);
    expect(metricsOf('Queue age of oldest message (s)').map((metric) => metric.slice(0, 2))).toEqual([
      ['AWS/SQS', 'ApproximateAgeOfOldestMessage'],
      ['AWS/SQS', 'ApproximateAgeOfOldestMessage'],
    ]);
    const buildMetrics = ['Builds started', 'Start failures', 'Builds completed', 'Open builds and stale locks in a sweep (maximum)'].flatMap((title) =>
      metricsOf(title).map((metric) => `${String(metric[1])}/${String(metric[3])}`),
    );
    expect(buildMetrics).toEqual([
      'BuildsStarted/trigger-build',
      'BuildsStarted/sweeper',
      'BuildStartFailuresPermanent/trigger-build',
      'BuildStartFailuresTransient/trigger-build',
      'BuildsCompletedByCallback/update-build-status',
      'BuildsCompletedByReconciliation/execution-status-change',
      'BuildsCompletedByReconciliation/sweeper',
      'OpenBuildsFound/sweeper',
      'StuckBuilds/sweeper',
      'UnreadableOpenItems/sweeper',
      'LocksReleased/sweeper',
    ]);
    for (const title of ['Builds started', 'Start failures', 'Builds completed', 'Open builds and stale locks in a sweep (maximum)']) {
      for (const metric of metricsOf(title)) expect(metric.slice(0, 1).concat(metric.slice(2, 3))).toEqual(['AwsDeployerOrchestrator', 'service']);
    }
  });

  it('never changes the imported table nor the state machine: it creates none, and no custom resource', () => {
    const types = new Set(Object.values(resourcesOf(template)).map((resource) => resource.Type));

    expect([...types].filter((type) => /^AWS::(DynamoDB|StepFunctions)::|^Custom::|^AWS::CloudFormation::CustomResource$/.test(type))).toEqual([]);
  });

  it('lets the state machine role be granted the invocation of update-build-status', () => {
    expect(statementsOfRole(template, logicalIdOf(stateMachineRole))).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [
          { 'Fn::GetAtt': [logicalIdOf(orchestrator.updateBuildStatusFunction), 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(orchestrator.updateBuildStatusFunction), 'Arn'] }, ':*']] },
        ],
      },
    ]);
  });
});
