import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../src/index.js';
import { InMemoryExecutionStarter } from '../../../../src/testing.js';
import { describeExecutionStarterContract } from '../../../ports/execution-starter.contract.js';
import { STATE_MACHINE_ARN } from '../../../support/mothers/build.mother.js';

describeExecutionStarterContract('in memory', async () => {
  const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
  return {
    starter,
    stateMachineArn: STATE_MACHINE_ARN,
    complete: async (executionArn, end) => starter.complete(executionArn, end ?? 'SUCCEEDED'),
    failNext: (code, times) => starter.failNext(code, times),
    executionCount: async () => starter.executions.length,
  };
});

describe('InMemoryExecutionStarter', () => {
  it('refuses a state machine ARN that is not one, naming the option', () => {
    expect(() => new InMemoryExecutionStarter({ stateMachineArn: 'deployment' })).toThrow(ValidationError);
    expect(() => new InMemoryExecutionStarter({ stateMachineArn: 'deployment' })).toThrow(/stateMachineArn/);
  });

  it('records what it started, trace header included', async () => {
    const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
    await starter.start({ name: 'a-b-c', input: '{}', traceHeader: 'Root=1-abc' });
    expect(starter.executions).toEqual([
      expect.objectContaining({ name: 'a-b-c', input: '{}', traceHeader: 'Root=1-abc', status: 'RUNNING' }),
    ]);
  });

  it('waits the configured latency before answering', async () => {
    const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN, latencyMs: 30 });
    const began = performance.now();
    await starter.start({ name: 'slow', input: '{}' });
    expect(performance.now() - began).toBeGreaterThanOrEqual(25);
  });

  it('refuses to end an execution twice', async () => {
    const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
    const { executionArn } = await starter.start({ name: 'once', input: '{}' });
    starter.complete(executionArn, 'ABORTED');
    expect(() => starter.complete(executionArn, 'SUCCEEDED')).toThrow(/already ABORTED/);
  });
});
