// What happens when the Go server's GraphQL `redeploy` mutation is left on
// after the switch (docs/deploy.md says to turn it off). The mutation, as
// internal/gql/mutation_redeploy.go does it: it creates a new build record
// (builddao.Create: a Put of the Go item), then calls StartExecution itself
// with the execution name `{repo}-{env}-{sk}` and its own S3 bucket, then
// writes IN_PROGRESS and the ARN (builddao.StartExecution), or, on a start
// error, FAILED with the error (builddao.UpdateStatus): both unconditional
// TransactWriteItems with the latest pointer. Meanwhile the new item's INSERT
// reaches this module's trigger-build. Each test replays those calls on
// DynamoDB Local and the local Step Functions endpoint and shows one harm.
import { PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { buildIdOf, type BuildKey } from '../../src/index.js';
import { aStreamEvent, anInsertOf } from '../support/mothers/dynamodb-stream-event.mother.js';
import { aNewBuild, aSortKey, aUniqueScope } from '../support/mothers/build.mother.js';
import { aGoBuildItem } from '../support/mothers/go-item.mother.js';
import { S3_BUCKET, useLocalDeployment } from './local-deployment.js';

const local = useLocalDeployment('go-redeploy');

/** The Go mutation's writes after its StartExecution call, as builddao writes them: unconditional. */
async function goRecordsStart(build: BuildKey, executionArn: string): Promise<void> {
  await goTransact(build, { ':status': { S: 'IN_PROGRESS' }, ':arn': { S: executionArn } }, 'SET #status = :status, execution_arn = :arn, updated_at = :now');
}

async function goRecordsStartError(build: BuildKey, error: string): Promise<void> {
  await goTransact(
    build,
    { ':status': { S: 'FAILED' }, ':error': { S: `Failed to start step function: ${error}` } },
    'SET #status = :status, updated_at = :now, finished_at = :now, error_msg = :error',
  );
}

async function goTransact(build: BuildKey, values: Record<string, { S: string }>, update: string): Promise<void> {
  const now = { N: String(Math.floor(Date.now() / 1000)) };
  await local.dynamoDb.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        {
          Update: {
            TableName: local.tableName,
            Key: { pk: { S: `${build.repo}/${build.env}` }, sk: { S: build.sk } },
            UpdateExpression: update,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ...values, ':now': now },
          },
        },
        {
          Put: {
            TableName: local.tableName,
            Item: {
              pk: { S: `latest/${build.env}` },
              sk: { S: `${build.repo}/${build.env}` },
              id: { S: buildIdOf(build) },
              repo: { S: build.repo },
              env: { S: build.env },
              status: values[':status']!,
              updated_at: now,
            },
          },
        },
      ],
    }),
  );
}

/** The Go mutation's StartExecution: its own name and input (its S3 bucket from its own configuration). */
async function goStartsExecution(build: BuildKey & { branch: string; version: string; commitHash: string }, goS3Bucket: string): Promise<string> {
  const input = {
    repo: build.repo,
    env: build.env,
    branch: build.branch,
    version: build.version,
    sk: build.sk,
    commit_hash: build.commitHash,
    s3_bucket: goS3Bucket,
    s3_key: `${build.repo}/${build.branch}/${build.version}`,
  };
  const { executionArn } = await local.sfnClient.send(
    new StartExecutionCommand({ stateMachineArn: local.stateMachineArn, name: `${build.repo}-${build.env}-${build.sk}`, input: JSON.stringify(input) }),
  );
  return executionArn!;
}

/** The Go mutation's new build record (builddao.Create), a copy of the source's fields under a new KSUID. */
async function goCreatesRedeploy(scope: { repo: string; env: string }): Promise<BuildKey & { branch: string; version: string; commitHash: string }> {
  const build = { ...scope, sk: aSortKey(), branch: 'main', version: '7.abc123', commitHash: 'abc123' };
  await local.dynamoDb.send(
    new PutItemCommand({ TableName: local.tableName, Item: aGoBuildItem({ ...scope, sk: build.sk, buildNumber: '7', commitHash: 'abc123', createdAt: Math.floor(Date.now() / 1000) }) }),
  );
  return build;
}

describe("Go's redeploy mutation left on after the switch", () => {
  it('starts its build while another build of the environment deploys: two deployments race on one stack (the lock is ignored)', async () => {
    const deployer = local.aDeployer();
    const scope = aUniqueScope();
    const holder = aNewBuild({ ...scope, sk: aSortKey() });
    await deployer.buildRepository.create(holder);
    await deployer.triggerBuild(aStreamEvent(anInsertOf(holder)));
    expect(await local.statusOf(holder)).toBe('IN_PROGRESS');

    const redeploy = await goCreatesRedeploy(scope);
    const executionArn = await goStartsExecution(redeploy, S3_BUCKET);
    await goRecordsStart(redeploy, executionArn);
    // The mutation's INSERT reaches trigger-build last: the build is no longer PENDING, nothing to do.
    await deployer.triggerBuild(aStreamEvent(...(await local.insertsOf(redeploy))));

    const running = local.sfn.executions.filter((execution) => execution.status === 'RUNNING');
    expect(running.map((execution) => execution.name).sort()).toEqual([`${holder.repo}-${holder.env}-${holder.sk}`, `${redeploy.repo}-${redeploy.env}-${redeploy.sk}`].sort());
    expect(await local.statusOf(redeploy)).toBe('IN_PROGRESS');
  });

  it('writes FAILED over a build this module deployed, when its start comes after the end (ExecutionAlreadyExists)', async () => {
    const deployer = local.aDeployer();
    const redeploy = await goCreatesRedeploy(aUniqueScope());
    // The stream is quicker than the mutation: trigger-build starts the build, and it deploys.
    await deployer.triggerBuild(aStreamEvent(...(await local.insertsOf(redeploy))));
    const executionArn = local.executionArnOf(redeploy);
    local.sfn.completeExecution(executionArn, { status: 'SUCCEEDED' });
    await deployer.updateBuildStatus({ repo: redeploy.repo, env: redeploy.env, sk: redeploy.sk, status: 'SUCCESS', execution_arn: executionArn });
    expect(await local.statusOf(redeploy)).toBe('SUCCESS');

    // Step Functions keeps a closed execution's name: the mutation's start is refused, and it writes FAILED.
    const refused = await goStartsExecution(redeploy, S3_BUCKET).catch((error: Error) => error.name);
    expect(refused).toBe('ExecutionAlreadyExists');
    await goRecordsStartError(redeploy, refused);

    expect(await local.statusOf(redeploy)).toBe('FAILED');
    expect(await local.streamChangesOf(redeploy)).toContain('SUCCESS -> FAILED');
  });

  it('writes FAILED over a build this module deploys when its own S3 bucket differs (ExecutionAlreadyExists)', async () => {
    const deployer = local.aDeployer();
    const redeploy = await goCreatesRedeploy(aUniqueScope());
    await deployer.triggerBuild(aStreamEvent(...(await local.insertsOf(redeploy))));
    expect(await local.statusOf(redeploy)).toBe('IN_PROGRESS');

    const refused = await goStartsExecution(redeploy, 'another-artifacts-bucket').catch((error: Error) => error.name);
    expect(refused).toBe('ExecutionAlreadyExists');
    await goRecordsStartError(redeploy, 'ExecutionAlreadyExists');

    expect(await local.statusOf(redeploy)).toBe('FAILED');
    expect(local.sfn.executions.find((execution) => execution.executionArn === local.executionArnOf(redeploy))?.status).toBe('RUNNING');
  });
});
