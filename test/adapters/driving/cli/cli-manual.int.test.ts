// The manual deployment commands as people run them (a child process), on
// DynamoDB Local, its idempotency table and the local Step Functions
// endpoint, which this process steers; a stand-in for STS answers who asks
// when the CLI is told where it is.
// (Exit codes of refusals are run in process, test/adapters/driving/cli/run-manual.test.ts.)
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbBuildRepository } from '../../../../src/dynamodb.js';
import { buildIdOf, executionName, parseBuildId, type Build } from '../../../../src/index.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../../dev/dynamodb-local/builds-table.js';
import { createIdempotencyTable } from '../../../../dev/dynamodb-local/idempotency-table.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../../../dev/local-sfn/local-sfn-server.js';
import { startLocalSts, type LocalSts } from '../../../support/local-sts.js';
import { aNewBuild, aSortKey, aUniqueScope } from '../../../support/mothers/build.mother.js';
import { eventually, jsonOf, runCli, spawnCli, type CliResult, type RunningCli } from './cli-process.js';

const dynamodbEndpoint = inject('dynamodbEndpoint');
const client = dynamoDbClientFor(dynamodbEndpoint);
const tableName = uniqueTableName('cli-manual');
const idempotencyTableName = uniqueTableName('cli-manual-idempotency');
const repository = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(client), tableName });

let sfn: LocalStepFunctions;
let sts: LocalSts;
let stateMachineArn: string;
const running: RunningCli[] = [];

/** Everything from flags but the bucket and the idempotency table, which come from the environment. */
function connection(): string[] {
  return ['--table', tableName, '--dynamodb-endpoint', dynamodbEndpoint, '--state-machine-arn', stateMachineArn, '--sfn-endpoint', sfn.endpoint];
}
const env = { ARTIFACT_BUCKET: 'my-artifacts', IDEMPOTENCY_TABLE_NAME: idempotencyTableName };
const cli = (...args: string[]) => runCli([...args, ...connection()], env);
const cliInBackground = (...args: string[]) => {
  const child = spawnCli([...args, ...connection()], env);
  running.push(child);
  return child;
};
const poll = ['--poll-seconds', '0.2', '--reconcile-after-seconds', '0'];

const executionArnOf = (build: { repo: string; env: string; sk: string }) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName(build)}`;
const errorOf = (result: CliResult) => (JSON.parse(result.stderr.trim().split('\n').at(-1) ?? '') as { error: Record<string, unknown> }).error;

/** A build of `environment` that deployed `version` (its execution closed SUCCEEDED). */
async function aDeployedBuild(environment: { repo: string; env: string }, version: string): Promise<Build> {
  const build = await repository.create(aNewBuild({ ...environment, sk: aSortKey(), version }));
  await repository.recordStart(build, executionArnOf(build), new Date());
  await repository.recordCompletion(build, { status: 'SUCCESS' }, new Date());
  return build;
}

/** The newest build of the environment whose key is not one of `known`, once there is one. */
const aNewBuildIn = (environment: { repo: string; env: string }, known: readonly string[]) =>
  eventually(async () => (await repository.listBuilds(environment.repo, environment.env, { limit: 5 })).builds.find((build) => !known.includes(build.sk)));

/** The item as stored: the attribute names Go reads. */
const itemOf = async (build: { repo: string; env: string; sk: string }) =>
  (await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: `${build.repo}/${build.env}` }, sk: { S: build.sk } } }))).Item;

/** Starts a PENDING build as trigger-build would (the CLI's start), then lets its execution end `SUCCEEDED`. */
async function deployByTheNormalPath(build: { repo: string; env: string; sk: string }): Promise<void> {
  expect(await cli('start', buildIdOf(build))).toMatchObject({ code: 0 });
  sfn.completeExecution(executionArnOf(build), { status: 'SUCCEEDED', output: '{}' });
}

beforeAll(async () => {
  sfn = await startLocalStepFunctions();
  sts = await startLocalSts('arn:aws:sts::123456789012:assumed-role/Deployers/alice');
  stateMachineArn = sfn.createStateMachine('deployment');
  await Promise.all([createBuildsTable(client, tableName), createIdempotencyTable(client, idempotencyTableName)]);
});

afterAll(async () => {
  for (const child of running) child.kill();
  await sfn.close();
  await sts.close();
  await deleteTable(client, idempotencyTableName);
  await deleteTable(client, tableName);
  client.destroy();
});

describe('aws-deployer-orchestrator redeploy', () => {
  it('records a PENDING redeploy requested by "local" (a table not on AWS); a retry with its key replays it; it deploys the normal way', async () => {
    const scope = aUniqueScope();
    const source = await aDeployedBuild(scope, '2.0.0');

    const first = await cli('redeploy', buildIdOf(source), '--idempotency-key', `ci-${source.sk}`, '--json');
    expect(first.code).toBe(0);
    const recorded = jsonOf<{ buildId: string; build: Record<string, unknown> }>(first);
    expect(recorded).toMatchObject({
      outcome: 'created',
      created: true,
      replayed: false,
      requestedBy: 'local',
      redeployOf: buildIdOf(source),
      build: { status: 'PENDING', kind: 'redeploy', redeployOf: buildIdOf(source), requestedBy: 'local', version: '2.0.0' },
    });
    const created = parseBuildId(recorded.buildId);
    expect(await itemOf(created)).toMatchObject({
      status: { S: 'PENDING' },
      kind: { S: 'redeploy' },
      redeploy_of: { S: buildIdOf(source) },
      requested_by: { S: 'local' },
    });
    // Nothing started it: one path starts builds.
    expect(sfn.executions.some((execution) => execution.executionArn === executionArnOf(created))).toBe(false);

    const retry = await cli('redeploy', buildIdOf(source), '--idempotency-key', `ci-${source.sk}`, '--json');
    expect(jsonOf(retry)).toMatchObject({ buildId: recorded.buildId, replayed: true });
    expect((await repository.listBuilds(scope.repo, scope.env, { limit: 10 })).builds).toHaveLength(2);

    await deployByTheNormalPath(created);
    const waited = await cli('wait', recorded.buildId, ...poll);
    expect(waited).toMatchObject({ code: 0, stdout: expect.stringContaining(`${recorded.buildId} ended SUCCESS`) });
  });

  it('--wait follows the new build from PENDING, through the start trigger-build would make, to SUCCESS', async () => {
    const scope = aUniqueScope();
    const source = await aDeployedBuild(scope, '3.1.0');

    const following = cliInBackground('redeploy', buildIdOf(source), '--wait', ...poll, '--json');
    const created = await aNewBuildIn(scope, [source.sk]);
    await deployByTheNormalPath(created);
    const result = await following.result;

    expect(result.code).toBe(0);
    expect(jsonOf(result)).toMatchObject({ buildId: buildIdOf(created), outcome: 'created', result: 'SUCCESS', build: { status: 'SUCCESS', kind: 'redeploy' } });
    expect(result.stderr).toContain('"event":"created"');
  });
});

describe('aws-deployer-orchestrator rollback', () => {
  it('rolls back to the previous version past the waiting build, which ends FAILED superseded; the rollback deploys and ends SUCCESS', async () => {
    const scope = aUniqueScope();
    const previous = await aDeployedBuild(scope, '1.0.0');
    await aDeployedBuild(scope, '1.1.0');
    const waiting = await repository.create(aNewBuild({ ...scope, sk: aSortKey(), version: '1.2.0' }));

    const rolled = await cli('rollback', scope.repo, scope.env, '--json');
    expect(rolled.code).toBe(0);
    const { buildId } = jsonOf<{ buildId: string }>(rolled);
    expect(jsonOf(rolled)).toMatchObject({ redeployOf: buildIdOf(previous), requestedBy: 'local', build: { kind: 'rollback', version: '1.0.0', status: 'PENDING' } });
    await expect(repository.get(waiting)).resolves.toMatchObject({ status: 'FAILED', supersededBy: buildId });

    const following = cliInBackground('wait', buildId, ...poll);
    await deployByTheNormalPath(parseBuildId(buildId));
    expect(await following.result).toMatchObject({ code: 0, stdout: expect.stringContaining(`${buildId} ended SUCCESS`) });
  });
});

describe('aws-deployer-orchestrator cancel', () => {
  it('cancels a waiting build; refuses a deploying one without --force; --force stops its execution and keeps the lock for unlock', async () => {
    const scope = aUniqueScope();
    const deploying = await repository.create(aNewBuild({ ...scope, sk: aSortKey() }));
    const waiting = await repository.create(aNewBuild({ ...scope, sk: aSortKey() }));
    expect(await cli('start', buildIdOf(deploying))).toMatchObject({ code: 0 });

    const [cancelled, refused] = await Promise.all([cli('cancel', buildIdOf(waiting)), cli('cancel', buildIdOf(deploying), '--json')]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `Cancelled ${buildIdOf(waiting)}: it is now FAILED ("cancelled by local") and never starts.\n` });
    await expect(repository.get(waiting)).resolves.toMatchObject({ status: 'FAILED', cancelledBy: 'local', errorMsg: 'cancelled by local' });
    expect(refused.code).toBe(1);
    expect(errorOf(refused)).toMatchObject({ code: 'ILLEGAL_TRANSITION', status: 'IN_PROGRESS' });

    const forced = await cli('cancel', buildIdOf(deploying), '--force', '--wait', ...poll, '--json');
    expect(forced.code).toBe(0);
    expect(jsonOf(forced)).toMatchObject({ environmentLocked: true, result: 'FAILED', build: { status: 'FAILED', cancelledBy: 'local' }, execution: { status: 'ABORTED' } });
    expect(sfn.executions.find((execution) => execution.executionArn === executionArnOf(deploying))).toMatchObject({
      status: 'ABORTED',
      error: 'Cancelled',
      cause: 'cancelled by local',
    });
    await expect(repository.getEnvironmentLock(scope.repo, scope.env)).resolves.toMatchObject({ holder: deploying.sk });

    // Once the stack has settled, a person releases the lock; without --by, the caller is named.
    const unlocked = await cli('unlock', scope.repo, scope.env);
    expect(unlocked).toMatchObject({ code: 0, stdout: expect.stringContaining('Released by local') });
    await expect(repository.getEnvironmentLock(scope.repo, scope.env)).resolves.toBeUndefined();
  });
});

describe('aws-deployer-orchestrator redrive', () => {
  it('runs a timed-out execution again from where it stopped; --wait follows it to SUCCESS', async () => {
    const build = await repository.create(aNewBuild({ ...aUniqueScope(), sk: aSortKey() }));
    expect(await cli('start', buildIdOf(build))).toMatchObject({ code: 0 });
    sfn.completeExecution(executionArnOf(build), { status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(await cli('wait', buildIdOf(build), ...poll)).toMatchObject({ code: 1 });

    const following = cliInBackground('redrive', buildIdOf(build), '--wait', ...poll);
    await eventually(async () => {
      const execution = sfn.executions.find((candidate) => candidate.executionArn === executionArnOf(build));
      return execution?.status === 'RUNNING' && (execution.redriveCount ?? 0) > 0 ? execution : undefined;
    });
    await expect(repository.get(build)).resolves.toMatchObject({ status: 'FAILED', redrivenBy: 'local' });
    sfn.completeExecution(executionArnOf(build), { status: 'SUCCEEDED', output: '{}' });

    expect(await following.result).toMatchObject({ code: 0, stdout: expect.stringContaining(`${buildIdOf(build)} ended SUCCESS (redriven)`) });
    await expect(repository.get(build)).resolves.toMatchObject({ status: 'SUCCESS' });
  });
});

describe('who asks', () => {
  it('with AWS_ENDPOINT_URL_STS, the CLI asks that STS and records its ARN; when STS refuses, exit 4 and nothing is written', async () => {
    const scope = aUniqueScope();
    const source = await aDeployedBuild(scope, '4.0.0');
    const withSts = { ...env, AWS_ENDPOINT_URL_STS: sts.endpoint };
    const calls = sts.calls();

    const named = await runCli(['redeploy', buildIdOf(source), '--json', ...connection()], withSts);
    expect(named.code).toBe(0);
    expect(jsonOf(named)).toMatchObject({ requestedBy: 'arn:aws:sts::123456789012:assumed-role/Deployers/alice' });
    expect(sts.calls()).toBe(calls + 1);

    sts.failWith('ExpiredToken', 'The security token included in the request is expired');
    try {
      const refused = await runCli(['redeploy', buildIdOf(source), ...connection()], withSts);
      expect(refused.code).toBe(4);
      expect(refused.stderr).toContain(
        'aws-deployer-orchestrator: Could not tell who is asking (sts:GetCallerIdentity, recorded as requested_by): AWS did not accept the credentials (ExpiredToken: ',
      );
    } finally {
      sts.answerWith('arn:aws:sts::123456789012:assumed-role/Deployers/alice');
    }
    expect((await repository.listBuilds(scope.repo, scope.env, { limit: 10 })).builds).toHaveLength(2);
  });
});
