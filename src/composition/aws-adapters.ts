import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbBuildRepository } from '../adapters/driven/dynamodb/dynamodb-build-repository.js';
import { DynamoDbIdempotencyStore } from '../adapters/driven/dynamodb/dynamodb-idempotency-store.js';
import { SfnExecutionController } from '../adapters/driven/sfn/sfn-execution-controller.js';
import { SfnExecutionInspector } from '../adapters/driven/sfn/sfn-execution-inspector.js';
import { SfnExecutionStarter } from '../adapters/driven/sfn/sfn-execution-starter.js';
import type { BuildRepository, ExecutionController, ExecutionInspector, ExecutionStarter, IdempotencyStore, Logger } from '../ports/index.js';

/**
 * What traces an AWS SDK v3 client: Powertools Tracer (`new Tracer()` from
 * `@aws-lambda-powertools/tracer`) is one.
 */
export interface AwsClientTracer {
  /** Returns the client, its calls now traced (Powertools: as X-Ray subsegments). */
  captureAWSv3Client<T>(client: T): T;
}

/** The table and state machine to use and how to reach them. */
export interface AwsAdapterOptions {
  /** The builds table. */
  readonly tableName: string;
  /** The STANDARD deployment state machine. */
  readonly stateMachineArn: string;
  /**
   * The table manual deployments keep idempotency keys in (partition key
   * `id`, TTL on `expiration`; the construct's `api` creates it). Without
   * it, a request with an idempotency key is refused.
   */
  readonly idempotencyTableName?: string | undefined;
  /** The table's status index (default `status-updated_at-index`). */
  readonly statusIndexName?: string | undefined;
  /** Defaults to the SDK's region resolution (`AWS_REGION`, profile...). */
  readonly region?: string | undefined;
  /** Overrides for local endpoints (DynamoDB Local, a local Step Functions). */
  readonly dynamodbEndpoint?: string | undefined;
  readonly stepFunctionsEndpoint?: string | undefined;
  /** Traces every DynamoDB and Step Functions call of the container (`tracer.captureAWSv3Client` on both clients). */
  readonly tracer?: AwsClientTracer | undefined;
  /** Told about items the repository skips because they do not read as builds. */
  readonly logger?: Logger | undefined;
}

/** The adapters of the ports every function uses, on AWS. */
export interface AwsAdapters {
  readonly buildRepository: BuildRepository;
  readonly executionStarter: ExecutionStarter;
  readonly executionInspector: ExecutionInspector;
}

/** The adapters manual deployments add: stopping and redriving executions, and idempotency keys. */
export interface AwsManualDeploymentAdapters {
  readonly executionController: ExecutionController;
  /** Present with `idempotencyTableName`. */
  readonly idempotencyStore?: IdempotencyStore | undefined;
}

/** The SDK clients the adapters share, configured from the options (region, local endpoints, tracing). */
export interface AwsClients {
  readonly documents: DynamoDBDocumentClient;
  readonly stepFunctions: SFNClient;
}

export function createAwsClients(options: Omit<AwsAdapterOptions, 'tableName' | 'stateMachineArn'>): AwsClients {
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
  return { documents: DynamoDBDocumentClient.from(dynamodb), stepFunctions };
}

/**
 * The DynamoDB repository and the Step Functions starter and inspector, on
 * the SDK clients (new ones configured from `options` when none are given):
 * what `createAwsContainer` and the Lambda entry points build on.
 */
export function createAwsAdapters(options: AwsAdapterOptions, clients: AwsClients = createAwsClients(options)): AwsAdapters {
  return {
    buildRepository: new DynamoDbBuildRepository({
      client: clients.documents,
      tableName: options.tableName,
      statusIndexName: options.statusIndexName,
      logger: options.logger,
    }),
    executionStarter: new SfnExecutionStarter({ client: clients.stepFunctions, stateMachineArn: options.stateMachineArn }),
    executionInspector: new SfnExecutionInspector({ client: clients.stepFunctions, stateMachineArn: options.stateMachineArn }),
  };
}

/**
 * The execution controller and, with `idempotencyTableName`, the idempotency
 * store, on the same clients: apart from `createAwsAdapters`, so the
 * functions that never act on manual requests do not bundle them.
 */
export function createAwsManualDeploymentAdapters(options: AwsAdapterOptions, clients: AwsClients): AwsManualDeploymentAdapters {
  return {
    executionController: new SfnExecutionController({ client: clients.stepFunctions, stateMachineArn: options.stateMachineArn }),
    idempotencyStore:
      options.idempotencyTableName === undefined ? undefined : new DynamoDbIdempotencyStore({ client: clients.documents, tableName: options.idempotencyTableName }),
  };
}
