import type { Duration } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing, type IDestination } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { grantsOf, type LambdaFunctionName, type PermissionResourceArns } from '../adapters/driving/lambda/permissions.js';
import { BUNDLE_HANDLER } from './handler-facts.js';
import { functionBundleDirectory } from './shipped-bundles.js';

export interface BundledFunctionProps {
  readonly functionName: LambdaFunctionName;
  readonly bundlesDirectory: string;
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  readonly tracing: boolean;
  /** The ARNs its permissions name; its own log group's is added here. */
  readonly resources: Omit<PermissionResourceArns, 'log-group'>;
  /** Asynchronous invocations: retries after a failed one (Lambda's default 2). */
  readonly retryAttempts?: number;
  /** Asynchronous invocations: where a record of the ones that kept failing goes. */
  readonly onFailure?: IDestination;
}

/**
 * One of the package's Lambda functions from its shipped bundle
 * (`nodejs22.x`, arm64), with a log group and a role of its own that holds
 * exactly the function's permissions (src/adapters/driving/lambda/permissions.ts):
 * no managed policy, no wildcard action.
 */
export class BundledFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `The ${props.functionName} function of @aws-deployer/orchestrator`,
    });
    for (const grant of grantsOf(props.functionName, { ...props.resources, 'log-group': this.logGroup.logGroupArn })) {
      this.role.addToPrincipalPolicy(new PolicyStatement({ sid: grant.sid, actions: [...grant.actions], resources: [grant.resourceArn] }));
    }
    this.function = new LambdaFunction(this, 'Function', {
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
  }
}

