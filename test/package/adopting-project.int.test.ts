// Adopting the package as a team would: pack it, install the tarball into a
// project that pins an older AWS SDK, compile the README's "Usage" there under
// each TypeScript module setting, and run it, as ESM and as CommonJS, against
// DynamoDB Local and the local Step Functions endpoint.
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { DynamoDbBuildRepository } from '../../src/dynamodb.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor } from '../../dev/dynamodb-local/builds-table.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../dev/local-sfn/local-sfn-server.js';
import {
  INVERSIFY_VERSIONS,
  PEER_SDK_PACKAGES,
  PINNED_SDK_VERSION,
  anAdoptingProject,
  asCommonJs,
  packTheCheckout,
  readmeBlocks,
  readmeUsage,
  type AdoptingProject,
  type PackedPackage,
} from './adopting-project.js';

const ENTRY_POINTS = ['', '/testing', '/dynamodb', '/sfn', '/lambda'].map((subpath) => `@aws-deployer/orchestrator${subpath}`);

// The names the README's example uses: this file is the only one in the run that creates them.
const README_TABLE = 'prd-aws-deployer--builds';
/** What the README's example prints: the build's status and its execution's ARN, named after a new KSUID. */
const README_PRINTS = /^IN_PROGRESS (arn:aws:states:us-east-1:123456789012:execution:deployment:myapp-prd-([0-9A-Za-z]{27}))$/;
// The second run's build waits: the first one's deployment of myapp/prd still runs (the default policy, queue).
const README_PRINTS_WAITING = /^PENDING waiting for myapp\/prd:([0-9A-Za-z]{27})$/;

const dynamoDbEndpoint = inject('dynamodbEndpoint');
const dynamoDb = dynamoDbClientFor(dynamoDbEndpoint);
const builds = new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(dynamoDb), tableName: README_TABLE });
let packed: PackedPackage;
let project: AdoptingProject;
let sfn: LocalStepFunctions;

function compilerOptions(options: Record<string, unknown>) {
  return {
    target: 'ES2022',
    strict: true,
    // Our declarations are checked against the adopter's SDK, not skipped, and against nothing but
    // what the project installed: its own node_modules/@types (README's install line and @types/node).
    skipLibCheck: false,
    types: ['node'],
    ...options,
  };
}

beforeAll(async () => {
  packed = await packTheCheckout();
  project = await anAdoptingProject(packed);
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
  sfn = await startLocalStepFunctions();
  sfn.createStateMachine('deployment');
}, 300_000);

afterAll(async () => {
  await sfn?.close();
  await deleteTable(dynamoDb, README_TABLE);
  dynamoDb.destroy();
  await project?.remove();
  await packed?.remove();
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

  it("runs the README's usage as ESM, then as CommonJS: the first starts its build's execution, the second's build waits for it", async () => {
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
    const printed = [
      await project.node(['build/usage.js'], env),
      await project.node(['-e', "require('./build/usage.cjs').main()"], env),
    ];

    // Quiet by default outside Lambda: the example's own line is all stdout holds.
    const started = README_PRINTS.exec(printed[0]!.trim());
    const waiting = README_PRINTS_WAITING.exec(printed[1]!.trim());
    expect(started, printed.join('')).not.toBeNull();
    expect(waiting, printed.join('')).not.toBeNull();
    expect(sfn.executions.map((execution) => execution.executionArn)).toEqual([started?.[1]]);
    await expect(builds.get({ repo: 'myapp', env: 'prd', sk: started?.[2] ?? '' })).resolves.toMatchObject({ status: 'IN_PROGRESS', executionArn: started?.[1] });
    // The second build waits for the first.
    expect(waiting?.[1]).toBe(started?.[2]);
  }, 120_000);

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

/**
 * A host application's own container: it loads the package's modules, rebinds
 * the clock before the first get, and triggers a build in memory. `sync` names
 * the synchronous calls of the inversify major the host runs.
 */
function hostContainer(sync: { load: string; rebind: string }): string[] {
  return [
    "import { Container } from 'inversify';",
    "import { TOKENS, TriggerBuildService, orchestratorModule } from '@aws-deployer/orchestrator';",
    "import { InMemoryBuildRepository, ManualClock, inMemoryModule } from '@aws-deployer/orchestrator/testing';",
    'const builds = new InMemoryBuildRepository();',
    'const container = new Container();',
    `container.${sync.load}(inMemoryModule({ builds }), orchestratorModule);`,
    `container.${sync.rebind}(TOKENS.Clock).toConstantValue(new ManualClock(new Date('2031-03-04T05:06:07Z')));`,
    "const build = await builds.create({ repo: 'myapp', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy', branch: 'main', version: '1.2.3', commitHash: 'abc123' });",
    "await container.get(TriggerBuildService).trigger(build, { s3Bucket: 'my-artifacts-bucket' });",
    'const started = await builds.get(build);',
    'const result: Record<string, unknown> = { status: started?.status, updatedAt: started?.updatedAt.toISOString() };',
  ];
}

const HOST_RESULT = { status: 'IN_PROGRESS', updatedAt: '2031-03-04T05:06:07.000Z' };

describe('a host application that loads the modules into its own inversify container', () => {
  it(`runs README's "Your own inversify container" blocks as written, on inversify ${INVERSIFY_VERSIONS.latest}`, async () => {
    const [withAwsModules, inTests] = await readmeBlocks('### Your own inversify container');
    await project.write('readme-host.ts', `${withAwsModules}\nconsole.log(typeof trigger.trigger);\n`);
    await project.write('readme-host-test.ts', inTests ?? '');
    await project.write(
      'tsconfig.readme-host.json',
      JSON.stringify({ compilerOptions: compilerOptions({ module: 'nodenext', outDir: 'build' }), files: ['readme-host.ts', 'readme-host-test.ts'] }),
    );
    await expect(project.typecheck('tsconfig.readme-host.json')).resolves.toBe('');
    const env = { ...process.env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
    expect((await project.node(['build/readme-host.js'], env)).trim()).toBe('function');
    expect((await project.node(['build/readme-host-test.js'])).trim()).toBe('2026-01-01T00:00:00.000Z');
  });

  it(`on inversify ${INVERSIFY_VERSIONS.latest}, as ESM: typechecks (nodenext, bundler) and uses the rebound clock`, async () => {
    await project.write('host.ts', [...hostContainer({ load: 'load', rebind: 'rebind' }), 'process.stdout.write(JSON.stringify(result));', ''].join('\n'));
    await project.write('tsconfig.host.json', JSON.stringify({ compilerOptions: compilerOptions({ module: 'nodenext', outDir: 'build' }), files: ['host.ts'] }));
    await project.write(
      'tsconfig.host-bundler.json',
      JSON.stringify({ compilerOptions: compilerOptions({ module: 'preserve', moduleResolution: 'bundler', noEmit: true }), files: ['host.ts'] }),
    );
    await expect(project.typecheck('tsconfig.host-bundler.json')).resolves.toBe('');
    await expect(project.typecheck('tsconfig.host.json')).resolves.toBe('');
    expect(JSON.parse(await project.node(['build/host.js']))).toEqual(HOST_RESULT);
  });

  it(`on inversify ${INVERSIFY_VERSIONS.previous}, as CommonJS under node16: typechecks, uses the rebound clock, and finds the ESM copy's bindings`, async () => {
    const host = await anAdoptingProject(packed, INVERSIFY_VERSIONS.previous);
    try {
      const body = hostContainer({ load: 'loadSync', rebind: 'rebindSync' });
      const imports = body.filter((line) => line.startsWith('import '));
      await host.write(
        'host.cts',
        [
          ...imports,
          'export async function main(): Promise<string> {',
          ...body.filter((line) => !line.startsWith('import ')),
          // The ESM copy of the package: its tokens are the same Symbol.for keys, so it finds this container's services.
          "  const esm = await import('@aws-deployer/orchestrator');",
          '  result.sameServiceFromTheEsmCopy = container.get(esm.TOKENS.TriggerBuildService) === container.get(TOKENS.TriggerBuildService);',
          '  return JSON.stringify(result);',
          '}',
          '',
        ].join('\n'),
      );
      await host.write('tsconfig.json', JSON.stringify({ compilerOptions: compilerOptions({ module: 'node16', outDir: 'build' }), files: ['host.cts'] }));
      await expect(host.typecheck('tsconfig.json')).resolves.toBe('');
      const printed = await host.node(['-e', "require('./build/host.cjs').main().then((json) => process.stdout.write(json))"]);
      expect(JSON.parse(printed)).toEqual({ ...HOST_RESULT, sameServiceFromTheEsmCopy: true });
    } finally {
      await host.remove();
    }
  });
});
