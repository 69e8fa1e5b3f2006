import { describe, expect, it } from 'vitest';
import { executionName, serializeStepFunctionInput, type ExecutionInspector, type ExecutionStarter } from '../../src/index.js';
import { aNewBuild, anInputFor } from '../support/mothers/build.mother.js';

/** What the contract needs beyond the port: a starter on the same state machine and a way to end executions. */
export interface ExecutionInspectorHarness {
  readonly inspector: ExecutionInspector;
  readonly starter: ExecutionStarter;
  /** Ends a running execution as Step Functions would. */
  end(executionArn: string, status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED', error?: string, cause?: string): Promise<void>;
  /** Any execution ARN of this state machine that was never started. */
  readonly unknownExecutionArn: string;
}

async function startOne(harness: ExecutionInspectorHarness) {
  const build = aNewBuild();
  const input = serializeStepFunctionInput(anInputFor(build));
  const { executionArn } = await harness.starter.start({ name: executionName(build), input });
  return { executionArn, input };
}

/** The behaviour every {@link ExecutionInspector} must have. Run against each implementation. */
export function describeExecutionInspectorContract(name: string, makeHarness: () => Promise<ExecutionInspectorHarness>): void {
  describe(`ExecutionInspector contract: ${name}`, () => {
    it('describes a running execution with its input', async () => {
      const harness = await makeHarness();
      const { executionArn, input } = await startOne(harness);
      const described = await harness.inspector.describe(executionArn);
      expect(described).toMatchObject({ executionArn, status: 'RUNNING', input });
      expect(described?.startDate).toBeInstanceOf(Date);
      expect(described?.stopDate).toBeUndefined();
    });

    it('describes how an execution ended, with error and cause', async () => {
      const harness = await makeHarness();
      const { executionArn } = await startOne(harness);
      await harness.end(executionArn, 'FAILED', 'States.TaskFailed', 'stack rolled back');
      expect(await harness.inspector.describe(executionArn)).toMatchObject({
        status: 'FAILED',
        error: 'States.TaskFailed',
        cause: 'stack rolled back',
        stopDate: expect.any(Date),
      });
    });

    it('answers undefined for an execution that does not exist', async () => {
      const harness = await makeHarness();
      expect(await harness.inspector.describe(harness.unknownExecutionArn)).toBeUndefined();
    });

    it('lists executions started since a date, newest first, up to a limit', async () => {
      const harness = await makeHarness();
      const before = new Date(Date.now() - 60_000);
      const first = await startOne(harness);
      const second = await startOne(harness);
      const third = await startOne(harness);
      await harness.end(first.executionArn, 'TIMED_OUT');

      const listed = await harness.inspector.listStartedSince(before, 10);
      expect(listed.map((execution) => execution.executionArn)).toEqual([third.executionArn, second.executionArn, first.executionArn]);
      expect(listed[2]).toMatchObject({ status: 'TIMED_OUT' });
      expect(await harness.inspector.listStartedSince(before, 2)).toHaveLength(2);
      expect(await harness.inspector.listStartedSince(new Date(Date.now() + 60_000), 10)).toEqual([]);
    });
  });
}
