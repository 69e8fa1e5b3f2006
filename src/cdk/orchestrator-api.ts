import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, PayloadFormatVersion } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HTTP_API_ROUTES } from '../adapters/driving/lambda/http-api/http-api-routes.js';
import type { OrchestratorApiSettings } from './build-orchestrator-props.js';
import { IDEMPOTENCY_PARTITION_KEY, IDEMPOTENCY_TTL_ATTRIBUTE } from './handler-facts.js';

/** The stage: the API's only one, at the root of its URL. */
export const API_STAGE_NAME = '$default';

/**
 * What each access log line holds, as JSON (API Gateway fills in the
 * `$context` variables of HTTP APIs: "Customize HTTP API access logs" in the
 * API Gateway Developer Guide). Calls to the API are data events of no AWS
 * service, so no CloudTrail trail records them: these lines are the audit
 * trail. `callerArn` is the IAM ARN the request was signed with (for a role,
 * the STS session ARN, whose session name the caller chooses), `caller` its
 * principal id, and the handler records the same ARN as `requested_by`.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  requestTimeEpoch: '$context.requestTimeEpoch',
  callerArn: '$context.identity.userArn',
  caller: '$context.identity.caller',
  callerAccountId: '$context.identity.accountId',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
} as const;

export interface OrchestratorApiProps {
  readonly settings: OrchestratorApiSettings;
  /** The http-api function, which serves every route. */
  readonly handler: IFunction;
  /** The customer managed key of the access log group; CloudWatch Logs' own encryption without it. */
  readonly logsEncryptionKey?: IKey;
}

/**
 * The idempotency table of the HTTP API's manual deployments, as the
 * DynamoDB idempotency store reads it: partition key `id` (S), on demand,
 * DynamoDB's TTL on `expiration` (a record lives 24 hours), point-in-time
 * recovery as the builds table has it.
 */
export class IdempotencyTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, settings: OrchestratorApiSettings) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: IDEMPOTENCY_PARTITION_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: IDEMPOTENCY_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: settings.idempotencyTableRemovalPolicy,
    });
  }
}

/**
 * The HTTP API in front of the http-api function: every route of the
 * handler (src/adapters/driving/lambda/http-api/http-api-routes.ts) and a
 * `$default` route that sends any other request to the handler's `404`, each
 * with AWS_IAM authorization (a caller needs `execute-api:Invoke` on the
 * route's ARN); one `$default` stage, deployed automatically, throttled, its
 * access logs in a log group of its own as JSON lines naming the caller; no
 * CORS (the callers are signed SDK and CLI requests, not browsers).
 */
export class OrchestratorApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: OrchestratorApiProps) {
    super(scope, id);
    const iam = new HttpIamAuthorizer();
    const integration = new HttpLambdaIntegration('Handler', props.handler, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      // The function's own timeout (25 s) ends a hung request first.
      timeout: Duration.seconds(29),
      // One resource policy statement for the whole API: the function serves it and nothing else.
      scopePermissionToRoute: false,
    });
    this.httpApi = new HttpApi(this, 'Api', {
      description: 'Manual deployments and builds of @aws-deployer/orchestrator',
      createDefaultStage: false,
      // Every route, the $default route included, is authorized with IAM.
      defaultAuthorizer: iam,
      defaultIntegration: integration,
    });
    for (const route of HTTP_API_ROUTES) {
      this.httpApi.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration, authorizer: iam });
    }
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.settings.accessLogRetention,
      ...(props.logsEncryptionKey === undefined ? {} : { encryptionKey: props.logsEncryptionKey }),
    });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: API_STAGE_NAME,
      autoDeploy: true,
      throttle: { rateLimit: props.settings.throttlingRateLimit, burstLimit: props.settings.throttlingBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
  }

  /** The stage's URL, `https://{api-id}.execute-api.{region}.amazonaws.com/`. */
  get url(): string {
    return this.stage.url;
  }
}
