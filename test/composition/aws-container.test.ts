import { describe, expect, it } from 'vitest';
import { TOKENS, type BuildRepository, type ExecutionInspector } from '../../src/index.js';
import { createAwsContainer, type AwsClientTracer } from '../../src/lambda.js';
import { STATE_MACHINE_ARN, aBuildKey } from '../support/mothers/build.mother.js';

// Nothing listens here: every call fails fast, after the tracer saw it.
const NOWHERE = 'http://127.0.0.1:9';

type Handler = (args: unknown) => Promise<unknown>;

/** The part of an SDK v3 client's middleware stack a tracer uses. */
interface MiddlewareStack {
  add(middleware: (next: Handler, context: { clientName: string; commandName: string }) => Handler, options: { step: 'initialize'; name: string }): void;
}

/** Sees each command a captured client sends, as X-Ray's middleware does. */
class CommandTracer implements AwsClientTracer {
  readonly commands: string[] = [];

  captureAWSv3Client<T>(client: T): T {
    const { middlewareStack } = client as { middlewareStack: MiddlewareStack };
    middlewareStack.add(
      (next, context) => (args) => {
        this.commands.push(`${context.clientName}.${context.commandName}`);
        return next(args);
      },
      { step: 'initialize', name: 'commandTracer' },
    );
    return client;
  }
}

describe('createAwsContainer', () => {
  it('traces every DynamoDB and Step Functions call through the tracer it is given', async () => {
    const tracer = new CommandTracer();
    const container = createAwsContainer({
      tableName: 'prd-aws-deployer--builds',
      stateMachineArn: STATE_MACHINE_ARN,
      region: 'us-east-1',
      dynamodbEndpoint: NOWHERE,
      stepFunctionsEndpoint: NOWHERE,
      tracer,
    });

    await expect(container.get<BuildRepository>(TOKENS.BuildRepository).get(aBuildKey())).rejects.toThrow();
    const inspector = container.get<ExecutionInspector>(TOKENS.ExecutionInspector);
    await expect(inspector.describe(inspector.executionArnOf('myapp-prd-1'))).rejects.toThrow();

    // The document client sends through the DynamoDB client's stack.
    expect(tracer.commands).toEqual(['DynamoDBClient.GetItemCommand', 'SFNClient.DescribeExecutionCommand']);
  }, 30_000);
});
