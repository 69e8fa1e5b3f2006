import type { Duration } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing, type IDestination } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  LAMBDA_PERMISSIONS,
  grantsOf,
  type LambdaFunctionName,
  type PermissionResource,
  type PermissionResourceArns,
} from '../adapters/driving/lambda/permissions.js';
import { BUNDLE_HANDLER } from './handler-facts.js';
import { KEPT_RULES, keepFinding, wildcardResourceFinding } from './security-findings.js';
import { functionBundleDirectory } from './shipped-bundles.js';

export interface BundledFunctionProps {
  readonly functionName: LambdaFunctionName;
  /** The function's own name in Lambda; CloudFormation generates one without it. */
  readonly physicalName?: string;
  readonly bundlesDirectory: string;
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  /** The customer managed key of its log group; CloudWatch Logs' own encryption without it. */
  readonly logsEncryptionKey?: IKey;
  readonly tracing: boolean;
  /** The ARNs its permissions name; its own log group's is added here. */
  readonly resources: Omit<PermissionResourceArns, 'log-group'>;
  /** The key of its failure queue, when a customer managed key encrypts it: Lambda writes there with the function's role. */
  readonly failureQueueKey?: IKey;
  /** Asynchronous invocations: retries after a failed one (Lambda's default 2). */
  readonly retryAttempts?: number;
  /** Asynchronous invocations: where a record of the ones that kept failing goes. */
  readonly onFailure?: IDestination;
}

/** Why a permission's resource has a wildcard, by the kind of resource (src/adapters/driving/lambda/permissions.ts). */
const WILDCARD_REASONS: Partial<Record<PermissionResource, (actions: readonly string[]) => string>> = {
  any: (actions) =>
    `${actions.join(', ')} has no resource type in the Service Authorization Reference, so it can only be granted on "*"; ` +
    "Lambda's stream poller calls it with the function's role to find the table's stream, and it reads no item.",
  executions: (actions) =>
    `${actions.join(', ')} on the executions of the deployment state machine alone (execution:{stateMachine}:*): an ` +
    'execution is named after its build ({repo}-{env}-{sk}), unknown before the build exists, so the wildcard is its name; ' +
    'it spans no other state machine and no other action.',
};

const XRAY_REASON =
  'xray:PutTraceSegments and xray:PutTelemetryRecords (the tracing prop) have no resource type, so X-Ray active tracing ' +
  'can only be granted on "*"; they send trace data and read nothing.';

const RUNTIME_REASON =
  'nodejs22.x is a supported Lambda runtime (Node.js 22 LTS); the bundles this package ships are built for it (esbuild ' +
  'target node22) and tested on it. Moving to a newer runtime is a release of this package, tested like any other.';

/**
 * One of the package's Lambda functions from its shipped bundle
 * (`nodejs22.x`, arm64), with a log group and a role of its own that holds
 * exactly the function's permissions (src/adapters/driving/lambda/permissions.ts):
 * no managed policy, no wildcard action. The security findings it keeps are
 * recorded with their reasons (security-findings.ts).
 */
export class BundledFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      ...(props.logsEncryptionKey === undefined ? {} : { encryptionKey: props.logsEncryptionKey }),
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `The ${props.functionName} function of @aws-deployer/orchestrator`,
    });
    const grants = grantsOf(props.functionName, { ...props.resources, 'log-group': this.logGroup.logGroupArn });
    const wildcards = new Map<string, string[]>();
    grants.forEach((grant, index) => {
      this.role.addToPrincipalPolicy(new PolicyStatement({ sid: grant.sid, actions: [...grant.actions], resources: [grant.resourceArn] }));
      const finding = wildcardResourceFinding(this.role, grant.resourceArn);
      const reason = WILDCARD_REASONS[LAMBDA_PERMISSIONS[props.functionName][index]?.resource ?? 'table'];
      if (finding !== undefined) wildcards.set(finding, [...(wildcards.get(finding) ?? []), reason?.(grant.actions) ?? `${grant.sid}.`]);
    });
    if (props.failureQueueKey !== undefined) {
      // SQS encrypts a message with a data key of the queue's key, generated with the sender's credentials
      // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ sid: 'EncryptFailureRecords', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.failureQueueKey.keyArn] }),
      );
    }
    this.function = new LambdaFunction(this, 'Function', {
      ...(props.physicalName === undefined ? {} : { functionName: props.physicalName }),
      description: `${props.functionName} (@aws-deployer/orchestrator)`,
      code: Code.fromAsset(functionBundleDirectory(props.bundlesDirectory, props.functionName)),
      handler: BUNDLE_HANDLER,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: props.environment,
      ...(props.tracing ? { tracing: Tracing.ACTIVE } : {}),
      ...(props.retryAttempts === undefined ? {} : { retryAttempts: props.retryAttempts }),
      ...(props.onFailure === undefined ? {} : { onFailure: props.onFailure }),
    });
    // Active tracing added the X-Ray daemon's two calls to the role, on "*".
    if (props.tracing) wildcards.set(`${KEPT_RULES.wildcardPermissions}[Resource::*]`, [...(wildcards.get(`${KEPT_RULES.wildcardPermissions}[Resource::*]`) ?? []), XRAY_REASON]);
    for (const [finding, reasons] of wildcards) keepFinding(this.role, finding, reasons.join(' '));
    keepFinding(this.function, KEPT_RULES.notTheLatestRuntime, RUNTIME_REASON);
  }
}
