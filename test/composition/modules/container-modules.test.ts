// The inversify modules a host loads into its own container: the services
// they bind, a port rebound before the first get, and a missing port named
// when a module is made or loaded, never at the first request.
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Container, ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import {
  MissingBindingError,
  Orchestrator,
  ReconcileExecutionService,
  RecordCompletionService,
  SweepOpenBuildsService,
  SystemClock,
  TOKENS,
  TriggerBuildService,
  ValidationError,
  orchestratorModule,
} from '../../../src/index.js';
import { DynamoDbBuildRepository, dynamoDbModule } from '../../../src/dynamodb.js';
import { SfnExecutionInspector, SfnExecutionStarter, sfnModule } from '../../../src/sfn.js';
import { InMemoryBuildRepository, InMemoryExecutionStarter, ManualClock, RecordingLogger, inMemoryModule } from '../../../src/testing.js';
import { STATE_MACHINE_ARN, aNewBuild } from '../../support/mothers/build.mother.js';

const S3_BUCKET = 'my-artifacts-bucket';

describe('a host container that loads the modules', () => {
  it('gets every service, one singleton under its class and its token', () => {
    const container = new Container();
    container.load(inMemoryModule(), orchestratorModule);
    const boundTwice = <Service>(service: abstract new (...args: never[]) => Service, token: symbol) => {
      expect(container.get<Service>(service as never)).toBeInstanceOf(service);
      expect(container.get<Service>(service as never)).toBe(container.get(token));
    };
    boundTwice(Orchestrator, TOKENS.Orchestrator);
    boundTwice(TriggerBuildService, TOKENS.TriggerBuildService);
    boundTwice(RecordCompletionService, TOKENS.RecordCompletionService);
    boundTwice(ReconcileExecutionService, TOKENS.ReconcileExecutionService);
    boundTwice(SweepOpenBuildsService, TOKENS.SweepOpenBuildsService);
  });

  it('starts a build with the clock a test rebound before the first get', async () => {
    const builds = new InMemoryBuildRepository();
    const container = new Container();
    container.load(inMemoryModule({ builds }), orchestratorModule);
    const rebound = new ManualClock(new Date('2031-03-04T05:06:07Z'));
    container.rebind(TOKENS.Clock).toConstantValue(rebound);

    const build = await builds.create(aNewBuild(), new Date('2031-03-04T05:00:00Z'));
    await container.get(TriggerBuildService).trigger(build, { s3Bucket: S3_BUCKET });

    const started = await builds.get(build);
    expect(started?.status).toBe('IN_PROGRESS');
    expect(started?.updatedAt).toEqual(rebound.now());
  });

  it('uses a repository a test rebound before the first get', () => {
    const container = new Container();
    container.load(inMemoryModule(), orchestratorModule);
    const mine = new InMemoryBuildRepository();
    container.rebind(TOKENS.BuildRepository).toConstantValue(mine);
    expect(container.get(TOKENS.BuildRepository)).toBe(mine);
    expect(container.get(RecordCompletionService)).toBeInstanceOf(RecordCompletionService);
  });

  it('defaults the clock to the system clock and keeps a logger it was given', () => {
    const logger = new RecordingLogger();
    const container = new Container();
    container.load(inMemoryModule({ logger }), orchestratorModule);
    expect(container.get(TOKENS.Clock)).toBeInstanceOf(SystemClock);
    expect(container.get(TOKENS.Logger)).toBe(logger);
  });

  it('binds the AWS adapters of dynamoDbModule and sfnModule', () => {
    const container = new Container();
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    const sfn = new SFNClient({ region: 'us-east-1' });
    container.load(dynamoDbModule({ client, tableName: 'prd-aws-deployer--builds' }), sfnModule({ client: sfn, stateMachineArn: STATE_MACHINE_ARN }), orchestratorModule);
    expect(container.get(TOKENS.BuildRepository)).toBeInstanceOf(DynamoDbBuildRepository);
    expect(container.get(TOKENS.ExecutionStarter)).toBeInstanceOf(SfnExecutionStarter);
    expect(container.get(TOKENS.ExecutionInspector)).toBeInstanceOf(SfnExecutionInspector);
    expect(container.get(SweepOpenBuildsService)).toBeInstanceOf(SweepOpenBuildsService);
  });

  it('leaves reconciliation out when no inspector is bound, as createContainer does', () => {
    const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
    const container = new Container();
    container.load(
      new ContainerModule(({ bind }) => {
        bind(TOKENS.BuildRepository).toConstantValue(new InMemoryBuildRepository());
        bind(TOKENS.ExecutionStarter).toConstantValue(starter);
      }),
      orchestratorModule,
    );
    expect(container.isBound(Orchestrator)).toBe(true);
    expect(container.isBound(ReconcileExecutionService)).toBe(false);
    expect(container.isBound(SweepOpenBuildsService)).toBe(false);
  });
});

describe('a missing or bad port fails when its module is made or loaded, naming it', () => {
  it('orchestratorModule: the repository', () => {
    const container = new Container();
    expect(() => container.load(orchestratorModule)).toThrow(MissingBindingError);
    expect(() => new Container().load(orchestratorModule)).toThrow(/orchestratorModule needs BuildRepository/);
  });

  it('orchestratorModule: the starter', () => {
    const container = new Container();
    container.bind(TOKENS.BuildRepository).toConstantValue(new InMemoryBuildRepository());
    let thrown: unknown;
    try {
      container.load(orchestratorModule);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MissingBindingError);
    expect(thrown).toMatchObject({ token: 'ExecutionStarter', code: 'MISSING_BINDING' });
  });

  it('dynamoDbModule: the table name', () => {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    expect(() => dynamoDbModule({ client, tableName: 'no' })).toThrow(expect.objectContaining({ field: 'tableName' }));
    expect(() => dynamoDbModule({ client, tableName: 'builds', statusIndexName: 'a b' })).toThrow(ValidationError);
  });

  it('sfnModule: the state machine', () => {
    expect(() => sfnModule({ client: new SFNClient({ region: 'us-east-1' }), stateMachineArn: 'deployment' })).toThrow(
      expect.objectContaining({ field: 'stateMachineArn' }),
    );
  });

  it('inMemoryModule: the state machine', () => {
    expect(() => inMemoryModule({ stateMachineArn: 'deployment' })).toThrow(expect.objectContaining({ field: 'stateMachineArn' }));
  });
});
