// SDK clients that record every command they send, and the IAM action and
// resource each command needs: what a test compares with a documented policy.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { STSClient } from '@aws-sdk/client-sts';

/** One command as a client sent it. */
export interface SentCommand {
  /** `DynamoDBClient`, `SFNClient` or `STSClient`. */
  readonly clientName: string;
  /** `GetItemCommand`, `StartExecutionCommand`... */
  readonly commandName: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/**
 * Records every command `client` sends into `sent`, once per send (the
 * middleware runs in the initialize step, before retries). A
 * `DynamoDBDocumentClient.from(client)` shares the client's middleware stack,
 * and each of its commands runs as the DynamoDB command it wraps: `GetCommand`
 * is recorded as `GetItemCommand`, `TransactWriteCommand` as
 * `TransactWriteItemsCommand`, with the input before marshalling.
 */
export function recordCommands(client: DynamoDBClient | SFNClient | STSClient, sent: SentCommand[]): void {
  // The clients' stacks differ only in their input and output types, which this never reads.
  (client as DynamoDBClient).middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({
        clientName: String(context.clientName),
        commandName: String(context.commandName),
        input: args.input as Record<string, unknown>,
      });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
}

/** An IAM action on one resource ARN. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
}

/** Where DynamoDB tables live: table ARNs are not in the requests, which name tables only. */
export interface TableLocation {
  readonly region: string;
  readonly account: string;
}

/**
 * The IAM actions a command needs, each on its resource, as the Service
 * Authorization Reference lists them
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html,
 * .../list_awsstepfunctions.html). A command this does not know throws: a
 * new call must be mapped before any policy can be said to cover it.
 */
export function iamRequestsOf(command: SentCommand, tables: TableLocation): IamRequest[] {
  const { commandName, input } = command;
  const action = commandName.replace(/Command$/, '');
  const table = (name: unknown, index?: unknown) =>
    `arn:aws:dynamodb:${tables.region}:${tables.account}:table/${String(name)}${index === undefined ? '' : `/index/${String(index)}`}`;
  switch (`${command.clientName}.${commandName}`) {
    case 'DynamoDBClient.GetItemCommand':
    case 'DynamoDBClient.PutItemCommand':
    case 'DynamoDBClient.UpdateItemCommand':
    case 'DynamoDBClient.DeleteItemCommand':
      return [{ action: `dynamodb:${action}`, resource: table(input.TableName) }];
    case 'DynamoDBClient.QueryCommand':
      return [{ action: 'dynamodb:Query', resource: table(input.TableName, input.IndexName) }];
    case 'DynamoDBClient.BatchGetItemCommand':
      return Object.keys(input.RequestItems as object).map((name) => ({ action: 'dynamodb:BatchGetItem', resource: table(name) }));
    case 'DynamoDBClient.TransactWriteItemsCommand':
      // No action of its own: each part needs the action of the single-item call it stands for
      // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
      return (input.TransactItems as Array<Record<string, { TableName: string }>>).map((part) => {
        const [kind, write] = Object.entries(part)[0] ?? [];
        return { action: `dynamodb:${TRANSACT_WRITE_ACTIONS[kind ?? ''] ?? unknownPart(kind)}`, resource: table(write?.TableName) };
      });
    case 'SFNClient.StartExecutionCommand':
    case 'SFNClient.DescribeStateMachineCommand':
    case 'SFNClient.ListExecutionsCommand':
      return [{ action: `states:${action}`, resource: String(input.stateMachineArn) }];
    case 'SFNClient.DescribeExecutionCommand':
    case 'SFNClient.StopExecutionCommand':
    case 'SFNClient.RedriveExecutionCommand':
      return [{ action: `states:${action}`, resource: String(input.executionArn) }];
    case 'STSClient.GetCallerIdentityCommand':
      // No resource of its own: the Service Authorization Reference lists none ("*").
      return [{ action: 'sts:GetCallerIdentity', resource: '*' }];
    default:
      throw new Error(`No IAM mapping for ${command.clientName} ${commandName}: add it to test/support/recording-clients.ts`);
  }
}

const TRANSACT_WRITE_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

function unknownPart(kind: string | undefined): never {
  throw new Error(`No IAM mapping for a TransactWriteItems part ${String(kind)}`);
}
