// docs/deploy.md's policy that lets a role deploy to dev but not to prd,
// read from the page and evaluated offline by an IAM policy simulator
// (@cloud-copilot/iam-simulate) against the ARNs of the construct's routes:
// every POST route on dev allowed, on prd denied, every GET allowed.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildOrchestrator } from '../../src/cdk/index.js';
import { jsonBlocksOf, readDoc, sectionOf } from '../docs/markdown-sections.js';
import { someBundleDirectories, type BundleDirectories } from './support/bundle-directories.js';
import { anAppInATemporaryDirectory, resourcesOf } from './support/template-reading.js';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const API_ID = 'a1b2c3d4e5';
const STAGE = '$default';
const CALLER = `arn:aws:iam::${ACCOUNT}:role/dev-deployer`;
const SK = '2HFj3kLmNoPqRsTuVwXyZaBcDeF';

type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

interface PolicyDocument {
  readonly Version: string;
  readonly Statement: ReadonlyArray<{ readonly Sid?: string; readonly Effect: string; readonly Action: string; readonly Resource: string }>;
}

let bundles: BundleDirectories;
let removeApp: () => void;
/** The construct's route keys (`POST /repos/{repo}/envs/{env}/rollback`...), from its template. */
let routeKeys: string[];
let policy: PolicyDocument;

beforeAll(() => {
  bundles = someBundleDirectories();
  const { app, remove } = anAppInATemporaryDirectory();
  removeApp = remove;
  const stack = new Stack(app, 'Deployer', { env: { account: ACCOUNT, region: REGION } });
  new BuildOrchestrator(stack, 'Orchestrator', {
    table: Table.fromTableAttributes(stack, 'Builds', {
      tableName: 'prd-aws-deployer--builds',
      tableStreamArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/prd-aws-deployer--builds/stream/2026-01-01T00:00:00.000`,
    }),
    stateMachine: StateMachine.fromStateMachineArn(stack, 'Deployment', `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:deployment`),
    artifactsBucket: Bucket.fromBucketName(stack, 'Artifacts', 'prd-aws-deployer-artifacts'),
    startBuilds: true,
    api: true,
    bundlesDirectory: bundles.path,
  });
  routeKeys = Object.values(resourcesOf(Template.fromStack(stack)))
    .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
    .map((route) => String(route.Properties.RouteKey));

  const [block] = jsonBlocksOf(sectionOf(sectionOf(readDoc('docs/deploy.md'), '## The HTTP API'), '### Who may deploy where'));
  const text = JSON.stringify(block).replace(/\bREGION\b/g, REGION).replace(/\bACCOUNT\b/g, ACCOUNT).replace(/\bAPI_ID\b/g, API_ID);
  policy = JSON.parse(text) as PolicyDocument;
}, 60_000);

afterAll(() => {
  removeApp();
  bundles.remove();
});

/** The ARN API Gateway authorizes a request with: `{api-id}/{stage}/{METHOD}/{path}`. */
function arnOf(method: string, path: string): string {
  return `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${STAGE}/${method}${path}`;
}

/** A route key's request on `env`, its path parameters filled in (each one path segment). */
function requestOf(routeKey: string, env: string, repo = 'myapp'): { method: string; path: string } {
  const [method = '', template = ''] = routeKey.split(' ');
  const values: Record<string, string> = { repo, env, sk: SK };
  return { method, path: template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? name) };
}

/** What IAM decides on `execute-api:Invoke` of `arn` for a caller holding the docs' policy. */
async function decisionOn(arn: string): Promise<Decision> {
  const result = await runSimulation(
    {
      identityPolicies: [{ name: 'dev-deployer', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // HTTP APIs take no resource policy: the caller's own policies decide.
      resourcePolicy: undefined,
      request: {
        principal: CALLER,
        action: 'execute-api:Invoke',
        resource: { resource: arn, accountId: ACCOUNT },
        contextVariables: {},
      },
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`The simulator refused the request: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

const postRoutes = () => routeKeys.filter((key) => key.startsWith('POST '));
const getRoutes = () => routeKeys.filter((key) => key.startsWith('GET '));

describe("docs/deploy.md's policy for a role that deploys to dev but not to prd", { timeout: 30_000 }, () => {
  it('is read from the page, and the construct has the routes it speaks of', () => {
    expect(policy.Statement.map((statement) => statement.Sid)).toEqual(['ReadEveryEnvironment', 'DeployToDev', 'NeverDeployToPrd']);
    expect(postRoutes()).toEqual(
      expect.arrayContaining([
        'POST /repos/{repo}/envs/{env}/builds/{sk}/redeploy',
        'POST /repos/{repo}/envs/{env}/builds/{sk}/redrive',
        'POST /repos/{repo}/envs/{env}/builds/{sk}/cancel',
        'POST /repos/{repo}/envs/{env}/rollback',
      ]),
    );
    expect(postRoutes()).toHaveLength(4);
  });

  it('allows POST .../envs/dev/builds/{sk}/redeploy and denies POST .../envs/prd/builds/{sk}/redeploy', async () => {
    await expect(decisionOn(arnOf('POST', `/repos/myapp/envs/dev/builds/${SK}/redeploy`))).resolves.toBe('Allowed');
    await expect(decisionOn(arnOf('POST', `/repos/myapp/envs/prd/builds/${SK}/redeploy`))).resolves.toBe('ExplicitlyDenied');
  });

  it('allows every POST route of the construct on dev, and denies each on prd', async () => {
    for (const routeKey of postRoutes()) {
      const onDev = requestOf(routeKey, 'dev');
      const onPrd = requestOf(routeKey, 'prd');

      expect(await decisionOn(arnOf(onDev.method, onDev.path)), `${routeKey} on dev`).toBe('Allowed');
      expect(await decisionOn(arnOf(onPrd.method, onPrd.path)), `${routeKey} on prd`).toBe('ExplicitlyDenied');
    }
  });

  it('allows every GET route of the construct, on any environment', async () => {
    for (const routeKey of getRoutes()) {
      for (const env of ['dev', 'prd']) {
        const { method, path } = requestOf(routeKey, env);
        expect(await decisionOn(arnOf(method, path)), `${routeKey} on ${env}`).toBe('Allowed');
      }
    }
  });

  it('denies prd to a repo whose name holds /envs/dev/, and what no route names', async () => {
    const trick = requestOf('POST /repos/{repo}/envs/{env}/rollback', 'prd', 'a/envs/dev/b');

    await expect(decisionOn(arnOf(trick.method, trick.path))).resolves.toBe('ExplicitlyDenied');
    await expect(decisionOn(arnOf('POST', '/repos/myapp/envs/stg/rollback'))).resolves.toBe('ImplicitlyDenied');
    await expect(decisionOn(arnOf('DELETE', `/repos/myapp/envs/dev/builds/${SK}`))).resolves.toBe('ImplicitlyDenied');
    await expect(decisionOn(arnOf('PUT', '/repos/myapp/envs/dev/rollback'))).resolves.toBe('ImplicitlyDenied');
  });
});
