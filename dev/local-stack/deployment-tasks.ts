import type { UpdateBuildStatusHandler } from '../../src/lambda.js';
import { invocationContext } from '../lambda-context.js';
import type { TaskHandler } from './asl-runner.js';
import type { CloudFormationStandIn } from './cloudformation-stand-ins.js';
import { DEPLOYMENT_TASKS } from './deployment-definition.js';

export interface DeploymentTaskDeps {
  readonly cloudFormation: CloudFormationStandIn;
  /** The real update-build-status Lambda handler. */
  readonly updateBuildStatus: UpdateBuildStatusHandler;
}

/**
 * The local handlers of the deployment workflow's Task states: the
 * CloudFormation steps go to the stand-in, the status reports to the same
 * update-build-status handler that runs in Lambda.
 */
export function deploymentTasks(deps: DeploymentTaskDeps): Record<string, TaskHandler> {
  return {
    [DEPLOYMENT_TASKS.deployStack]: async (input) => deps.cloudFormation.deployStack(input),
    [DEPLOYMENT_TASKS.describeStack]: async (input) => deps.cloudFormation.describeStack(input),
    [DEPLOYMENT_TASKS.describeSettlingStack]: async (input) => deps.cloudFormation.describeStack(input),
    // Each report is an invocation of its own, as the state machine's lambda:invoke makes it.
    [DEPLOYMENT_TASKS.reportSuccess]: (input) => deps.updateBuildStatus(input, invocationContext('aws-deployer-update-build-status')),
    [DEPLOYMENT_TASKS.reportFailure]: (input) => deps.updateBuildStatus(input, invocationContext('aws-deployer-update-build-status')),
  };
}
