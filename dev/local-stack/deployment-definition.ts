import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `state-machine/deployment.asl.json`: the deployment workflow as deployed to AWS. */
export const DEPLOYMENT_DEFINITION_PATH = join(dirname(fileURLToPath(import.meta.url)), '../../state-machine/deployment.asl.json');

/** The Task states of the workflow, by the job each one does. */
export const DEPLOYMENT_TASKS = {
  deployStack: 'DeployStack',
  describeStack: 'DescribeStack',
  /** The same describe-stack function, on the failure path: waits for a stack to settle before the failure is reported. */
  describeSettlingStack: 'DescribeSettlingStack',
  reportSuccess: 'ReportSuccess',
  reportFailure: 'ReportFailure',
} as const;

/** The Wait state between two looks at the stack. */
export const STACK_POLL_WAIT_STATE = 'WaitForStack';

/** The Wait state between two looks at a stack the failure path waits on to settle. */
export const SETTLE_WAIT_STATE = 'WaitForSettle';

/** The `${...}` placeholders of the definition (CloudFormation `DefinitionSubstitutions`). */
export type DeploymentSubstitutions = {
  readonly 'AWS::Region': string;
  readonly 'AWS::AccountId': string;
  readonly DeployStackFunctionName: string;
  readonly DescribeStackFunctionName: string;
  readonly UpdateBuildStatusFunctionName: string;
};

/** What the local stack substitutes: the account and region of the local Step Functions endpoint. */
export const LOCAL_SUBSTITUTIONS: DeploymentSubstitutions = {
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  DeployStackFunctionName: 'aws-deployer-deploy-stack',
  DescribeStackFunctionName: 'aws-deployer-describe-stack',
  UpdateBuildStatusFunctionName: 'aws-deployer-update-build-status',
};

/** The definition's text exactly as it is in the repository (placeholders included). */
export function readDeploymentDefinitionText(path: string = DEPLOYMENT_DEFINITION_PATH): string {
  return readFileSync(path, 'utf8');
}

/**
 * The definition with its placeholders replaced, as CloudFormation would
 * deploy it.
 *
 * @throws Error naming any placeholder left without a value.
 */
export function substituteDefinition(text: string, substitutions: DeploymentSubstitutions = LOCAL_SUBSTITUTIONS): string {
  const values: Readonly<Record<string, string>> = substitutions;
  const missing = new Set<string>();
  const result = text.replace(/\$\{([^}]+)\}/g, (placeholder, name: string) => {
    const value = values[name];
    if (value === undefined) missing.add(name);
    return value ?? placeholder;
  });
  if (missing.size > 0) throw new Error(`No value for the definition placeholder(s): ${[...missing].join(', ')}`);
  return result;
}
