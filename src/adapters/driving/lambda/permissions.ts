/**
 * What each of the five Lambda functions may do in AWS, as plain data: the one
 * source of docs/lambda.md's IAM policies and of the roles the CDK construct
 * (`@aws-deployer/orchestrator/cdk`) gives the functions.
 *
 * A permission is either the function's own code's (an SDK call a handler
 * sends: test/composition/lambda/lambda-iam.int.test.ts runs every handler on the
 * real adapters and proves each of these is sent, and nothing else) or the
 * platform's (a call Lambda makes with the function's role on its behalf: the
 * stream poller, the failure destinations, the log delivery).
 *
 * Plain data on purpose: the CDK construct reads it at synth time, where
 * neither the AWS SDK nor the handlers may be loaded.
 */
import { ValidationError } from '../../../domain/orchestrator.errors.js';

export const LAMBDA_FUNCTIONS = ['trigger-build', 'update-build-status', 'execution-status-change', 'sweeper', 'http-api'] as const;

export type LambdaFunctionName = (typeof LAMBDA_FUNCTIONS)[number];

/** The kinds of resource a permission is granted on; each function's deployment gives each its ARN. */
export type PermissionResource =
  /** The builds table. */
  | 'table'
  /** The table's status index (`status-updated_at-index` unless configured otherwise). */
  | 'status-index'
  /** The table's stream. */
  | 'table-stream'
  /** Every resource (`*`): for actions that have no resource type. */
  | 'any'
  /** The deployment state machine. */
  | 'state-machine'
  /** The state machine's executions (`arn:...:execution:{name}:*`). */
  | 'executions'
  /** The table the manual deployments keep their idempotency keys in (the HTTP API's; partition key `id`, TTL on `expiration`). */
  | 'idempotency-table'
  /** The function's own SQS queue for what it could not process. */
  | 'failure-queue'
  /** The function's CloudWatch Logs log group. */
  | 'log-group';

export interface Permission {
  /** The statement's `Sid`: what the permission is for. */
  readonly sid: string;
  /** Whole action names, never a wildcard. */
  readonly actions: readonly string[];
  readonly resource: PermissionResource;
  /** `code`: the handler's SDK calls; `platform`: calls Lambda makes with the function's role. */
  readonly sentBy: 'code' | 'platform';
}

// The functions' writes: one conditional UpdateItem (a claim, a status change)
// or a TransactWriteItems of an Update and the latest pointer's Put, which IAM
// authorises through UpdateItem and PutItem
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html);
// GetItem reads a build when a refused write does not return it.
const BUILD_ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'];

// A PENDING build is never deployed over a newer one of its environment that has deployed: one
// query of its partition (`sk > :sk`) before it starts; under a locking policy (queue, supersede),
// the environment's line (its partition, newest first) read with the lock decides whose turn it is.
const READ_ENVIRONMENT_LINES: Permission = { sid: 'ReadEnvironmentLines', actions: ['dynamodb:Query'], resource: 'table', sentBy: 'code' };

// The environment locks (queue and supersede; domain/environment-lock.ts): one item per
// environment in the builds table, `pk = lock`, `sk = {repo}/{env}`. A start's claim takes it with
// a Put beside the build's Update in one TransactWriteItems (PutItem and UpdateItem, granted with
// the builds); a running build adopts a free lock with a ConditionCheck on the build beside that
// Put (ConditionCheckItem); every write that ends a build releases it with a conditional Delete in
// the same transaction, and a holder that gives up its turn or a sweeper that finds an ended holder
// deletes it alone (DeleteItem); a lock is read with GetItem, granted with the builds.
//
// Not narrowed with `dynamodb:LeadingKeys = lock`: IAM authorises each part of a transaction as
// its single-item action, so a condition on DeleteItem alone would not block the build writes
// beside it, but it would protect nothing either: PutItem and UpdateItem on the same table (the
// builds and the latest pointers need them unconditioned) can already overwrite any item, a lock
// included, and DynamoDB Local, which the IAM test runs on, does not evaluate IAM conditions, so
// a wrong condition would only show in production, as every end's transaction denied. The lock
// writes are narrowed by their condition expressions instead (only the holder releases its lock).
const TAKE_AND_RELEASE_ENVIRONMENT_LOCKS: Permission = {
  sid: 'TakeAndReleaseEnvironmentLocks',
  actions: ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem'],
  resource: 'table',
  sentBy: 'code',
};

// A build's end releases its environment's lock in the same TransactWriteItems (a conditional
// Delete of the lock item, when this build holds it).
const RELEASE_ENVIRONMENT_LOCKS: Permission = {
  sid: 'ReleaseEnvironmentLocks',
  actions: ['dynamodb:DeleteItem'],
  resource: 'table',
  sentBy: 'code',
};

const DESCRIBE_EXECUTIONS: Permission = {
  sid: 'ReadHowExecutionsEnded',
  actions: ['states:DescribeExecution'],
  resource: 'executions',
  sentBy: 'code',
};

// Lambda delivers a function's logs with its role (AWSLambdaBasicExecutionRole
// holds these two, and CreateLogGroup, needless when the log group exists:
// https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html).
const WRITE_LOGS: Permission = {
  sid: 'WriteLogs',
  actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  resource: 'log-group',
  sentBy: 'platform',
};

// A failure destination (an event source mapping's or an asynchronous
// invocation's) is written with the function's role: "For an SQS destination:
// sqs:SendMessage" (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html,
// https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
const SEND_TO_FAILURE_QUEUE: Permission = {
  sid: 'OnFailureDestination',
  actions: ['sqs:SendMessage'],
  resource: 'failure-queue',
  sentBy: 'platform',
};

/** Every permission of each function, in the order the policies list them. */
export const LAMBDA_PERMISSIONS: { readonly [F in LambdaFunctionName]: readonly Permission[] } = {
  'trigger-build': [
    // The event source mapping's poller reads the stream with the function's role
    // (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaDynamoDBExecutionRole.html,
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/iam-policy-example-lamda-process-dynamodb-streams.html).
    {
      sid: 'ReadTheStream',
      actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      resource: 'table-stream',
      sentBy: 'platform',
    },
    // ListStreams has no resource type in the Service Authorization Reference
    // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html).
    { sid: 'ListStreamsHasNoResourceLevelPermissions', actions: ['dynamodb:ListStreams'], resource: 'any', sentBy: 'platform' },
    { sid: 'ReadAndAdvanceBuilds', actions: BUILD_ITEM_ACTIONS, resource: 'table', sentBy: 'code' },
    READ_ENVIRONMENT_LINES,
    TAKE_AND_RELEASE_ENVIRONMENT_LOCKS,
    // DescribeStateMachine: the first start after a cold start checks the machine is STANDARD.
    { sid: 'StartDeployments', actions: ['states:StartExecution', 'states:DescribeStateMachine'], resource: 'state-machine', sentBy: 'code' },
    // ExecutionAlreadyExists is confirmed to be this build's execution; a permanent error looks for an earlier start.
    { ...DESCRIBE_EXECUTIONS, sid: 'ConfirmAlreadyStartedExecutions' },
    SEND_TO_FAILURE_QUEUE,
    WRITE_LOGS,
  ],
  'update-build-status': [
    { sid: 'CompleteBuilds', actions: BUILD_ITEM_ACTIONS, resource: 'table', sentBy: 'code' },
    RELEASE_ENVIRONMENT_LOCKS,
    WRITE_LOGS,
  ],
  'execution-status-change': [
    DESCRIBE_EXECUTIONS,
    { sid: 'CompleteBuilds', actions: BUILD_ITEM_ACTIONS, resource: 'table', sentBy: 'code' },
    RELEASE_ENVIRONMENT_LOCKS,
    SEND_TO_FAILURE_QUEUE,
    WRITE_LOGS,
  ],
  sweeper: [
    { sid: 'FindOpenBuilds', actions: ['dynamodb:Query'], resource: 'status-index', sentBy: 'code' },
    { sid: 'ReadStartAndCompleteBuilds', actions: BUILD_ITEM_ACTIONS, resource: 'table', sentBy: 'code' },
    // Also one query of the `lock` partition per page of held locks, each holder then read (GetItem).
    { ...READ_ENVIRONMENT_LINES, sid: 'ReadEnvironmentLinesAndLocks' },
    // It starts PENDING builds the way trigger-build does (claim with the lock, adopt, hand over),
    // ends builds releasing their lock, and releases the lock of a holder that ended without it.
    TAKE_AND_RELEASE_ENVIRONMENT_LOCKS,
    { sid: 'StartPendingBuilds', actions: ['states:StartExecution', 'states:DescribeStateMachine'], resource: 'state-machine', sentBy: 'code' },
    { sid: 'ListRecentExecutionsWithoutTheIndex', actions: ['states:ListExecutions'], resource: 'state-machine', sentBy: 'code' },
    DESCRIBE_EXECUTIONS,
    WRITE_LOGS,
  ],
  // The manual deployments (redeploy, rollback, redrive, cancel) and the reads of the HTTP API. No
  // states:StartExecution: a build it creates is inserted PENDING and started by the normal path only
  // (the stream's trigger-build, or the sweeper), under the environment's concurrency policy.
  'http-api': [
    // GetItem: a build, a lock; Query: an environment's builds (listed, a status filtered, the newer builds
    // a redrive must not go under, the rollback's successes), its line, the latest pointers; BatchGetItem:
    // the builds those pointers name (`GET .../latest`).
    { sid: 'ReadBuilds', actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'], resource: 'table', sentBy: 'code' },
    // A redeploy or rollback inserts its build with the environment's latest pointer (Put, Put in one
    // TransactWriteItems); a cancel ends a waiting build, or a running one whose execution it stopped (an
    // Update and the pointer's Put); a redrive marks its build (Update) and takes the environment's lock (Put),
    // and clears the mark again when the redrive is refused (Update); the lock a cancel kept, released because
    // the build ended first, names who released it on the build (Update).
    { sid: 'RecordManualDeployments', actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], resource: 'table', sentBy: 'code' },
    // The environment locks (items of the table, `pk = lock`): a forced cancel keeps the running build's lock for
    // a person (a ConditionCheck on the build beside the lock's Update); a refused redrive gives back the lock it
    // took, and a cancel the build outran gives back the lock it kept (a conditional Delete).
    { sid: 'KeepAndReleaseEnvironmentLocks', actions: ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem'], resource: 'table', sentBy: 'code' },
    // One record per idempotency key: a conditional Put takes the key, an Update completes it or takes over a
    // lapsed hold, a Delete gives up the key of a refused request (a retry asks again), a GetItem reads the
    // record a refused write did not return.
    {
      sid: 'KeepIdempotencyKeys',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resource: 'idempotency-table',
      sentBy: 'code',
    },
    // DescribeExecution: whether an execution may be redriven, and whether a stop has taken effect.
    { ...DESCRIBE_EXECUTIONS, sid: 'ReadExecutions' },
    // A forced cancel stops the build's execution; a redrive runs a failed one again from its failed state.
    { sid: 'StopAndRedriveExecutions', actions: ['states:StopExecution', 'states:RedriveExecution'], resource: 'executions', sentBy: 'code' },
    WRITE_LOGS,
  ],
};

/** The ARN of each kind of resource, for one function. */
export type PermissionResourceArns = { readonly [R in PermissionResource]?: string };

/** An IAM policy statement as JSON (a lone action or resource is written as a string, as IAM prints it). */
export interface PolicyStatementJson {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: string | readonly string[];
  readonly Resource: string;
}

export interface PolicyDocumentJson {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatementJson[];
}

/** A permission on the ARN of its resource: one IAM policy statement. */
export interface Grant {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resourceArn: string;
}

/**
 * The permissions of `functionName`, each on its resource's ARN.
 *
 * @throws ValidationError naming the resource kind `arns` has no ARN for (`arns.table`...).
 */
export function grantsOf(functionName: LambdaFunctionName, arns: PermissionResourceArns): Grant[] {
  return LAMBDA_PERMISSIONS[functionName].map((permission) => ({
    sid: permission.sid,
    actions: permission.actions,
    resourceArn: arnOf(permission.resource, arns, functionName),
  }));
}

/** The IAM policy document of `functionName`, as docs/lambda.md prints it (see `grantsOf`). */
export function policyDocumentOf(functionName: LambdaFunctionName, arns: PermissionResourceArns): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: grantsOf(functionName, arns).map((grant) => ({
      Sid: grant.sid,
      Effect: 'Allow',
      Action: grant.actions.length === 1 ? (grant.actions[0] ?? '') : grant.actions,
      Resource: grant.resourceArn,
    })),
  };
}

function arnOf(resource: PermissionResource, arns: PermissionResourceArns, functionName: LambdaFunctionName): string {
  if (resource === 'any') return '*';
  const arn = arns[resource];
  if (arn === undefined) throw new ValidationError(`arns.${resource}`, `is missing: the ${functionName} policy grants on its ${resource}`);
  return arn;
}
