// The CLI as people run it (a child process) on DynamoDB Local: the commands
// that only use the table, --help, usage errors and operational failures.
import { createServer, type AddressInfo } from 'node:net';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbBuildRepository } from '../../../../src/dynamodb.js';
import { buildIdOf, type Build } from '../../../../src/index.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../../dev/dynamodb-local/builds-table.js';
import { aNewBuild, aSortKey, aUniqueScope } from '../../../support/mothers/build.mother.js';
import { aGoBuildItem } from '../../../support/mothers/go-item.mother.js';
import { jsonOf, runCli } from './cli-process.js';

const endpoint = inject('dynamodbEndpoint');
const client = dynamoDbClientFor(endpoint);
const tableName = uniqueTableName('cli');
const repository = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(client), tableName });
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:deployment:';

/** The table comes from the environment, as in a deployed shell; the endpoint from a flag. */
const env = { BUILDS_TABLE_NAME: tableName };
const cli = (...args: string[]) => runCli([...args, '--dynamodb-endpoint', endpoint], env);

const scope = aUniqueScope();
const other = { repo: `${scope.repo}-other`, env: scope.env };
let oldest: Build;
let middle: Build;
let newest: Build;
let otherRepo: Build;

beforeAll(async () => {
  await createBuildsTable(client, tableName);
  oldest = await repository.create(aNewBuild({ ...scope, sk: aSortKey(), version: '1.0.0' }));
  middle = await repository.create(aNewBuild({ ...scope, sk: aSortKey(), version: '1.1.0', buildNumber: 7 }));
  newest = await repository.create(aNewBuild({ ...scope, sk: aSortKey(), version: '1.2.0', commitHash: 'feed42' }));
  otherRepo = await repository.create(aNewBuild({ ...other, sk: aSortKey(), version: '9.9.9' }));
  await repository.recordStart(oldest, `${EXECUTION}${oldest.sk}`, new Date());
  await repository.recordCompletion(oldest, { status: 'FAILED', errorMsg: 'stack rolled back' }, new Date());
  await repository.recordStart(newest, `${EXECUTION}${newest.sk}`, new Date());
});

afterAll(async () => {
  await deleteTable(client, tableName);
  client.destroy();
});

describe('aws-deployer-orchestrator (table commands)', () => {
  it('prints help for the program and every command, exit 0', async () => {
    const commands = ['start', 'get', 'list', 'latest', 'complete', 'reconcile', 'wait', 'create', 'sweep'];
    const [top, helpTopic, ...perCommand] = await Promise.all([
      runCli(['--help']),
      runCli(['help', 'list']),
      ...commands.map((command) => runCli([command, '--help'])),
    ]);

    expect(top).toMatchObject({ code: 0 });
    expect(top?.stdout).toContain('Usage: aws-deployer-orchestrator <command>');
    expect(top?.stdout).toContain('aws-deployer-orchestrator --version');
    for (const command of commands) expect(top?.stdout).toContain(`  ${command} `);
    expect(helpTopic?.stdout).toContain('Usage: aws-deployer-orchestrator list [repo] [env]');
    commands.forEach((command, index) => {
      const help = perCommand[index];
      expect(help?.code, command).toBe(0);
      expect(help?.stdout).toContain(`Usage: aws-deployer-orchestrator ${command}`);
      expect(help?.stdout).toContain('--json');
      expect(help?.stdout).toContain('Examples:');
    });
    expect(perCommand[0]?.stdout).toContain('--wait');
    expect(perCommand[4]?.stdout).toContain('--status <SUCCESS|FAILED>');
  });

  it('rejects bad command lines with exit 2 and names what is wrong', async () => {
    const [unknown, noCommand, missingId, badId, badSk, badStatus, badStatusJson, unknownFlag, badLimit, noTable, badTable] =
      await Promise.all([
        cli('deploy'),
        cli(),
        cli('get'),
        cli('get', 'not-a-build-id'),
        cli('get', `${scope.repo}/${scope.env}:`),
        cli('complete', buildIdOf(middle), '--status', 'DONE'),
        cli('complete', buildIdOf(middle), '--json'),
        cli('list', scope.repo, scope.env, '--sort', 'asc'),
        cli('list', scope.repo, scope.env, '--limit', '0'),
        runCli(['get', buildIdOf(middle)]),
        cli('get', buildIdOf(middle), '--table', 'x'),
      ]);

    expect(unknown?.code).toBe(2);
    expect(unknown?.stderr).toContain('unknown command "deploy"');
    expect(noCommand?.code).toBe(2);
    expect(noCommand?.stderr).toContain('missing command');
    expect(missingId?.code).toBe(2);
    expect(missingId?.stderr).toContain('missing argument <build-id>');
    expect(badId?.code).toBe(2);
    expect(badId?.stderr).toContain('Invalid build-id: must look like "{repo}/{env}:{sk}"');
    expect(badSk?.code).toBe(2);
    expect(badSk?.stderr).toContain('Invalid sk');
    expect(badStatus?.code).toBe(2);
    expect(badStatus?.stderr).toContain('Invalid status: must be "SUCCESS" or "FAILED"');
    expect(badStatus?.stderr).toContain("Run 'aws-deployer-orchestrator complete --help'");
    expect(badStatusJson?.code).toBe(2);
    expect(badStatusJson?.stdout).toBe('');
    expect(JSON.parse(badStatusJson?.stderr.trim().split('\n').at(-1) ?? '')).toMatchObject({
      error: { code: 'VALIDATION_ERROR', field: 'status' },
    });
    expect(unknownFlag?.code).toBe(2);
    expect(unknownFlag?.stderr).toContain('unknown option --sort');
    expect(badLimit?.code).toBe(2);
    expect(badLimit?.stderr).toContain('--limit must be an integer from 1 to 1000, got "0"');
    expect(noTable?.code).toBe(2);
    expect(noTable?.stderr).toContain('pass --table or set BUILDS_TABLE_NAME');
    expect(badTable?.code).toBe(2);
    expect(badTable?.stderr).toContain('invalid --table (BUILDS_TABLE_NAME)');
  });

  it('names the builds table DynamoDB did not find, reading or writing, with exit 4', async () => {
    const missing = uniqueTableName('missing');
    const [read, write, json] = await Promise.all([
      cli('get', buildIdOf(middle), '--table', missing),
      cli('complete', buildIdOf(middle), '--status', 'SUCCESS', '--table', missing),
      cli('latest', scope.env, '--table', missing, '--json'),
    ]);

    for (const result of [read, write]) {
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(`aws-deployer-orchestrator: The builds table ${missing} was not found at ${endpoint}`);
    }
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stderr.trim().split('\n').at(-1) ?? '')).toEqual({
      error: { code: 'TABLE_NOT_FOUND', message: expect.stringContaining(`The builds table ${missing} was not found`) },
    });
  });

  it('get: shows one build, as JSON and as text', async () => {
    const [json, text] = await Promise.all([cli('get', buildIdOf(oldest), '--json'), cli('get', buildIdOf(middle))]);

    expect(json.code).toBe(0);
    expect(jsonOf(json)).toEqual({
      id: buildIdOf(oldest),
      repo: scope.repo,
      env: scope.env,
      sk: oldest.sk,
      status: 'FAILED',
      branch: 'main',
      version: '1.0.0',
      commitHash: 'abc123',
      executionArn: `${EXECUTION}${oldest.sk}`,
      errorMsg: 'stack rolled back',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
      updatedAt: expect.any(String),
      finishedAt: expect.any(String),
    });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^Build:\\s+${buildIdOf(middle)}$`, 'm'));
    expect(text.stdout).toMatch(/^Status:\s+PENDING$/m);
    expect(text.stdout).toMatch(/^Version:\s+1\.1\.0$/m);
    expect(text.stdout).toMatch(/^Build number:\s+7$/m);
    expect(text.stdout).not.toContain('Execution:');
  });

  it('get: a build that does not exist fails with exit 1', async () => {
    const missing = `${scope.repo}/${scope.env}:${aSortKey()}`;
    const [text, json] = await Promise.all([cli('get', missing), cli('get', missing, '--json')]);

    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toContain(`Build ${missing} does not exist`);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr.trim().split('\n').at(-1) ?? '')).toMatchObject({ error: { code: 'BUILD_NOT_FOUND' } });
  });

  it('list: newest first, page by page', async () => {
    const [firstPage, all, text] = await Promise.all([
      cli('list', scope.repo, scope.env, '--limit', '2', '--json'),
      cli('list', scope.repo, scope.env, '--json'),
      cli('list', scope.repo, scope.env, '--limit', '2'),
    ]);

    expect(firstPage.code).toBe(0);
    const page = jsonOf<{ builds: Array<{ id: string; status: string }>; nextCursor?: string }>(firstPage);
    expect(page.builds.map((build) => build.id)).toEqual([buildIdOf(newest), buildIdOf(middle)]);
    expect(page.builds.map((build) => build.status)).toEqual(['IN_PROGRESS', 'PENDING']);
    expect(page.nextCursor).toEqual(expect.any(String));
    expect(jsonOf<{ builds: unknown[]; nextCursor?: string }>(all)).toMatchObject({ builds: { length: 3 } });
    expect(jsonOf(all)).not.toHaveProperty('nextCursor');

    const rest = await cli('list', scope.repo, scope.env, '--limit', '2', '--cursor', page.nextCursor ?? '', '--json');
    expect(jsonOf<{ builds: Array<{ id: string }> }>(rest).builds.map((build) => build.id)).toEqual([buildIdOf(oldest)]);

    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^BUILD\s+STATUS\s+VERSION\s+BRANCH\s+COMMIT\s+UPDATED$/);
    expect(lines[1]).toMatch(new RegExp(`^${buildIdOf(newest)}\\s+IN_PROGRESS\\s+1\\.2\\.0\\s+main\\s+feed42\\s`));
    expect(lines[2]).toContain(buildIdOf(middle));
    expect(text.stdout).toContain(`More: --cursor ${page.nextCursor}`);
  });

  it('list: a cursor it did not hand out is a usage error', async () => {
    const result = await cli('list', scope.repo, scope.env, '--cursor', 'bm90LWEtY3Vyc29y');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--cursor is not a cursor this repository returned');
  });

  it('list --status: the builds of one status through the status index, a repo and env keeping only theirs', async () => {
    const [all, scoped, bad] = await Promise.all([
      cli('list', '--status', 'PENDING', '--limit', '1000', '--json'),
      cli('list', scope.repo, scope.env, '--status', 'IN_PROGRESS', '--json'),
      cli('list', '--status', 'QUEUED'),
    ]);

    const ids = (result: typeof all) => (jsonOf<{ builds: { id: string }[] }>(result!).builds ?? []).map((build) => build.id);
    expect(ids(all)).toEqual(expect.arrayContaining([buildIdOf(middle), buildIdOf(otherRepo)]));
    expect(ids(all)).not.toContain(buildIdOf(newest));
    expect(ids(scoped)).toEqual([buildIdOf(newest)]);
    expect(bad).toMatchObject({ code: 2 });
    expect(bad?.stderr).toContain('--status must be one of PENDING, IN_PROGRESS, SUCCESS, FAILED');
  });

  it('get and complete: reach a build another writer gave an odd key (a space in repo, a UUID as sk)', async () => {
    const odd = { repo: `my app ${scope.repo}`, env: `${scope.env}-odd`, sk: '0b6f2c1e-5d8a-4c1e-9f3a-2b7d9e4c6a10' };
    await client.send(new PutItemCommand({ TableName: tableName, Item: aGoBuildItem({ ...odd, status: 'IN_PROGRESS' }) }));

    const got = await cli('get', buildIdOf(odd), '--json');
    const completed = await cli('complete', buildIdOf(odd), '--status', 'FAILED', '--error-msg', 'stack rolled back');

    expect(got).toMatchObject({ code: 0 });
    expect(jsonOf(got)).toMatchObject({ id: buildIdOf(odd), status: 'IN_PROGRESS' });
    expect(completed).toMatchObject({ code: 0 });
    expect(await repository.get(odd)).toMatchObject({ status: 'FAILED', errorMsg: 'stack rolled back' });
  });

  it('latest: the newest build of every repo in the environment', async () => {
    const [json, text, empty] = await Promise.all([
      cli('latest', scope.env, '--json'),
      cli('latest', scope.env),
      cli('latest', `${scope.env}-nothing`),
    ]);

    expect(json.code).toBe(0);
    const latest = jsonOf<{ env: string; builds: Array<{ id: string; version: string }> }>(json);
    expect(latest.env).toBe(scope.env);
    // Ordered by the pointers' sort key, "{repo}/{env}": "-other/" sorts before "/".
    expect(latest.builds.map((build) => [build.id, build.version])).toEqual([
      [buildIdOf(otherRepo), '9.9.9'],
      [buildIdOf(newest), '1.2.0'],
    ]);
    expect(text.stdout).toContain(buildIdOf(newest));
    expect(text.stdout).toContain(buildIdOf(otherRepo));
    expect(empty).toMatchObject({ code: 0, stdout: `No builds in ${scope.env}-nothing.\n` });
  });

  it('complete: records an end once, reports a repeat, refuses a conflicting one', async () => {
    // No Step Functions here to ask whether its execution still runs: --force records the end without asking.
    const first = await cli('complete', buildIdOf(newest), '--status', 'SUCCESS', '--json', '--force');
    expect(first.code).toBe(0);
    expect(jsonOf(first)).toEqual({ buildId: buildIdOf(newest), outcome: 'completed', status: 'SUCCESS' });

    const [repeat, conflicting, missing, failed] = await Promise.all([
      cli('complete', buildIdOf(newest), '--status', 'SUCCESS'),
      cli('complete', buildIdOf(newest), '--status', 'FAILED', '--error-msg', 'too late', '--json'),
      cli('complete', `${scope.repo}/${scope.env}:${aSortKey()}`, '--status', 'SUCCESS'),
      cli('complete', buildIdOf(middle), '--status', 'FAILED', '--error-msg', 'artifact missing'),
    ]);

    expect(repeat).toMatchObject({ code: 0, stdout: `${buildIdOf(newest)} was already SUCCESS; nothing changed.\n` });
    expect(conflicting.code).toBe(1);
    expect(jsonOf(conflicting)).toMatchObject({ outcome: 'refused', status: 'SUCCESS' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist');
    expect(failed).toMatchObject({ code: 0, stdout: `${buildIdOf(middle)} is now FAILED.\n` });
    await expect(repository.get(middle)).resolves.toMatchObject({ status: 'FAILED', errorMsg: 'artifact missing' });
    await expect(repository.get(newest)).resolves.toMatchObject({ status: 'SUCCESS' });
  });

  it('writes only the result on stdout in text mode, and no log line on stderr by default; --verbose logs on stderr', async () => {
    const quiet = await aPendingBuild();
    const verbose = await aPendingBuild();
    const [plain, chatty] = await Promise.all([
      cli('complete', buildIdOf(quiet), '--status', 'FAILED', '--error-msg', 'rolled back'),
      cli('complete', buildIdOf(verbose), '--status', 'FAILED', '--error-msg', 'rolled back', '--verbose'),
    ]);
    const logLines = (text: string) => text.split('\n').filter((line) => line.startsWith('{'));

    expect(plain).toMatchObject({ code: 0, stdout: `${buildIdOf(quiet)} is now FAILED.\n` });
    expect(logLines(plain.stderr)).toEqual([]);
    expect(chatty).toMatchObject({ code: 0, stdout: `${buildIdOf(verbose)} is now FAILED.\n` });
    expect(logLines(chatty.stderr).map((line) => JSON.parse(line) as { level: string; message: string })).toContainEqual(
      expect.objectContaining({ level: 'INFO', message: 'Build completion recorded' }),
    );
  });

  it('an endpoint nobody listens on: says so, names the flag, exit 4', async () => {
    const port = await aPortNobodyListensOn();
    const result = await runCli(['get', buildIdOf(middle), '--dynamodb-endpoint', `http://127.0.0.1:${port}`], {
      ...env,
      AWS_MAX_ATTEMPTS: '1',
    });

    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `aws-deployer-orchestrator: Nothing answers from DynamoDB at http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}): check --dynamodb-endpoint`,
    );
  });
});

/** A port that was free a moment ago: connecting to it is refused. */
async function aPortNobodyListensOn(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolveClose) => server.close(resolveClose));
  return port;
}

/** A build of a scope of its own, so the listings above stay as they are. */
const aPendingBuild = () => repository.create(aNewBuild());
