// The CLI's Step Functions commands as people run them (a child process), on
// DynamoDB Local and the local Step Functions endpoint, which this process
// steers (completes executions, injects faults) while the CLI runs.
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbBuildRepository } from '../../../../src/dynamodb.js';
import { buildIdOf, executionName, type Build } from '../../../../src/index.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../../dev/dynamodb-local/builds-table.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../../../dev/local-sfn/local-sfn-server.js';
import { aNewBuild, aSortKey, aUniqueScope } from '../../../support/mothers/build.mother.js';
import { eventually, jsonOf, runCli, spawnCli, type RunningCli } from './cli-process.js';

const dynamodbEndpoint = inject('dynamodbEndpoint');
const client = dynamoDbClientFor(dynamodbEndpoint);
const tableName = uniqueTableName('cli-start');
const repository = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(client), tableName });
const scope = aUniqueScope();

let sfn: LocalStepFunctions;
let stateMachineArn: string;
const running: RunningCli[] = [];

/** Table and state machine from flags, the bucket from the environment. */
function connection(): string[] {
  return [
    '--table', tableName,
    '--dynamodb-endpoint', dynamodbEndpoint,
    '--state-machine-arn', stateMachineArn,
    '--sfn-endpoint', sfn.endpoint,
  ];
}
const env = { ARTIFACT_BUCKET: 'my-artifacts' };
const cli = (...args: string[]) => runCli([...args, ...connection()], env);
const cliInBackground = (...args: string[]) => {
  const child = spawnCli([...args, ...connection()], env);
  running.push(child);
  return child;
};

// Each in an environment of its own: under queue (the default) a build waits while another of its environment deploys.
const aPendingBuild = (version = '1.2.3') => repository.create(aNewBuild({ ...aUniqueScope(), sk: aSortKey(), version }));
const executionArnOf = (build: Build) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName(build)}`;
const inProgress = (build: Build) =>
  eventually(async () => {
    const current = await repository.get(build);
    return current?.status === 'IN_PROGRESS' ? current : undefined;
  });

beforeAll(async () => {
  sfn = await startLocalStepFunctions();
  stateMachineArn = sfn.createStateMachine('deployment');
  await createBuildsTable(client, tableName);
});

afterAll(async () => {
  for (const child of running) child.kill();
  await sfn.close();
  await deleteTable(client, tableName);
  client.destroy();
});

describe('aws-deployer-orchestrator start / reconcile', () => {
  it('start: starts a PENDING build once; a repeat reports the same execution', async () => {
    const build = await aPendingBuild();
    const started = await cli('start', buildIdOf(build), '--json');

    expect(started.code).toBe(0);
    expect(jsonOf(started)).toEqual({ buildId: buildIdOf(build), outcome: 'started', executionArn: executionArnOf(build) });
    const execution = sfn.executions.find((candidate) => candidate.executionArn === executionArnOf(build));
    expect(JSON.parse(execution?.input ?? '{}')).toMatchObject({ sk: build.sk, s3_bucket: 'my-artifacts', s3_key: `${build.repo}/main/1.2.3` });
    await expect(repository.get(build)).resolves.toMatchObject({ status: 'IN_PROGRESS', executionArn: executionArnOf(build) });

    const again = await cli('start', buildIdOf(build), '--s3-bucket', 'my-artifacts');
    expect(again).toMatchObject({ code: 0, stdout: `Already running: ${buildIdOf(build)}\nExecution: ${executionArnOf(build)}\n` });
    expect(sfn.executions.filter((candidate) => candidate.executionArn === executionArnOf(build))).toHaveLength(1);
  });

  it('start: fails with exit 1 for a missing, finished or unstartable build; exit 2 without a bucket', async () => {
    const finished = await aPendingBuild();
    await repository.recordCompletion(finished, { status: 'SUCCESS' }, new Date());
    const unstartable = await aPendingBuild();
    const missingId = `${scope.repo}/${scope.env}:${aSortKey()}`;

    const [missing, done, noBucket, noStateMachine] = await Promise.all([
      cli('start', missingId),
      cli('start', buildIdOf(finished), '--json'),
      runCli(['start', buildIdOf(finished), ...connection()]),
      runCli(['start', buildIdOf(finished), '--table', tableName], env),
    ]);
    sfn.injectFault({ operation: 'StartExecution', fault: 'KmsAccessDeniedException', message: 'key disabled' });
    const permanent = await cli('start', buildIdOf(unstartable));

    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Build ${missingId} does not exist`);
    expect(done.code).toBe(1);
    expect(jsonOf(done)).toMatchObject({ outcome: 'not-pending', status: 'SUCCESS' });
    expect(noBucket.code).toBe(2);
    expect(noBucket.stderr).toContain('pass --s3-bucket or set ARTIFACT_BUCKET');
    expect(noStateMachine.code).toBe(2);
    expect(noStateMachine.stderr).toContain('pass --state-machine-arn or set STATE_MACHINE_ARN');
    expect(permanent.code).toBe(1);
    expect(permanent.stdout).toContain(`Could not start ${buildIdOf(unstartable)}; it is now FAILED`);
    expect(permanent.stdout).toContain('KmsAccessDeniedException');
    await expect(repository.get(unstartable)).resolves.toMatchObject({ status: 'FAILED' });
  });

  it('start --wait: prints the progress and exits 0 when the build ends SUCCESS', async () => {
    const build = await aPendingBuild();
    const waiting = cliInBackground('start', buildIdOf(build), '--wait', '--poll-seconds', '0.2');

    await inProgress(build);
    await eventually(async () => (waiting.stdout().includes('execution RUNNING') ? true : undefined));
    sfn.completeExecution(executionArnOf(build), { status: 'SUCCEEDED', output: '{}' });
    await eventually(async () => (waiting.stdout().includes('execution SUCCEEDED') ? true : undefined));
    const completed = await cli('complete', buildIdOf(build), '--status', 'SUCCESS');
    expect(completed).toMatchObject({ code: 0, stdout: `${buildIdOf(build)} is now SUCCESS.\n` });
    const result = await waiting.result;

    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual([`Started ${buildIdOf(build)}`, `Execution: ${executionArnOf(build)}`]);
    expect(lines.slice(2, -1).map((line) => line.replace(/^\S+ \S+Z {2}/, ''))).toEqual([
      'build IN_PROGRESS, execution RUNNING',
      'build IN_PROGRESS, execution SUCCEEDED',
      'build SUCCESS, execution SUCCEEDED',
    ]);
    expect(lines.at(-1)).toBe(`${buildIdOf(build)} ended SUCCESS`);
  });

  it('start --wait: exits 1 when the build ends FAILED, reconciling an execution that failed without reporting', async () => {
    const build = await aPendingBuild();
    const waiting = cliInBackground('start', buildIdOf(build), '--wait', '--poll-seconds', '0.2', '--reconcile-after-seconds', '0', '--json');

    await inProgress(build);
    await eventually(async () => (waiting.stderr().includes('"executionStatus":"RUNNING"') ? true : undefined));
    sfn.completeExecution(executionArnOf(build), { status: 'FAILED', error: 'States.TaskFailed', cause: 'stack rolled back' });
    const result = await waiting.result;

    expect(result.code).toBe(1);
    expect(jsonOf(result)).toMatchObject({
      buildId: buildIdOf(build),
      outcome: 'started',
      executionArn: executionArnOf(build),
      result: 'FAILED',
      build: { status: 'FAILED', errorMsg: 'execution FAILED: States.TaskFailed: stack rolled back' },
      execution: { status: 'FAILED', cause: 'stack rolled back' },
    });
    const events = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('{"event"'))
      .map((line) => JSON.parse(line) as { event: string });
    expect(events.map((event) => event.event)).toEqual(['started', 'status', 'status', 'reconciled', 'status']);
    expect(events.at(-2)).toMatchObject({ outcome: 'completed', buildStatus: 'FAILED' });
  });

  it('start --wait: gives up with exit 3 after --timeout-minutes', async () => {
    const build = await aPendingBuild();
    const result = await cli('start', buildIdOf(build), '--wait', '--poll-seconds', '0.2', '--timeout-minutes', '0.01', '--json');

    expect(result.code).toBe(3);
    expect(jsonOf(result)).toMatchObject({ result: 'timed-out', build: { status: 'IN_PROGRESS' }, execution: { status: 'RUNNING' } });
  });

  it('wait: follows a build another run started, and exits 0 when it ends SUCCESS', async () => {
    const build = await aPendingBuild();
    expect(await cli('start', buildIdOf(build))).toMatchObject({ code: 0 });
    const waiting = cliInBackground('wait', buildIdOf(build), '--poll-seconds', '0.2');

    await eventually(async () => (waiting.stdout().includes('execution RUNNING') ? true : undefined));
    sfn.completeExecution(executionArnOf(build), { status: 'SUCCEEDED', output: '{}' });
    await repository.recordCompletion(build, { status: 'SUCCESS' }, new Date());
    const result = await waiting.result;

    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\S+ \S+Z {2}build IN_PROGRESS, execution RUNNING$/);
    expect(lines.at(-1)).toBe(`${buildIdOf(build)} ended SUCCESS`);
  });

  it('reconcile: records how closed executions ended on builds that missed it', async () => {
    const build = await aPendingBuild();
    await cli('start', buildIdOf(build));
    sfn.completeExecution(executionArnOf(build), { status: 'TIMED_OUT' });

    const swept = await cli('reconcile', '--lookback-hours', '1', '--json');
    expect(swept.code).toBe(0);
    const summary = jsonOf<{ examined: number; completed: number; completedBuilds: string[]; outcomes: unknown[] }>(swept);
    expect(summary.completedBuilds).toEqual([buildIdOf(build)]);
    expect(summary.completed).toBe(1);
    expect(summary.examined).toBe(sfn.executions.length);
    expect(summary.outcomes).toContainEqual({ outcome: 'completed', buildId: buildIdOf(build), status: 'FAILED' });
    await expect(repository.get(build)).resolves.toMatchObject({ status: 'FAILED', errorMsg: 'execution TIMED_OUT' });

    const again = await cli('reconcile');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Examined \d+ execution\(s\) from the last 24 hour\(s\); completed 0 build\(s\)\.$/m);
    expect(again.stdout).toMatch(new RegExp(`^${buildIdOf(build)}\\s+already-completed\\s+FAILED$`, 'm'));
  });

  it('complete: refuses to end a build whose execution still runs, naming it (exit 1); --force records the end', async () => {
    const build = await aPendingBuild();
    expect(await cli('start', buildIdOf(build))).toMatchObject({ code: 0 });

    const refused = await cli('complete', buildIdOf(build), '--status', 'FAILED', '--error-msg', 'stuck', '--json');
    expect(refused.code).toBe(1);
    expect(jsonOf(refused)).toMatchObject({
      buildId: buildIdOf(build),
      outcome: 'execution-running',
      status: 'IN_PROGRESS',
      executionArn: executionArnOf(build),
      executionStatus: 'RUNNING',
    });
    await expect(repository.get(build)).resolves.toMatchObject({ status: 'IN_PROGRESS' });

    const forced = await cli('complete', buildIdOf(build), '--status', 'FAILED', '--error-msg', 'stopped by hand', '--force');
    expect(forced).toMatchObject({ code: 0, stdout: `${buildIdOf(build)} is now FAILED.\n` });
  });

  it('queue: a second build of the environment waits; unlock frees a lock whose holder never reported, and a sweep starts the next', async () => {
    const environment = aUniqueScope();
    const id = `${environment.repo}/${environment.env}`;
    const holder = await repository.create(aNewBuild({ ...environment, sk: aSortKey() }));
    const next = await repository.create(aNewBuild({ ...environment, sk: aSortKey() }));
    expect(await cli('start', buildIdOf(holder))).toMatchObject({ code: 0 });

    expect(await cli('start', buildIdOf(next))).toMatchObject({
      code: 0,
      stdout: `Not started yet: ${buildIdOf(next)} waits for ${buildIdOf(holder)} (${id} deploys one build at a time); it starts in its turn.\n`,
    });
    expect(await cli('get', buildIdOf(next))).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^Waiting for: +${buildIdOf(holder)}$`, 'm')) });
    expect(await cli('locks')).toMatchObject({ code: 0, stdout: expect.stringContaining(`${id}  ${buildIdOf(holder)}  queue`) });

    // Its execution is stopped by hand and its end never reaches the build: the environment stays locked.
    const refused = await cli('unlock', environment.repo, environment.env, '--by', 'alice');
    expect(refused).toMatchObject({ code: 1, stdout: expect.stringContaining(`is still RUNNING`) });
    sfn.completeExecution(executionArnOf(holder), { status: 'ABORTED' });
    const released = await cli('unlock', environment.repo, environment.env, '--by', 'alice', '--json');
    expect(released.code).toBe(0);
    expect(jsonOf(released)).toMatchObject({ outcome: 'released', holderStatus: 'IN_PROGRESS', releasedBy: 'alice', lock: { holder: buildIdOf(holder) } });
    await expect(repository.get(holder)).resolves.toMatchObject({ status: 'IN_PROGRESS', unlockedBy: 'alice' });
    expect(await cli('unlock', environment.repo, environment.env, '--by', 'alice')).toMatchObject({ code: 0, stdout: `${id} is not locked.\n` });

    // No trigger-build reads this table's stream: the sweep hands the environment on.
    expect(await cli('sweep', '--grace-minutes', '0', '--s3-bucket', 'my-artifacts')).toMatchObject({ code: 0 });
    await expect(repository.get(next)).resolves.toMatchObject({ status: 'IN_PROGRESS', executionArn: executionArnOf(next) });
  });
});
