// An AWS CDK app that puts the TypeScript orchestrator onto an existing AWS
// Deployer: the Go deployer's builds table and state machine are imported and
// never changed. docs/deploy.md walks through replacing the Go functions with it.
//
// It starts no build unless told to (-c startBuilds=true): the Go deployer's
// trigger-build may still read the table's stream, and two consumers start
// every build twice. Deploy it as it is first, then with startBuilds=true once
// the Go mapping is disabled (docs/deploy.md, "Switching from the Go deployer").
//
// With the AWS CDK CLI, the context on the command line:
//   cdk deploy --app "npx tsx examples/cdk/orchestrator-app.ts" -c deployerEnv=prd \
//     -c buildsTableStreamArn=arn:aws:dynamodb:... -c stateMachineArn=arn:aws:states:... \
//     -c artifactsBucketName=... [-c alarmTopicArn=arn:aws:sns:...] [-c startBuilds=true] \
//     [-c updateBuildStatusFunctionName=prd-aws-deployer-ts-update-build-status] [-c api=true]
// Without it, synthesize into cdk.out with the context as JSON:
//   CDK_OUTDIR=cdk.out CDK_CONTEXT_JSON='{"deployerEnv":"prd",...}' npx tsx examples/cdk/orchestrator-app.ts
import { pathToFileURL } from 'node:url';
import { App, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
// In your own app: import { BuildOrchestrator } from '@aws-deployer/orchestrator/cdk';
import { BuildOrchestrator } from '../../src/cdk/index.js';
import { ValidationError } from '../../src/index.js';

/** What the app must know of the deployer it joins. */
export interface ExistingDeployer {
  /** The deployer's environment (`prd`...): its builds table is `{deployerEnv}-aws-deployer--builds`. */
  readonly deployerEnv: string;
  /** The table's stream: `aws dynamodb describe-table --table-name TABLE --query Table.LatestStreamArn`. */
  readonly buildsTableStreamArn: string;
  /** The deployment state machine (STANDARD). */
  readonly stateMachineArn: string;
  readonly artifactsBucketName: string;
  /** The SNS topic the alarms notify, if any. */
  readonly alarmTopicArn?: string;
  /** `false` (the default) while the Go trigger-build still consumes the stream (docs/deploy.md). */
  readonly startBuilds: boolean;
  /**
   * The name of the new update-build-status function, if it needs one: a name
   * the Go stack's state machine role may invoke (`{deployerEnv}-aws-deployer-*`).
   */
  readonly updateBuildStatusFunctionName?: string;
  /** The HTTP API of manual deployments, with its defaults (docs/deploy.md, "The HTTP API"); none by default. */
  readonly api?: boolean;
}

export interface OrchestratorStackProps extends StackProps {
  readonly deployer: ExistingDeployer;
  /** Where the Lambda bundles are; the ones the package ships by default. */
  readonly bundlesDirectory?: string;
}

/** The orchestrator's stack, beside the Go deployer's. */
export class OrchestratorStack extends Stack {
  readonly orchestrator: BuildOrchestrator;

  constructor(scope: Construct, id: string, props: OrchestratorStackProps) {
    super(scope, id, props);
    const { deployer } = props;
    this.orchestrator = new BuildOrchestrator(this, 'Orchestrator', {
      table: Table.fromTableAttributes(this, 'Builds', {
        tableName: `${deployer.deployerEnv}-aws-deployer--builds`,
        tableStreamArn: deployer.buildsTableStreamArn,
      }),
      stateMachine: StateMachine.fromStateMachineArn(this, 'Deployment', deployer.stateMachineArn),
      artifactsBucket: Bucket.fromBucketName(this, 'Artifacts', deployer.artifactsBucketName),
      startBuilds: deployer.startBuilds,
      ...(deployer.updateBuildStatusFunctionName === undefined ? {} : { functionNames: { 'update-build-status': deployer.updateBuildStatusFunctionName } }),
      ...(deployer.alarmTopicArn === undefined ? {} : { alarmTopic: Topic.fromTopicArn(this, 'AlarmTopic', deployer.alarmTopicArn) }),
      ...(deployer.api === true ? { api: true } : {}),
      ...(props.bundlesDirectory === undefined ? {} : { bundlesDirectory: props.bundlesDirectory }),
    });
    // What the switch needs from this stack (docs/deploy.md).
    new CfnOutput(this, 'UpdateBuildStatusFunctionArn', {
      description: "The state machine's callback states invoke it; its role needs lambda:InvokeFunction on it",
      value: this.orchestrator.updateBuildStatusFunction.functionArn,
    });
    new CfnOutput(this, 'UpdateBuildStatusFunctionName', {
      description: "The FunctionName of the state machine's callback states",
      value: this.orchestrator.updateBuildStatusFunction.functionName,
    });
    new CfnOutput(this, 'TriggerBuildEventSourceMappingId', {
      description: 'The stream mapping of trigger-build (aws lambda update-event-source-mapping --uuid ...)',
      value: this.orchestrator.triggerBuildEventSource.eventSourceMappingId,
    });
    new CfnOutput(this, 'TriggerBuildFailureQueueUrl', { value: this.orchestrator.triggerBuildFailureQueue.queueUrl });
    new CfnOutput(this, 'ExecutionEventsDeadLetterQueueUrl', { value: this.orchestrator.executionEventsDeadLetterQueue.queueUrl });
    if (this.orchestrator.dashboard !== undefined) new CfnOutput(this, 'DashboardName', { value: this.orchestrator.dashboard.dashboardName });
    if (this.orchestrator.apiUrl !== undefined) {
      new CfnOutput(this, 'ApiUrl', { description: 'The HTTP API; callers sign with SigV4 and need execute-api:Invoke on its routes', value: this.orchestrator.apiUrl });
    }
  }
}

/**
 * The deployer, from the app's CDK context.
 *
 * @throws ValidationError naming the context key that is missing.
 */
export function deployerFromContext(app: App): ExistingDeployer {
  const required = (key: string): string => {
    const value: unknown = app.node.tryGetContext(key);
    if (typeof value !== 'string' || value.length === 0) throw new ValidationError(key, `is missing: give it with -c ${key}=...`);
    return value;
  };
  const optional = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const alarmTopicArn = optional('alarmTopicArn');
  const updateBuildStatusFunctionName = optional('updateBuildStatusFunctionName');
  return {
    deployerEnv: required('deployerEnv'),
    buildsTableStreamArn: required('buildsTableStreamArn'),
    stateMachineArn: required('stateMachineArn'),
    artifactsBucketName: required('artifactsBucketName'),
    ...(alarmTopicArn === undefined ? {} : { alarmTopicArn }),
    ...(updateBuildStatusFunctionName === undefined ? {} : { updateBuildStatusFunctionName }),
    startBuilds: startBuildsFromContext(app.node.tryGetContext('startBuilds')),
    ...(flagFromContext('api', app.node.tryGetContext('api')) ? { api: true } : {}),
  };
}

/**
 * `-c api=...`: `true` or `false`, as for `startBuilds`; absent, `false`.
 *
 * @throws ValidationError naming `api` for any other value.
 */
function flagFromContext(key: string, value: unknown): boolean {
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new ValidationError(key, `must be true or false, not ${JSON.stringify(value)}`);
}

/**
 * `-c startBuilds=...`: `true` or `false` (a string on the command line, a
 * boolean in cdk.json); absent, `false`, the safe side while another
 * trigger-build may read the stream.
 *
 * @throws ValidationError naming `startBuilds` for any other value.
 */
function startBuildsFromContext(value: unknown): boolean {
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new ValidationError('startBuilds', `must be true or false, not ${JSON.stringify(value)}: give it with -c startBuilds=true once the Go trigger-build's mapping is disabled`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const app = new App();
  new OrchestratorStack(app, 'AwsDeployerOrchestrator', { deployer: deployerFromContext(app) });
  app.synth();
}
