import { describe, expect, it } from 'vitest';
import { InMemoryExecutionController, InMemoryExecutionInspector, InMemoryExecutionStarter } from '../../../../src/testing.js';
import { describeExecutionControllerContract } from '../../../ports/execution-controller.contract.js';
import { STATE_MACHINE_ARN } from '../../../support/mothers/build.mother.js';

describeExecutionControllerContract('in memory', async () => {
  const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
  const controller = new InMemoryExecutionController(starter);
  return {
    controller,
    inspector: new InMemoryExecutionInspector(starter),
    starter,
    end: async (executionArn, status, error, cause) =>
      starter.complete(executionArn, { status, ...(error ? { error } : {}), ...(cause ? { cause } : {}) }),
    failNext: (operation, code) => controller.failNext(operation, code),
    unknownExecutionArn: 'arn:aws:states:us-east-1:123456789012:execution:deployment:never-started',
    foreignExecutionArn: 'arn:aws:states:us-east-1:123456789012:execution:another-machine:build-1',
  };
});

describe('InMemoryExecutionController', () => {
  it('shares client tokens through the starter: two controllers on one starter redrive once', async () => {
    const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
    const { executionArn } = await starter.start({ name: 'shared', input: '{}' });
    starter.complete(executionArn, 'FAILED');

    const first = await new InMemoryExecutionController(starter).redrive(executionArn, 'token-1');
    const second = await new InMemoryExecutionController(starter).redrive(executionArn, 'token-1');

    expect(second).toEqual(first);
    expect(starter.executions[0]).toMatchObject({ status: 'RUNNING', redriveCount: 1, redriveDate: expect.any(Date) });
  });

  it("keeps the starter's redrive helper for tests, which throws Step Functions' reason", async () => {
    const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
    const { executionArn } = await starter.start({ name: 'helper', input: '{}' });
    expect(() => starter.redrive(executionArn)).toThrow('Execution is RUNNING and cannot be redriven.');
    starter.complete(executionArn, 'TIMED_OUT');
    starter.redrive(executionArn);
    expect(starter.executions[0]).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
  });
});
