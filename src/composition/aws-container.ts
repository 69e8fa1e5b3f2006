import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ServiceContainer } from './service-container.js';
import { DynamoDbBuildRepository } from '../adapters/driven/dynamodb/dynamodb-build-repository.js';
import { SfnExecutionInspector } from '../adapters/driven/sfn/sfn-execution-inspector.js';
import { SfnExecutionStarter } from '../adapters/driven/sfn/sfn-execution-starter.js';
import { createContainer, type ContainerOptions } from './container.js';

/**
 * What traces an AWS SDK v3 client: Powertools Tracer (`new Tracer()` from
 * `@aws-lambda-powertools/tracer`) is one.
 */
export interface AwsClientTracer {
  /** Returns the client, its calls now traced (Powertools: as X-Ray subsegments). */
  captureAWSv3Client<T>(client: T): T;
}

/** The table and state machine to use, how to reach them, and `createContainer`'s clock and logger. */
export interface AwsContainerOptions extends Pick<ContainerOptions, 'clock' | 'logger'> {
  /** The builds table. */
  readonly tableName: string;
  /** The STANDARD deployment state machine. */
  readonly stateMachineArn: string;
  /** The table's status index (default `status-updated_at-index`). */
  readonly statusIndexName?: string | undefined;
  /** Defaults to the SDK's region resolution (`AWS_REGION`, profile...). */
  readonly region?: string | undefined;
  /** Overrides for local endpoints (DynamoDB Local, a local Step Functions). */
  readonly dynamodbEndpoint?: string | undefined;
  readonly stepFunctionsEndpoint?: string | undefined;
  /** Traces every DynamoDB and Step Functions call of the container (`tracer.captureAWSv3Client` on both clients). */
  readonly tracer?: AwsClientTracer | undefined;
}

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
  // The SDK's client configuration types refuse an explicit `undefined`: leave the unset ones out.
  const region = options.region === undefined ? {} : { region: options.region };
  // The document client made `from` the DynamoDB client shares its middleware stack, so its calls are traced too.
  const traced = <T>(client: T): T => options.tracer?.captureAWSv3Client(client) ?? client;
  const dynamodb = traced(
    new DynamoDBClient({
      ...region,
      ...(options.dynamodbEndpoint === undefined ? {} : { endpoint: options.dynamodbEndpoint }),
    }),
  );
  const stepFunctions = traced(
    new SFNClient({
      ...region,
      ...(options.stepFunctionsEndpoint === undefined ? {} : { endpoint: options.stepFunctionsEndpoint }),
    }),
  );
  return createContainer({
    buildRepository: new DynamoDbBuildRepository({
      client: DynamoDBDocumentClient.from(dynamodb),
      tableName: options.tableName,
      statusIndexName: options.statusIndexName,
      logger: options.logger,
    }),
    executionStarter: new SfnExecutionStarter({ client: stepFunctions, stateMachineArn: options.stateMachineArn }),
    executionInspector: new SfnExecutionInspector({ client: stepFunctions, stateMachineArn: options.stateMachineArn }),
    clock: options.clock,
    logger: options.logger,
  });
}
