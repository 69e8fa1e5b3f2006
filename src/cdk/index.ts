/**
 * `@aws-deployer/orchestrator/cdk`: the AWS CDK constructs that deploy the
 * orchestrator's Lambda functions onto an existing AWS Deployer
 * (docs/deploy.md). Needs `aws-cdk-lib` 2 and `constructs` 10 (optional peer
 * dependencies); nothing else in the package loads them.
 */
export { BuildOrchestrator } from './build-orchestrator.js';
export type { BuildOrchestratorProps, OrchestratorApiProps } from './build-orchestrator-props.js';
export { BuildsTable, type BuildsTableProps } from './builds-table.js';
export { shippedBundlesDirectory } from './shipped-bundles.js';
export { LAMBDA_FUNCTIONS, type LambdaFunctionName } from '../adapters/driving/lambda/permissions.js';
