import { type SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SfnExecutionController, SfnExecutionInspector, SfnExecutionStarter } from '../../../../src/sfn.js';
import { describeExecutionControllerContract } from '../../../ports/execution-controller.contract.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../../../dev/local-sfn/local-sfn-server.js';
import { sfnClientFor } from '../../../../dev/local-sfn/sfn-client.js';

const endpoints: LocalStepFunctions[] = [];
const clients: SFNClient[] = [];

afterAll(async () => {
  for (const client of clients) client.destroy();
  await Promise.all(endpoints.map((endpoint) => endpoint.close()));
});

async function aLocalStepFunctions() {
  const sfn = await startLocalStepFunctions();
  endpoints.push(sfn);
  const client = sfnClientFor(sfn.endpoint);
  clients.push(client);
  const stateMachineArn = sfn.createStateMachine('deployment');
  return { sfn, client, stateMachineArn };
}

describeExecutionControllerContract('Step Functions (local endpoint)', async () => {
  const { sfn, client, stateMachineArn } = await aLocalStepFunctions();
  return {
    controller: new SfnExecutionController({ client, stateMachineArn }),
    inspector: new SfnExecutionInspector({ client, stateMachineArn }),
    starter: new SfnExecutionStarter({ client, stateMachineArn }),
    end: async (executionArn, status, error, cause) =>
      sfn.completeExecution(executionArn, { status, ...(error ? { error } : {}), ...(cause ? { cause } : {}) }),
    failNext: (operation, fault) => sfn.injectFault({ operation, fault }),
    unknownExecutionArn: 'arn:aws:states:us-east-1:123456789012:execution:deployment:never-started',
    foreignExecutionArn: 'arn:aws:states:us-east-1:123456789012:execution:another-machine:build-1',
  };
});

describe('SfnExecutionController', () => {
  it('sends no StopExecution for an execution that already closed', async () => {
    const { sfn, client, stateMachineArn } = await aLocalStepFunctions();
    const executionArn = sfn.startExecution(stateMachineArn, 'closed-one', '{}');
    sfn.completeExecution(executionArn, { status: 'SUCCEEDED' });

    await expect(new SfnExecutionController({ client, stateMachineArn }).stop(executionArn, { error: 'Cancelled', cause: 'late' })).resolves.toEqual({
      outcome: 'not-running',
    });
    expect(sfn.callCount('StopExecution')).toBe(0);
  });

  it('answers not-running when the execution closed on its own between the check and the stop', async () => {
    const { sfn, client, stateMachineArn } = await aLocalStepFunctions();
    const executionArn = sfn.startExecution(stateMachineArn, 'racing-one', '{}');
    // The stop takes effect after the execution has succeeded: Step Functions answers it with success and changes nothing.
    sfn.setLatency(100, 'StopExecution');
    const stopping = new SfnExecutionController({ client, stateMachineArn }).stop(executionArn, { error: 'Cancelled', cause: 'race' });
    await vi.waitFor(() => expect(sfn.callCount('StopExecution')).toBe(1), { interval: 2 });
    sfn.completeExecution(executionArn, { status: 'SUCCEEDED' });

    await expect(stopping).resolves.toEqual({ outcome: 'not-running' });
    expect(sfn.executions[0]).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('sends the client token, so a retry after a lost answer redrives once', async () => {
    const { sfn, client, stateMachineArn } = await aLocalStepFunctions();
    const executionArn = sfn.startExecution(stateMachineArn, 'lost-answer', '{}');
    sfn.completeExecution(executionArn, { status: 'FAILED', error: 'States.TaskFailed' });
    // The redrive happens, its answer is lost, and the SDK retries the same request (same token).
    sfn.injectFault({ operation: 'RedriveExecution', fault: 'InternalServerError', afterApply: true });

    await expect(new SfnExecutionController({ client, stateMachineArn }).redrive(executionArn, 'token-1')).resolves.toMatchObject({ outcome: 'redriven' });
    expect(sfn.callCount('RedriveExecution')).toBe(2);
    expect(sfn.executions[0]).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
  });

  it('refuses a state machine ARN that is not one, naming the option', () => {
    expect(() => new SfnExecutionController({ client: clients[0]!, stateMachineArn: 'deployment' })).toThrow(/stateMachineArn/);
  });
});
