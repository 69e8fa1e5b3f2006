import { type SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it } from 'vitest';
import { PermanentExecutionStartError, TransientExecutionStartError, ValidationError } from '../../../../src/index.js';
import { SfnExecutionStarter } from '../../../../src/sfn.js';
import { describeExecutionStarterContract } from '../../../ports/execution-starter.contract.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../../../dev/local-sfn/local-sfn-server.js';
import { sfnClientFor } from '../../../../dev/local-sfn/sfn-client.js';

const endpoints: LocalStepFunctions[] = [];
const clients: SFNClient[] = [];

afterAll(async () => {
  for (const client of clients) client.destroy();
  await Promise.all(endpoints.map((endpoint) => endpoint.close()));
});

async function aLocalStateMachine(type: 'STANDARD' | 'EXPRESS' = 'STANDARD') {
  const sfn = await startLocalStepFunctions();
  endpoints.push(sfn);
  // Keeps the SDK's own throttling back-off (up to a second per retry) short.
  const client = sfnClientFor(sfn.endpoint, { maxAttempts: 2 });
  clients.push(client);
  return { sfn, client, stateMachineArn: sfn.createStateMachine('deployment', type) };
}

describeExecutionStarterContract('Step Functions (local endpoint)', async () => {
  const { sfn, client, stateMachineArn } = await aLocalStateMachine();
  return {
    starter: new SfnExecutionStarter({ client, stateMachineArn, limitExceededBaseDelayMs: 5 }),
    stateMachineArn,
    complete: async (executionArn, end) => sfn.completeExecution(executionArn, end ?? { status: 'SUCCEEDED' }),
    failNext: (fault, times) => sfn.injectFault({ operation: 'StartExecution', fault, times }),
    executionCount: async () => sfn.executions.length,
  };
});

const request = {
  name: 'myapp-prd-2HFj3kLmNoPqRsTuVwXy',
  input: '{"repo":"myapp","env":"prd","branch":"main","version":"1.2.3","sk":"2HFj3kLmNoPqRsTuVwXy","commit_hash":"abc123","s3_bucket":"b","s3_key":"k"}',
};

describe('SfnExecutionStarter', () => {
  it('retries ExecutionLimitExceeded itself, with bounded back-off, then succeeds', async () => {
    const { sfn, client, stateMachineArn } = await aLocalStateMachine();
    const starter = new SfnExecutionStarter({ client, stateMachineArn, limitExceededAttempts: 3, limitExceededBaseDelayMs: 5 });
    sfn.injectFault({ operation: 'StartExecution', fault: 'ExecutionLimitExceeded', times: 2 });
    await expect(starter.start(request)).resolves.toMatchObject({ alreadyStarted: false });
    expect(sfn.callCount('StartExecution')).toBe(3);
  });

  it('gives up on KmsThrottlingException after its attempts, as transient', async () => {
    const { sfn, client, stateMachineArn } = await aLocalStateMachine();
    const starter = new SfnExecutionStarter({ client, stateMachineArn, limitExceededAttempts: 2, limitExceededBaseDelayMs: 5 });
    sfn.injectFault({ operation: 'StartExecution', fault: 'KmsThrottlingException', times: 5 });
    await expect(starter.start(request)).rejects.toBeInstanceOf(TransientExecutionStartError);
    expect(sfn.callCount('StartExecution')).toBe(2);
  });

  it('leaves throttling and 5xx retries to the SDK', async () => {
    const { sfn, client, stateMachineArn } = await aLocalStateMachine();
    const starter = new SfnExecutionStarter({ client, stateMachineArn });
    sfn.injectFault({ operation: 'StartExecution', fault: 'InternalServerError', times: 1 });
    await expect(starter.start(request)).resolves.toMatchObject({ alreadyStarted: false });
    expect(sfn.callCount('StartExecution')).toBe(2);
  });

  it('finds the execution when the answer to a successful start was lost', async () => {
    const { sfn, client, stateMachineArn } = await aLocalStateMachine();
    const starter = new SfnExecutionStarter({ client, stateMachineArn });
    sfn.injectFault({ operation: 'StartExecution', fault: 'ConnectionReset', afterApply: true });
    const started = await starter.start(request);
    expect(started.executionArn).toBe(`arn:aws:states:us-east-1:123456789012:execution:deployment:${request.name}`);
    expect(sfn.executions).toHaveLength(1);
  });

  it('treats a network failure that outlasts the SDK retries as transient', async () => {
    const { sfn, client, stateMachineArn } = await aLocalStateMachine();
    const starter = new SfnExecutionStarter({ client, stateMachineArn });
    sfn.injectFault({ operation: 'StartExecution', fault: 'ConnectionReset', times: 5 });
    const error = await starter.start(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientExecutionStartError);
    expect(sfn.executions).toHaveLength(0);
  });

  it('passes the trace header through', async () => {
    const { sfn, client, stateMachineArn } = await aLocalStateMachine();
    await new SfnExecutionStarter({ client, stateMachineArn }).start({ ...request, traceHeader: 'Root=1-abc' });
    expect(sfn.executions[0]?.traceHeader).toBe('Root=1-abc');
  });

  it('refuses an EXPRESS state machine clearly, starting nothing', async () => {
    const { sfn, client, stateMachineArn } = await aLocalStateMachine('EXPRESS');
    const error = await new SfnExecutionStarter({ client, stateMachineArn }).start(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentExecutionStartError);
    expect((error as Error).message).toMatch(/EXPRESS state machine; only STANDARD/);
    expect(sfn.callCount('StartExecution')).toBe(0);
  });

  it('checks the state machine type once, not on every start', async () => {
    const { sfn, client, stateMachineArn } = await aLocalStateMachine();
    const starter = new SfnExecutionStarter({ client, stateMachineArn });
    await starter.start(request);
    await starter.start({ ...request, name: 'another-build-2HFj3kLmNoPqRsTuVwXz' });
    expect(sfn.callCount('DescribeStateMachine')).toBe(1);
  });

  it('reports a state machine that does not exist as permanent', async () => {
    const { client } = await aLocalStateMachine();
    const stateMachineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:missing';
    const error = await new SfnExecutionStarter({ client, stateMachineArn }).start(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentExecutionStartError);
    expect(error).toMatchObject({ awsErrorCode: 'StateMachineDoesNotExist' });
  });

  it('refuses a state machine ARN that is not one, naming the option', async () => {
    const { client } = await aLocalStateMachine();
    expect(() => new SfnExecutionStarter({ client, stateMachineArn: 'deployment' })).toThrow(ValidationError);
  });
});
