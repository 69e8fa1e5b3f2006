import { createAwsAdapters, createAwsClients, createAwsManualDeploymentAdapters, type AwsAdapterOptions } from './aws-adapters.js';
import { createContainer, type ContainerOptions } from './container.js';
import type { ServiceContainer } from './service-container.js';

export type { AwsClientTracer } from './aws-adapters.js';

/** The table and state machine to use, how to reach them, and `createContainer`'s clock and logger. */
export interface AwsContainerOptions extends AwsAdapterOptions, Pick<ContainerOptions, 'clock' | 'logger' | 'concurrency'> {}

/**
 * The container on real AWS clients, as the Lambda handlers and the CLI use
 * it: DynamoDB repository, Step Functions starter and inspector. Build it
 * once per process.
 *
 * @example
 * ```ts
 * const container = createAwsContainer({
 *   tableName: 'prd-aws-deployer--builds',
 *   stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:deployment',
 * });
 * ```
 */
export function createAwsContainer(options: AwsContainerOptions): ServiceContainer {
  const clients = createAwsClients(options);
  return createContainer({
    ...createAwsAdapters(options, clients),
    ...createAwsManualDeploymentAdapters(options, clients),
    clock: options.clock,
    logger: options.logger,
    concurrency: options.concurrency,
  });
}
