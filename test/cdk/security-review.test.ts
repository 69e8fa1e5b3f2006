// The construct passes cdk-nag's AWS Solutions pack: what it creates raises no
// finding but those it keeps, and it keeps each with its reason, recorded with
// aws-cdk-lib's own Validations.acknowledge (the construct does not load
// cdk-nag, a development dependency). Run on the example app's stack (imported
// table and state machine, builds started) and on a new table with every hook
// a reviewer asks for (tracing, keys, a permissions boundary, function names)
// and the HTTP API.
import { Duration, Stack, Validations, type PolicyViolation } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ManagedPolicy, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployerFromContext, OrchestratorStack } from '../../examples/cdk/orchestrator-app.js';
import { BuildOrchestrator, BuildsTable } from '../../src/cdk/index.js';
import { someBundleDirectories, type BundleDirectories } from './support/bundle-directories.js';
import { anAppInATemporaryDirectory } from './support/template-reading.js';

const EXAMPLE_CONTEXT = {
  deployerEnv: 'prd',
  buildsTableStreamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/prd-aws-deployer--builds/stream/2026-01-01T00:00:00.000',
  stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:prd-aws-deployer-deployment',
  artifactsBucketName: 'prd-aws-deployer-artifacts',
  alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:deployments-on-call',
  startBuilds: 'true',
  updateBuildStatusFunctionName: 'prd-aws-deployer-ts-update-build-status',
};

const EXECUTIONS = 'AwsSolutions-IAM5[Resource::arn:aws:states:eu-west-1:123456789012:execution:prd-aws-deployer-deployment:*]';

let bundles: BundleDirectories;
let apps: Array<ReturnType<typeof anAppInATemporaryDirectory>>;
let example: BuildOrchestrator;
let hooked: BuildOrchestrator;

beforeAll(() => {
  bundles = someBundleDirectories();
  const exampleApp = anAppInATemporaryDirectory(EXAMPLE_CONTEXT);
  example = new OrchestratorStack(exampleApp.app, 'AwsDeployerOrchestrator', {
    deployer: deployerFromContext(exampleApp.app),
    bundlesDirectory: bundles.path,
  }).orchestrator;

  const hookedApp = anAppInATemporaryDirectory();
  const stack = new Stack(hookedApp.app, 'NewDeployer');
  const builds = new BuildsTable(stack, 'Builds');
  hooked = new BuildOrchestrator(stack, 'Orchestrator', {
    table: builds.table as ITable,
    stateMachine: new StateMachine(stack, 'Deployment', { definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Deploy')) }),
    artifactsBucket: new Bucket(stack, 'Artifacts') as IBucket,
    tracing: true,
    encryptionKey: new Key(stack, 'QueueKey', { enableKeyRotation: true }),
    logsEncryptionKey: new Key(stack, 'LogsKey', { enableKeyRotation: true }),
    permissionsBoundary: new ManagedPolicy(stack, 'Boundary', {
      document: new PolicyDocument({ statements: [new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: ['*'] })] }),
    }),
    functionNames: { 'update-build-status': 'dev-aws-deployer-ts-update-build-status' },
    sweeperStoppedAlarmPeriod: Duration.minutes(20),
    api: true,
    bundlesDirectory: bundles.path,
  });
  apps = [exampleApp, hookedApp];
});

afterAll(() => {
  for (const app of apps) app.remove();
  bundles.remove();
});

/** The pack's violations on resources of `orchestrator` (the app's own resources are the app's to review). */
function violationsIn(orchestrator: BuildOrchestrator): Array<{ rule: string; severity: string; resource: string }> {
  const report = new AwsSolutionsChecks().validateScope(Stack.of(orchestrator));
  return report.violations.flatMap((violation: PolicyViolation) =>
    violation.violatingResources
      .filter((resource) => resource.constructPath?.startsWith(`${orchestrator.node.path}/`) ?? false)
      .map((resource) => ({ rule: violation.ruleName, severity: violation.severity ?? '', resource: resource.constructPath ?? '' })),
  );
}

/** Every finding the construct keeps: rule id (prefix dropped), reason and the path it is recorded on. */
function keptFindings(orchestrator: BuildOrchestrator): Array<{ id: string; reason: string; path: string }> {
  return orchestrator.node.findAll().flatMap((construct: IConstruct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^annotation::/i, ''),
          reason,
          path: construct.node.path.slice(orchestrator.node.path.length + 1),
        })),
      ),
  );
}

describe("cdk-nag's AWS Solutions checks", () => {
  it.each([
    ['the example app', () => example],
    ['a new table with tracing, keys, a permissions boundary, a function name and the HTTP API', () => hooked],
  ])('find no error nor warning the construct does not keep, on %s', (_, orchestrator) => {
    expect(violationsIn(orchestrator())).toEqual([]);
  });

  it('would find the kept findings without their reasons: the acknowledgements are in use', () => {
    // The same pack on a copy of the example app built while acknowledging does nothing.
    const bare = anAppInATemporaryDirectory({ ...EXAMPLE_CONTEXT });
    const acknowledge = Object.getOwnPropertyDescriptor(Validations.prototype, 'acknowledge');
    Object.defineProperty(Validations.prototype, 'acknowledge', { value: () => undefined, configurable: true, writable: true });
    try {
      const orchestrator = new OrchestratorStack(bare.app, 'Bare', { deployer: deployerFromContext(bare.app), bundlesDirectory: bundles.path }).orchestrator;

      expect(keptFindings(orchestrator)).toEqual([]);
      expect(new Set(violationsIn(orchestrator).map((violation) => violation.rule))).toEqual(new Set(keptFindings(example).map((finding) => finding.id)));
    } finally {
      if (acknowledge !== undefined) Object.defineProperty(Validations.prototype, 'acknowledge', acknowledge);
      bare.remove();
    }
  });

  it('keeps, on the example app, exactly the findings docs/deploy.md explains, each with its reason', () => {
    const kept = keptFindings(example);

    expect(kept.map(({ id, path }) => `${path}: ${id}`).sort()).toEqual(
      [
        'TriggerBuildFailures: AwsSolutions-SQS3',
        'ExecutionEventsDeadLetters: AwsSolutions-SQS3',
        'TriggerBuild/Role: AwsSolutions-IAM5[Resource::*]',
        `TriggerBuild/Role: ${EXECUTIONS}`,
        `ExecutionStatusChange/Role: ${EXECUTIONS}`,
        `Sweeper/Role: ${EXECUTIONS}`,
        ...['TriggerBuild', 'UpdateBuildStatus', 'ExecutionStatusChange', 'Sweeper'].map((fn) => `${fn}/Function: AwsSolutions-L1`),
      ].sort(),
    );
    for (const { reason } of kept) expect(reason.length).toBeGreaterThan(100);
    expect(kept.find(({ id }) => id === 'AwsSolutions-IAM5[Resource::*]')?.reason).toMatch(/^dynamodb:ListStreams has no resource type/);
    expect(kept.find(({ id }) => id === EXECUTIONS)?.reason).toMatch(/^states:DescribeExecution on the executions of the deployment state machine alone/);
    // Never a wildcard action: the construct keeps no Action:: finding, on any configuration.
    expect([...kept, ...keptFindings(hooked)].filter(({ id }) => id.includes('[Action::'))).toEqual([]);
  });

  it("keeps X-Ray's wildcard beside ListStreams' with tracing on, and the executions of a state machine of the same stack", () => {
    const kept = keptFindings(hooked);
    const machine = hooked.node.scope?.node.tryFindChild('Deployment') as StateMachine;
    const machineId = Stack.of(machine).getLogicalId(machine.node.defaultChild as never);

    expect(kept.filter(({ id }) => id === 'AwsSolutions-IAM5[Resource::*]').map(({ path }) => path).sort()).toEqual(
      ['ExecutionStatusChange/Role', 'HttpApi/Role', 'Sweeper/Role', 'TriggerBuild/Role', 'UpdateBuildStatus/Role'],
    );
    expect(kept.find(({ id, path }) => id === 'AwsSolutions-IAM5[Resource::*]' && path === 'TriggerBuild/Role')?.reason).toMatch(
      /dynamodb:ListStreams .* xray:PutTraceSegments and xray:PutTelemetryRecords/s,
    );
    // The state machine's ARN is a token here: cdk-nag names the finding by the template's Fn::Select/Fn::Split of its Ref.
    const executions = kept.filter(({ id }) => id.includes(':execution:'));
    expect(executions.map(({ path }) => path).sort()).toEqual(['ExecutionStatusChange/Role', 'HttpApi/Role', 'Sweeper/Role', 'TriggerBuild/Role']);
    for (const { id } of executions) expect(id).toContain(`{"Ref":"${machineId}"}`);
    // The HTTP API's role: its reads, stops and redrives of the machine's executions, in one finding.
    expect(executions.find(({ path }) => path === 'HttpApi/Role')?.reason).toMatch(
      /^states:DescribeExecution on the executions .* states:StopExecution, states:RedriveExecution on the executions/s,
    );
  });
});
