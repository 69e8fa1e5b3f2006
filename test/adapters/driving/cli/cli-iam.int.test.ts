// Proves docs/cli.md's IAM policy: every command runs in process on the real
// adapters (DynamoDB Local, the local Step Functions endpoint) through SDK
// clients that record what they send; the documented policy must allow each
// action on its resource, each command must send only what its row of the
// page lists, and the policy may hold nothing that no command sends.
import { readFileSync } from 'node:fs';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stsWhoAmI } from '../../../../src/composition/cli/caller-identity.js';
import { servicesOf } from '../../../../src/composition/cli/compose.js';
import type { ConnectionConfig } from '../../../../src/adapters/driving/cli/config.js';
import type { CliIo } from '../../../../src/adapters/driving/cli/io.js';
import { run } from '../../../../src/adapters/driving/cli/run.js';
import { DynamoDbBuildRepository, DynamoDbIdempotencyStore } from '../../../../src/dynamodb.js';
import { SfnExecutionController, SfnExecutionInspector, SfnExecutionStarter } from '../../../../src/sfn.js';
import {
  buildIdOf,
  createContainer,
  executionName,
  parseStateMachineArn,
  serializeStepFunctionInput,
  type Build,
  type Logger,
} from '../../../../src/index.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../../dev/dynamodb-local/builds-table.js';
import { createIdempotencyTable } from '../../../../dev/dynamodb-local/idempotency-table.js';
import { sfnClientFor } from '../../../../dev/local-sfn/sfn-client.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../../../dev/local-sfn/local-sfn-server.js';
import { allowedActions, allows, policyInMarkdown, type Policy } from '../../../support/iam-policy.js';
import { aNewBuild, anInputFor, aSortKey, aUniqueScope } from '../../../support/mothers/build.mother.js';
import { startLocalSts, type LocalSts } from '../../../support/local-sts.js';
import { iamRequestsOf, recordCommands, type IamRequest, type SentCommand } from '../../../support/recording-clients.js';

const CLI_DOCS = readFileSync(new URL('../../../../docs/cli.md', import.meta.url), 'utf8');
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

const dynamodbEndpoint = inject('dynamodbEndpoint');
const admin = dynamoDbClientFor(dynamodbEndpoint);
const tableName = uniqueTableName('cli-iam');
const idempotencyTableName = uniqueTableName('cli-iam-idempotency');
const CALLER = 'arn:aws:iam::123456789012:user/alice';
const repository = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(admin), tableName });
const scope = aUniqueScope();

let sfn: LocalStepFunctions;
let sts: LocalSts;
let stateMachineArn: string;

interface CliRun {
  readonly argv: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly requests: readonly IamRequest[];
}
const runs: CliRun[] = [];

/** The CLI in process, its adapters on clients that record every command; the run is kept for the checks. */
async function cli(...argv: string[]): Promise<CliRun> {
  const sent: SentCommand[] = [];
  const dynamodb = dynamoDbClientFor(dynamodbEndpoint);
  const stepFunctions = sfnClientFor(sfn.endpoint, { maxAttempts: 1 });
  // The CLI's own STS client (compose.ts: callerIdentity), pointed at a stand-in that answers as STS does.
  const identity = new STSClient({ endpoint: sts.endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  recordCommands(dynamodb, sent);
  recordCommands(stepFunctions, sent);
  recordCommands(identity, sent);
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    env: { BUILDS_TABLE_NAME: tableName, STATE_MACHINE_ARN: stateMachineArn, ARTIFACT_BUCKET: 'my-artifacts', IDEMPOTENCY_TABLE_NAME: idempotencyTableName },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => new Date(),
  };
  // What compose.ts builds with createAwsContainer, on the recording clients.
  const compose = (config: ConnectionConfig, logger: Logger) => {
    const documents = DynamoDBDocumentClient.from(dynamodb);
    return servicesOf(
      createContainer({
        buildRepository: new DynamoDbBuildRepository({ client: documents, tableName: config.tableName, logger }),
        executionStarter: new SfnExecutionStarter({ client: stepFunctions, stateMachineArn }),
        executionInspector: new SfnExecutionInspector({ client: stepFunctions, stateMachineArn }),
        executionController: new SfnExecutionController({ client: stepFunctions, stateMachineArn }),
        idempotencyStore:
          config.idempotencyTableName === undefined ? undefined : new DynamoDbIdempotencyStore({ client: documents, tableName: config.idempotencyTableName }),
        logger,
        concurrency: config.concurrency,
      }),
      stsWhoAmI(identity),
    );
  };
  try {
    const code = await run(argv, io, { loadComposition: async () => compose });
    const requests = sent.flatMap((command) => iamRequestsOf(command, { region: REGION, account: ACCOUNT }));
    const result = { argv, code, ...out, requests };
    runs.push(result);
    return result;
  } finally {
    dynamodb.destroy();
    stepFunctions.destroy();
    identity.destroy();
  }
}

// Each in an environment of its own, so each holds its own environment's lock (queue, the default).
const aPendingBuild = (environment: { repo: string; env: string } = aUniqueScope()) => repository.create(aNewBuild({ ...environment, sk: aSortKey() }));
const executionArnOf = (build: Build) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName(build)}`;

/** Each command on the paths that send the most (every run is kept in `runs` for the checks). */
async function runEveryCommand(): Promise<void> {
  const listed = await aPendingBuild(scope);
  const started = await aPendingBuild();
  const heldByHand = await aPendingBuild();
  const waitedFor = await aPendingBuild();
  const reportedLate = await aPendingBuild();
  const stillRunning = await aPendingBuild();
  const endedUnreported = await aPendingBuild();
  // An execution holds the build's name with another input: start must describe it (ExecutionAlreadyExists).
  sfn.startExecution(stateMachineArn, executionName(heldByHand), serializeStepFunctionInput(anInputFor(heldByHand, { s3Bucket: 'elsewhere' })));
  // An operator's run that is no build's, closed: reconcile reports it not-a-build.
  sfn.completeExecution(sfn.startExecution(stateMachineArn, `by-hand-${aSortKey()}`, '{}'), { status: 'SUCCEEDED', output: '{}' });

  const created = await cli('create', scope.repo, scope.env, '--branch', 'main', '--version', '3.abc', '--commit-hash', 'abc');
  expect(created).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^${scope.repo}/${scope.env}:\\w{27}\n$`)) });
  expect(await cli('get', buildIdOf(listed))).toMatchObject({ code: 0 });
  expect(await cli('list', scope.repo, scope.env)).toMatchObject({ code: 0 });
  expect(await cli('list', '--status', 'PENDING')).toMatchObject({ code: 0 });
  expect(await cli('latest', scope.env)).toMatchObject({ code: 0 });
  expect(await cli('start', buildIdOf(started))).toMatchObject({ code: 0, stdout: expect.stringContaining('Started') });
  expect(await cli('start', buildIdOf(heldByHand))).toMatchObject({ code: 0 });
  // complete asks Step Functions first: refused while the execution runs, recorded once it has ended.
  expect(await cli('start', buildIdOf(stillRunning))).toMatchObject({ code: 0 });
  expect(await cli('complete', buildIdOf(stillRunning), '--status', 'FAILED')).toMatchObject({ code: 1, stdout: expect.stringContaining('RUNNING') });
  sfn.completeExecution(executionArnOf(started), { status: 'SUCCEEDED', output: '{}' });
  expect(await cli('complete', buildIdOf(started), '--status', 'SUCCESS')).toMatchObject({ code: 0 });

  // wait: the execution ended without the build recording it; the wait reconciles it.
  await cli('start', buildIdOf(waitedFor));
  sfn.completeExecution(executionArnOf(waitedFor), { status: 'SUCCEEDED', output: '{}' });
  const waited = await cli('wait', buildIdOf(waitedFor), '--poll-seconds', '0.05', '--reconcile-after-seconds', '0');
  expect(waited).toMatchObject({ code: 0, stdout: expect.stringContaining('reconciled: completed (SUCCESS)') });

  const gaveUp = await cli('start', buildIdOf(reportedLate), '--wait', '--poll-seconds', '0.05', '--timeout-minutes', '0.01');
  expect(gaveUp).toMatchObject({ code: 3 });
  sfn.completeExecution(executionArnOf(reportedLate), { status: 'FAILED', error: 'States.TaskFailed', cause: 'stack rolled back' });
  const swept = await cli('reconcile', '--lookback-hours', '1');
  expect(swept).toMatchObject({ code: 0 });
  expect(swept.stdout).toMatch(new RegExp(`^${buildIdOf(reportedLate)}\\s+completed\\s+FAILED$`, 'm'));
  expect(swept.stdout).toContain('has no build input');
  expect(swept.stdout).toMatch(/^Open builds last updated before \S+ \S+Z: none\.$/m);

  // sweep: every open build, however old (no grace): one whose execution ended unreported is
  // recorded, a PENDING one is started.
  await cli('start', buildIdOf(endedUnreported));
  sfn.completeExecution(executionArnOf(endedUnreported), { status: 'FAILED', error: 'States.Timeout', cause: 'too long' });
  const pendingLeft = await aPendingBuild();
  const sweep = await cli('sweep', '--grace-minutes', '0', '--json');
  expect(sweep).toMatchObject({ code: 0 });
  expect(JSON.parse(sweep.stdout)).toMatchObject({ mode: 'status-index', completed: expect.any(Number), started: expect.any(Number) });
  await expect(repository.get(endedUnreported)).resolves.toMatchObject({ status: 'FAILED' });
  await expect(repository.get(pendingLeft)).resolves.toMatchObject({ status: 'IN_PROGRESS' });

  // The environment lock: a deployment started outside it (parallel) is given it when a build of its
  // environment starts under queue, which waits; unlock refuses while it runs, releases it once it ended.
  const locked = aUniqueScope();
  const outside = await aPendingBuild(locked);
  const inLine = await aPendingBuild(locked);
  expect(await cli('start', buildIdOf(outside), '--concurrency', 'parallel')).toMatchObject({ code: 0 });
  expect(await cli('start', buildIdOf(inLine))).toMatchObject({ code: 0, stdout: expect.stringContaining(`waits for ${buildIdOf(outside)}`) });
  expect(await cli('locks', '--json')).toMatchObject({ code: 0, stdout: expect.stringContaining(buildIdOf(outside)) });
  expect(await cli('unlock', locked.repo, locked.env, '--by', 'alice')).toMatchObject({ code: 1, stdout: expect.stringContaining('RUNNING') });
  sfn.completeExecution(executionArnOf(outside), { status: 'ABORTED' });
  expect(await cli('unlock', locked.repo, locked.env, '--by', 'alice')).toMatchObject({ code: 0, stdout: expect.stringContaining('Released by alice') });
  await expect(repository.get(outside)).resolves.toMatchObject({ status: 'IN_PROGRESS', unlockedBy: 'alice' });
  await expect(repository.getEnvironmentLock(locked.repo, locked.env)).resolves.toBeUndefined();

  await runManualDeployments();
}

/** A build of `environment` that deployed `version` (written directly: the commands below are what is checked). */
async function aDeployedBuild(environment: { repo: string; env: string }, version: string): Promise<Build> {
  const build = await repository.create(aNewBuild({ ...environment, sk: aSortKey(), version }));
  await repository.recordStart(build, executionArnOf(build), new Date());
  await repository.recordCompletion(build, { status: 'SUCCESS' }, new Date());
  return build;
}

/** Polls until the execution runs again (a redrive). */
async function redriven(executionArn: string): Promise<void> {
  for (let tries = 0; tries < 200; tries += 1) {
    const execution = sfn.executions.find((candidate) => candidate.executionArn === executionArn);
    if (execution?.status === 'RUNNING' && (execution.redriveCount ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${executionArn} was not redriven`);
}

/** redeploy, rollback, redrive and cancel, with idempotency keys, --wait, and their refusals; unlock naming the caller. */
async function runManualDeployments(): Promise<void> {
  const poll = ['--poll-seconds', '0.05', '--reconcile-after-seconds', '0'];
  // redeploy: with a key (kept, then replayed), a refusal with a key (given up), a --wait that gives up.
  const source = await aDeployedBuild(aUniqueScope(), '7.abc');
  const redeployed = await cli('redeploy', buildIdOf(source), '--idempotency-key', `redeploy-${source.sk}`, '--json');
  expect(redeployed).toMatchObject({ code: 0 });
  expect(JSON.parse(redeployed.stdout)).toMatchObject({ replayed: false, requestedBy: CALLER, build: { status: 'PENDING', kind: 'redeploy' } });
  const replayed = await cli('redeploy', buildIdOf(source), '--idempotency-key', `redeploy-${source.sk}`, '--json');
  expect(JSON.parse(replayed.stdout)).toMatchObject({ replayed: true, buildId: (JSON.parse(redeployed.stdout) as { buildId: string }).buildId });
  expect(await cli('redeploy', `${source.repo}/${source.env}:${aSortKey()}`, '--idempotency-key', 'missing')).toMatchObject({ code: 1 });
  expect(await cli('redeploy', buildIdOf(source), '--wait', '--poll-seconds', '0.05', '--timeout-minutes', '0.01')).toMatchObject({ code: 3 });

  // rollback: past a waiting build, and to a build named by --to.
  const rolled = aUniqueScope();
  const previous = await aDeployedBuild(rolled, '1.0.0');
  await aDeployedBuild(rolled, '1.1.0');
  const waiting = await aPendingBuild(rolled);
  const rollback = await cli('rollback', rolled.repo, rolled.env, '--json');
  expect(rollback).toMatchObject({ code: 0 });
  expect(JSON.parse(rollback.stdout)).toMatchObject({ redeployOf: buildIdOf(previous), build: { kind: 'rollback', version: '1.0.0' } });
  await expect(repository.get(waiting)).resolves.toMatchObject({ status: 'FAILED' });
  expect(await cli('rollback', rolled.repo, rolled.env, '--to', previous.sk)).toMatchObject({ code: 0 });

  // redrive: a timed-out execution runs again and succeeds (--wait reconciles it); one a newer build passed is refused (undone).
  const redrivable = await aPendingBuild();
  expect(await cli('start', buildIdOf(redrivable))).toMatchObject({ code: 0 });
  sfn.completeExecution(executionArnOf(redrivable), { status: 'TIMED_OUT', error: 'States.Timeout' });
  expect(await cli('wait', buildIdOf(redrivable), ...poll)).toMatchObject({ code: 1 });
  const redriving = cli('redrive', buildIdOf(redrivable), '--wait', ...poll);
  await redriven(executionArnOf(redrivable));
  sfn.completeExecution(executionArnOf(redrivable), { status: 'SUCCEEDED', output: '{}' });
  expect(await redriving).toMatchObject({ code: 0, stdout: expect.stringContaining('ended SUCCESS (redriven)') });
  const passed = aUniqueScope();
  const older = await aPendingBuild(passed);
  expect(await cli('start', buildIdOf(older))).toMatchObject({ code: 0 });
  sfn.completeExecution(executionArnOf(older), { status: 'ABORTED' });
  expect(await cli('wait', buildIdOf(older), ...poll)).toMatchObject({ code: 1 });
  await aDeployedBuild(passed, '9.9.9');
  expect(await cli('redrive', buildIdOf(older))).toMatchObject({ code: 1, stderr: expect.stringContaining('has started since') });

  // cancel: a waiting build; a deploying one, forced, then its lock released by the caller (no --by: STS names them).
  const cancelled = aUniqueScope();
  const deploying = await aPendingBuild(cancelled);
  const queued = await aPendingBuild(cancelled);
  expect(await cli('start', buildIdOf(deploying))).toMatchObject({ code: 0 });
  expect(await cli('cancel', buildIdOf(queued))).toMatchObject({ code: 0 });
  expect(await cli('cancel', buildIdOf(deploying))).toMatchObject({ code: 1 });
  const forced = await cli('cancel', buildIdOf(deploying), '--force', '--wait', '--json', ...poll);
  expect(forced).toMatchObject({ code: 0 });
  expect(JSON.parse(forced.stdout)).toMatchObject({ environmentLocked: true, execution: { status: 'ABORTED' }, build: { status: 'FAILED', cancelledBy: CALLER } });
  expect(await cli('unlock', cancelled.repo, cancelled.env)).toMatchObject({ code: 0, stdout: expect.stringContaining(`Released by ${CALLER}`) });
}

/** The documented policy, its placeholders filled in for this table and state machine. */
function documentedPolicy(): Policy {
  return policyInMarkdown(CLI_DOCS, '## IAM policy', {
    REGION,
    ACCOUNT,
    TABLE: tableName,
    STATE_MACHINE: parseStateMachineArn(stateMachineArn).name,
    IDEMPOTENCY_TABLE: idempotencyTableName,
  });
}

/** The page's table of actions by command: `get` -> ['dynamodb:GetItem']. */
function documentedActionsByCommand(): Map<string, Set<string>> {
  const section = CLI_DOCS.slice(CLI_DOCS.indexOf('## IAM policy'), CLI_DOCS.indexOf('```json', CLI_DOCS.indexOf('## IAM policy')));
  const rows = section.split('\n').filter((line) => /^\| `[a-z]+` \|/.test(line));
  return new Map(
    rows.map((row) => [
      /^\| `([a-z]+)`/.exec(row)?.[1] ?? '',
      new Set([...row.matchAll(/`((?:dynamodb|states|sts):\w+)`/g)].map((match) => match[1] ?? '')),
    ]),
  );
}

beforeAll(async () => {
  sfn = await startLocalStepFunctions();
  sts = await startLocalSts(CALLER);
  stateMachineArn = sfn.createStateMachine('deployment');
  await Promise.all([createBuildsTable(admin, tableName), createIdempotencyTable(admin, idempotencyTableName)]);
  await runEveryCommand();
});

afterAll(async () => {
  await sfn.close();
  await sts.close();
  await deleteTable(admin, idempotencyTableName);
  await deleteTable(admin, tableName);
  admin.destroy();
});

describe("docs/cli.md's IAM policy", () => {
  it('allows every action each command sent, on its resource', () => {
    const policy = documentedPolicy();
    const refused = runs.flatMap((cliRun) =>
      cliRun.requests
        .filter((request) => !policy.Statement.some((statement) => allows(statement, request)))
        .map((request) => `${cliRun.argv[0] ?? ''}: ${request.action} on ${request.resource}`),
    );

    expect(runs.length).toBeGreaterThan(0);
    expect([...new Set(refused)]).toEqual([]);
  });

  it("lists in each command's row every action the command sent, and only actions of the policy", () => {
    const byCommand = documentedActionsByCommand();
    const inPolicy = new Set(allowedActions(documentedPolicy()).map(({ action }) => action));

    expect([...byCommand.keys()].sort()).toEqual([
      'cancel',
      'complete',
      'create',
      'get',
      'latest',
      'list',
      'locks',
      'reconcile',
      'redeploy',
      'redrive',
      'rollback',
      'start',
      'sweep',
      'unlock',
      'wait',
    ]);
    // Every command's, at once: `{command}: {action}`.
    const undocumented = runs.flatMap((cliRun) => {
      const documented = byCommand.get(cliRun.argv[0] ?? '') ?? new Set();
      return cliRun.requests.filter((request) => !documented.has(request.action)).map((request) => `${cliRun.argv[0] ?? ''}: ${request.action}`);
    });
    expect([...new Set(undocumented)]).toEqual([]);
    for (const [command, actions] of byCommand) expect([...actions].filter((action) => !inPolicy.has(action)), command).toEqual([]);
  });

  it('holds no action, on any of its resources, that no command sent', () => {
    const sent = runs.flatMap((cliRun) => cliRun.requests);
    const unused = allowedActions(documentedPolicy())
      .filter(({ statement, action }) => !sent.some((request) => request.action === action && allows({ ...statement, Action: action }, request)))
      .map(({ statement, action }) => `${statement.Sid ?? '?'}: ${action}`);

    expect(unused).toEqual([]);
  });
});
