// The manual deployment commands as people run them (a child process), on
// DynamoDB Local, its idempotency table and the local Step Functions
// endpoint, which this process steers; a stand-in for STS answers who asks
// when the CLI is told where it is.
// What the commands decide (rollback, redrive, --wait, every refusal and exit code) runs in process, in
// test/adapters/driving/cli/run-manual.test.ts, and over HTTP on the real adapters in
// test/reliability/manual-deployments.int.test.ts; here, what only a child process shows.
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
import { jsonOf, runCli, type CliResult } from './cli-process.js';

const dynamodbEndpoint = inject('dynamodbEndpoint');
const client = dynamoDbClientFor(dynamodbEndpoint);
const tableName = uniqueTableName('cli-manual');
const idempotencyTableName = uniqueTableName('cli-manual-idempotency');
const repository = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(client), tableName });

let sfn: LocalStepFunctions;
let sts: LocalSts;
let stateMachineArn: string;

/** Everything from flags but the bucket and the idempotency table, which come from the environment. */
function connection(): string[] {
  return ['--table', tableName, '--dynamodb-endpoint', dynamodbEndpoint, '--state-machine-arn', stateMachineArn, '--sfn-endpoint', sfn.endpoint];
}
const env = { ARTIFACT_BUCKET: 'my-artifacts', IDEMPOTENCY_TABLE_NAME: idempotencyTableName };
const cli = (...args: string[]) => runCli([...args, ...connection()], env);
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
