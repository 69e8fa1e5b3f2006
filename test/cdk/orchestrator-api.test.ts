// What BuildOrchestrator's `api` declares: an HTTP API with AWS_IAM on every
// route, throttled, its access logs naming each caller, no CORS; the http-api
// function with its own least-privilege role; an idempotency table of its own.
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_API_ROUTES, routeKeyOf } from '../../src/adapters/driving/lambda/http-api/http-api-routes.js';
import { LAMBDA_PERMISSIONS, policyDocumentOf } from '../../src/adapters/driving/lambda/permissions.js';
import { IDEMPOTENCY_HOLD_SECONDS as APP_HOLD_SECONDS } from '../../src/app/manual/idempotent-requests.js';
import { readHttpApiEnvironment } from '../../src/composition/lambda/environment.js';
import { BuildOrchestrator, type BuildOrchestratorProps } from '../../src/cdk/index.js';
import { IDEMPOTENCY_HOLD_SECONDS } from '../../src/cdk/handler-facts.js';
import { someBundleDirectories, type BundleDirectories } from './support/bundle-directories.js';
import {
  anAppInATemporaryDirectory,
  logicalIdOf,
  propertiesOf,
  resourcesOf,
  routesWithoutIamAuthorization,
  statementsOfRole,
  type TemplateResource,
} from './support/template-reading.js';

const TABLE_NAME = 'prd-aws-deployer--builds';
const STREAM_ARN = `arn:aws:dynamodb:us-east-1:123456789012:table/${TABLE_NAME}/stream/2026-01-01T00:00:00.000`;
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:prd-deployment';
const EXECUTIONS_ARN = 'arn:aws:states:us-east-1:123456789012:execution:prd-deployment:*';

let bundles: BundleDirectories;
const apps: Array<ReturnType<typeof anAppInATemporaryDirectory>> = [];

/** A BuildOrchestrator on an imported table and state machine, in an app of its own (each is synthesized), with `props`. */
function anOrchestrator(props: Partial<BuildOrchestratorProps>): { orchestrator: BuildOrchestrator; template: Template; stack: Stack; tableArn: string } {
  const app = anAppInATemporaryDirectory();
  apps.push(app);
  const stack = new Stack(app.app, 'Deployer', { env: { account: '123456789012', region: 'us-east-1' } });
  const table = Table.fromTableAttributes(stack, 'Builds', { tableName: TABLE_NAME, tableStreamArn: STREAM_ARN });
  const orchestrator = new BuildOrchestrator(stack, 'Orchestrator', {
    table,
    stateMachine: StateMachine.fromStateMachineArn(stack, 'Deployment', STATE_MACHINE_ARN),
    artifactsBucket: Bucket.fromBucketName(stack, 'Artifacts', 'prd-aws-deployer-artifacts'),
    alarmTopic: new Topic(stack, 'OnCall'),
    startBuilds: true,
    bundlesDirectory: bundles.path,
    ...props,
  });
  return { orchestrator, template: Template.fromStack(stack), stack, tableArn: table.tableArn };
}

let withApi: ReturnType<typeof anOrchestrator>;
let template: Template;
let orchestrator: BuildOrchestrator;
let httpApi: LambdaFunction;

beforeAll(() => {
  bundles = someBundleDirectories();
  withApi = anOrchestrator({ api: true });
  ({ template, orchestrator } = withApi);
  if (orchestrator.httpApiFunction === undefined) throw new Error('no http-api function');
  httpApi = orchestrator.httpApiFunction;
}, 60_000);

afterAll(() => {
  for (const app of apps) app.remove();
  bundles.remove();
});

const ofType = (type: string) => Object.entries(resourcesOf(template)).filter(([, resource]) => resource.Type === type);
const routes = () => ofType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties);
const variables = (fn: LambdaFunction) => (propertiesOf(template, fn).Environment as { Variables: Record<string, unknown> }).Variables;

// Each synthesis takes a second or two, more beside other test files on two cores.
describe('BuildOrchestrator with api', { timeout: 30_000 }, () => {
  it("routes every route of the handler, and a $default route for any other request, to the http-api function's integration", () => {
    const [[integrationId, integration] = ['', undefined]] = ofType('AWS::ApiGatewayV2::Integration');

    expect(routes().map((route) => route.RouteKey).sort()).toEqual([...HTTP_API_ROUTES.map(routeKeyOf), '$default'].sort());
    for (const route of routes()) expect(route.Target).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] });
    expect(ofType('AWS::ApiGatewayV2::Integration')).toHaveLength(1);
    expect(integration?.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [logicalIdOf(httpApi), 'Arn'] },
      PayloadFormatVersion: '2.0',
      TimeoutInMillis: 29_000,
    });
  });

  it('authorizes every route with AWS_IAM', () => {
    expect(routes()).toHaveLength(HTTP_API_ROUTES.length + 1);
    expect(routesWithoutIamAuthorization(template.toJSON())).toEqual([]);
    // AWS_IAM needs no authorizer resource, and no other kind of authorizer exists.
    expect(ofType('AWS::ApiGatewayV2::Authorizer')).toEqual([]);
  });

  it('would name a route that lacks AWS_IAM: the check above fails on a template with one', () => {
    const json = template.toJSON() as { Resources: Record<string, TemplateResource> };
    const mutated = structuredClone(json);
    const routeIds = Object.keys(mutated.Resources).filter((id) => mutated.Resources[id]?.Type === 'AWS::ApiGatewayV2::Route');
    const [first, second] = routeIds.map((id) => mutated.Resources[id]?.Properties as Record<string, unknown>);
    delete first!.AuthorizationType;
    second!.AuthorizationType = 'NONE';

    expect(routesWithoutIamAuthorization(mutated).sort()).toEqual([String(first!.RouteKey), String(second!.RouteKey)].sort());
    expect(routesWithoutIamAuthorization(json)).toEqual([]);
  });

  it('serves one $default stage, deployed automatically and throttled by default (10 requests a second, bursts of 20)', () => {
    const [[, stage] = ['', undefined]] = ofType('AWS::ApiGatewayV2::Stage');

    expect(ofType('AWS::ApiGatewayV2::Stage')).toHaveLength(1);
    expect(stage?.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
  });

  it("writes the stage's access logs as JSON lines naming the caller's ARN, to a log group kept a year", () => {
    const [[, stage] = ['', undefined]] = ofType('AWS::ApiGatewayV2::Stage');
    const settings = stage?.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    const logGroup = orchestrator.apiAccessLogs;
    if (logGroup === undefined) throw new Error('no access logs');

    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [logicalIdOf(logGroup), 'Arn'] });
    expect(JSON.parse(settings.Format)).toMatchObject({
      requestId: '$context.requestId',
      requestTime: '$context.requestTime',
      callerArn: '$context.identity.userArn',
      caller: '$context.identity.caller',
      sourceIp: '$context.identity.sourceIp',
      routeKey: '$context.routeKey',
      status: '$context.status',
    });
    expect(settings.Format).not.toContain('\n');
    expect(propertiesOf(template, logGroup)).toEqual({ RetentionInDays: 365 });
  });

  it('allows no CORS: no CORS configuration, no OPTIONS route', () => {
    const [[, api] = ['', undefined]] = ofType('AWS::ApiGatewayV2::Api');

    expect(api?.Properties).toMatchObject({ ProtocolType: 'HTTP' });
    expect(api?.Properties).not.toHaveProperty('CorsConfiguration');
    expect(routes().filter((route) => String(route.RouteKey).startsWith('OPTIONS '))).toEqual([]);
  });

  it('lets API Gateway invoke the function from this API only', () => {
    const permissions = ofType('AWS::Lambda::Permission')
      .map(([, permission]) => permission.Properties)
      .filter((permission) => permission.Principal === 'apigateway.amazonaws.com');

    expect(permissions).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [logicalIdOf(httpApi), 'Arn'] },
        SourceArn: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:us-east-1:123456789012:', { Ref: logicalIdOf(orchestrator.api!) }, '/*/*/*']],
        },
      }),
    ]);
  });

  it('creates an idempotency table of its own: key id, on demand, TTL on expiration, point-in-time recovery, kept on delete', () => {
    const table = orchestrator.idempotencyTable;
    if (table === undefined) throw new Error('no idempotency table');
    const resource = resourcesOf(template)[logicalIdOf(table)];

    expect(resource?.Properties).toEqual({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(resource?.DeletionPolicy).toBe('Retain');
  });

  it('creates the http-api function from its bundle and tells it the tables and the state machine', () => {
    expect(propertiesOf(template, httpApi)).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Description: 'http-api (@aws-deployer/orchestrator)',
      Timeout: 25,
    });
    const env = variables(httpApi);
    expect(env.IDEMPOTENCY_TABLE_NAME).toEqual({ Ref: logicalIdOf(orchestrator.idempotencyTable!) });
    expect(readHttpApiEnvironment({ ...(env as Record<string, string>), IDEMPOTENCY_TABLE_NAME: 'prd-aws-deployer--idempotency' })).toEqual({
      tableName: TABLE_NAME,
      stateMachineArn: STATE_MACHINE_ARN,
      statusIndexName: undefined,
      idempotencyTableName: 'prd-aws-deployer--idempotency',
    });
    expect(env.DEPLOYMENT_CONCURRENCY).toBe('queue');
  });

  it("keeps the function's timeout under the idempotency key's hold, which is the app's", () => {
    expect(IDEMPOTENCY_HOLD_SECONDS).toBe(APP_HOLD_SECONDS);
    expect(propertiesOf(template, httpApi).Timeout).toBeLessThan(IDEMPOTENCY_HOLD_SECONDS);
  });

  it('gives the function a role of its own holding exactly its permissions, and no states:StartExecution', () => {
    const roleId = logicalIdOf(httpApi.role ?? httpApi);
    const expected = policyDocumentOf('http-api', {
      table: withApi.tableArn,
      executions: EXECUTIONS_ARN,
      'idempotency-table': orchestrator.idempotencyTable!.tableArn,
      'log-group': httpApi.logGroup.logGroupArn,
    });
    const statements = statementsOfRole(template, roleId);
    const actions = statements.flatMap((statement) => [statement.Action].flat());

    expect(statements).toEqual(withApi.stack.resolve(expected.Statement));
    expect(actions).not.toContain('states:StartExecution');
    expect(actions.filter((action) => action.startsWith('states:')).sort()).toEqual(['states:DescribeExecution', 'states:RedriveExecution', 'states:StopExecution']);
    expect(LAMBDA_PERMISSIONS['http-api'].flatMap((permission) => permission.actions)).not.toContain('states:StartExecution');
  });

  it('exposes the API, its URL, the function, the access logs and the idempotency table', () => {
    expect(withApi.stack.resolve(orchestrator.apiUrl)).toEqual({
      'Fn::Join': ['', ['https://', { Ref: logicalIdOf(orchestrator.api!) }, '.execute-api.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/']],
    });
    expect(orchestrator.api?.node.defaultChild).toBeDefined();
  });

  it('alarms on errors of the http-api function and shows it on the dashboard', () => {
    const alarms = orchestrator.alarms.map((alarm) => propertiesOf(template, alarm));
    const onHttpApi = alarms.filter((alarm) => JSON.stringify(alarm.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: { Ref: logicalIdOf(httpApi) } }]));

    expect(onHttpApi.map((alarm) => alarm.MetricName)).toEqual(['Errors']);
    expect(String(onHttpApi[0]?.AlarmDescription)).toMatch(/What to do: /);
    expect(JSON.stringify(propertiesOf(template, orchestrator.dashboard!).DashboardBody)).toContain(logicalIdOf(httpApi));
  });

  it('takes throttling, access log retention and the removal policy of the idempotency table as props', () => {
    const custom = anOrchestrator({
      api: {
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
        accessLogRetention: RetentionDays.TWO_YEARS,
        idempotencyTableRemovalPolicy: RemovalPolicy.DESTROY,
      },
      functionNames: { 'http-api': 'prd-aws-deployer-ts-http-api' },
    });
    const resources = Object.values(resourcesOf(custom.template));

    expect(resources.find((resource) => resource.Type === 'AWS::ApiGatewayV2::Stage')?.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
    expect(propertiesOf(custom.template, custom.orchestrator.apiAccessLogs!)).toEqual({ RetentionInDays: 731 });
    expect(resourcesOf(custom.template)[logicalIdOf(custom.orchestrator.idempotencyTable!)]?.DeletionPolicy).toBe('Delete');
    expect(propertiesOf(custom.template, custom.orchestrator.httpApiFunction!).FunctionName).toBe('prd-aws-deployer-ts-http-api');
  });

  it('creates none of it without api', () => {
    const { orchestrator: without, template: plain } = anOrchestrator({ api: false });
    const types = new Set(Object.values(resourcesOf(plain)).map((resource) => resource.Type));

    expect([...types].filter((type) => type.startsWith('AWS::ApiGatewayV2::') || type === 'AWS::DynamoDB::Table')).toEqual([]);
    expect([without.api, without.apiUrl, without.httpApiFunction, without.apiAccessLogs, without.idempotencyTable]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(Object.values(resourcesOf(plain)).filter((resource) => resource.Type === 'AWS::Lambda::Function')).toHaveLength(4);
  });
});
