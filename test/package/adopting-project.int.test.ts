// Adopting the package as a team would: pack it, install the tarball into a
// project that pins an older AWS SDK, compile the README's "Usage" there under
// each TypeScript module setting, and run it, as ESM and as CommonJS, against
// DynamoDB Local and the local Step Functions endpoint.
import path from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { DynamoDbBuildRepository } from '../../src/dynamodb.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor } from '../../dev/dynamodb-local/builds-table.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../dev/local-sfn/local-sfn-server.js';
import { PEER_SDK_PACKAGES, PINNED_SDK_VERSION, anAdoptingProject, asCommonJs, readmeUsage, type AdoptingProject } from './adopting-project.js';

const root = path.resolve(import.meta.dirname, '../..');
const ENTRY_POINTS = ['', '/testing', '/dynamodb', '/sfn', '/lambda'].map((subpath) => `@aws-deployer/orchestrator${subpath}`);

// The names the README's example uses: this file is the only one in the run that creates them.
const README_TABLE = 'prd-aws-deployer--builds';
const README_BUILD = { repo: 'myapp', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy', branch: 'main', version: '1.2.3', commitHash: 'abc123' };
const README_EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:deployment:myapp-prd-2HFj3kLmNoPqRsTuVwXy';

const dynamoDbEndpoint = inject('dynamodbEndpoint');
const dynamoDb = dynamoDbClientFor(dynamoDbEndpoint);
const builds = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(dynamoDb), tableName: README_TABLE });
let project: AdoptingProject;
let sfn: LocalStepFunctions;

function compilerOptions(options: Record<string, unknown>) {
  return {
    target: 'ES2022',
    strict: true,
    // Our declarations are checked against the adopter's SDK, not skipped.
    skipLibCheck: false,
    typeRoots: [path.join(root, 'node_modules/@types')],
    types: ['node'],
    ...options,
  };
}

beforeAll(async () => {
  project = await anAdoptingProject();
  const usage = await readmeUsage();
  await project.write('usage.ts', usage);
  await project.write('usage.cts', asCommonJs(usage));
  await project.write(
    'tsconfig.nodenext.json',
    JSON.stringify({ compilerOptions: compilerOptions({ module: 'nodenext', outDir: 'build' }), files: ['usage.ts'] }),
  );
  await project.write(
    'tsconfig.node16.json',
    JSON.stringify({ compilerOptions: compilerOptions({ module: 'node16', outDir: 'build' }), files: ['usage.cts'] }),
  );
  await project.write(
    'tsconfig.bundler.json',
    JSON.stringify({ compilerOptions: compilerOptions({ module: 'preserve', moduleResolution: 'bundler', noEmit: true }), files: ['usage.ts'] }),
  );

  await deleteTable(dynamoDb, README_TABLE);
  await createBuildsTable(dynamoDb, README_TABLE);
  await builds.create(README_BUILD);
  sfn = await startLocalStepFunctions();
  sfn.createStateMachine('deployment');
}, 300_000);

afterAll(async () => {
  await sfn?.close();
  await deleteTable(dynamoDb, README_TABLE);
  dynamoDb.destroy();
  await project?.remove();
});

describe('a project that pins its own AWS SDK', () => {
  it(`installs one copy of each SDK package the module uses: the project's ${PINNED_SDK_VERSION}`, async () => {
    const copies = await project.installedCopies(PEER_SDK_PACKAGES);
    expect(copies.map(({ name, version }) => `${name}@${version}`).sort()).toEqual(
      PEER_SDK_PACKAGES.map((name) => `${name}@${PINNED_SDK_VERSION}`).sort(),
    );
  });

  it.each(['nodenext', 'node16', 'bundler'])("typechecks the README's usage with module resolution %s", async (resolution) => {
    await expect(project.typecheck(`tsconfig.${resolution}.json`)).resolves.toBe('');
  });

  it("runs the README's usage as ESM, then as CommonJS: one execution, one ARN, the build IN_PROGRESS", async () => {
    const env = {
      ...process.env,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      // Service-specific endpoints: the README's clients are built with `{}`.
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
      AWS_ENDPOINT_URL_SFN: sfn.endpoint,
    };
    await project.typecheck('tsconfig.nodenext.json');
    await project.typecheck('tsconfig.node16.json');
    await project.node(['build/usage.js'], env);
    const printed = await project.node(['-e', "require('./build/usage.cjs').main().then((arn) => process.stdout.write(`\\n${arn}`))"], env);

    // The logger writes its JSON lines to stdout too; the ARN is the last line.
    expect(printed.split('\n').at(-1)).toBe(README_EXECUTION_ARN);
    expect(sfn.executions.map((execution) => execution.executionArn)).toEqual([README_EXECUTION_ARN]);
    await expect(builds.get(README_BUILD)).resolves.toMatchObject({ status: 'IN_PROGRESS', executionArn: README_EXECUTION_ARN });
  });

  it('require()s every entry point, with the same names import() gives', async () => {
    const namesOf = [
      `const entryPoints = ${JSON.stringify(ENTRY_POINTS)};`,
      'const names = {};',
      'for (const entryPoint of entryPoints) names[entryPoint] = { required: Object.keys(require(entryPoint)).sort(), imported: [] };',
      'Promise.all(entryPoints.map(async (entryPoint) => { names[entryPoint].imported = Object.keys(await import(entryPoint)).filter((name) => name !== "default").sort(); }))',
      '  .then(() => process.stdout.write(JSON.stringify(names)));',
    ].join('\n');
    const names = JSON.parse(await project.node(['--input-type=commonjs', '-e', namesOf])) as Record<string, { required: string[]; imported: string[] }>;
    for (const entryPoint of ENTRY_POINTS) {
      expect(names[entryPoint]?.required.length, entryPoint).toBeGreaterThan(0);
      expect(names[entryPoint]?.required, entryPoint).toEqual(names[entryPoint]?.imported);
    }
  });
});
