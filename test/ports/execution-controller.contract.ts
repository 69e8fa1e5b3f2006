import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  PermanentExecutionStartError,
  TransientExecutionStartError,
  ValidationError,
  executionName,
  serializeStepFunctionInput,
  type ExecutionController,
  type ExecutionInspector,
  type ExecutionStarter,
} from '../../src/index.js';
import { aNewBuild, anInputFor } from '../support/mothers/build.mother.js';

/** What the contract needs beyond the port: a starter and an inspector on the same state machine, a way to end executions and to inject faults. */
export interface ExecutionControllerHarness {
  readonly controller: ExecutionController;
  readonly inspector: ExecutionInspector;
  readonly starter: ExecutionStarter;
  /** Ends a running execution as the state machine would. */
  end(executionArn: string, status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED', error?: string, cause?: string): Promise<void>;
  /** The next call of `operation` fails with this Step Functions error code. */
  failNext(operation: 'StopExecution' | 'RedriveExecution', awsErrorCode: string): void;
  /** Any execution ARN of this state machine that was never started. */
  readonly unknownExecutionArn: string;
  /** An execution ARN of another state machine. */
  readonly foreignExecutionArn: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const RUNNING_REASON = 'Execution is RUNNING and cannot be redriven.';
const SUCCEEDED_REASON = 'Execution is SUCCEEDED and cannot be redriven.';

async function startOne(harness: ExecutionControllerHarness) {
  const build = aNewBuild();
  const input = serializeStepFunctionInput(anInputFor(build));
  const { executionArn } = await harness.starter.start({ name: executionName(build), input });
  return { executionArn, input };
}

async function aFailedOne(harness: ExecutionControllerHarness) {
  const started = await startOne(harness);
  await harness.end(started.executionArn, 'FAILED', 'States.TaskFailed', 'stack rolled back');
  return started;
}

let tokens = 0;
/** A client token no other test uses. */
function aClientToken(): string {
  tokens += 1;
  return `redrive-${Date.now().toString(36)}-${tokens}`;
}

/** The behaviour every {@link ExecutionController} must have (STANDARD-workflow semantics). Run against each implementation. */
export function describeExecutionControllerContract(name: string, makeHarness: () => Promise<ExecutionControllerHarness>): void {
  describe(`ExecutionController contract: ${name}`, () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    describe('stop', () => {
      it('stops a running execution: it ends ABORTED with the error and cause', async () => {
        const harness = await makeHarness();
        const { executionArn, input } = await startOne(harness);

        await expect(harness.controller.stop(executionArn, { error: 'Cancelled', cause: 'cancel --force by alice' })).resolves.toEqual({
          outcome: 'stopped',
        });

        const described = await harness.inspector.describe(executionArn);
        expect(described).toMatchObject({ executionArn, status: 'ABORTED', error: 'Cancelled', cause: 'cancel --force by alice', input });
        expect(described?.stopDate).toBeInstanceOf(Date);
      });

      it('answers not-running for an execution that already closed, and leaves it as it was', async () => {
        const harness = await makeHarness();
        const succeeded = await startOne(harness);
        await harness.end(succeeded.executionArn, 'SUCCEEDED');
        const failed = await aFailedOne(harness);

        await expect(harness.controller.stop(succeeded.executionArn, { error: 'Cancelled', cause: 'too late' })).resolves.toEqual({ outcome: 'not-running' });
        await expect(harness.controller.stop(failed.executionArn, { error: 'Cancelled', cause: 'too late' })).resolves.toEqual({ outcome: 'not-running' });

        expect(await harness.inspector.describe(succeeded.executionArn)).toMatchObject({ status: 'SUCCEEDED' });
        expect(await harness.inspector.describe(failed.executionArn)).toMatchObject({
          status: 'FAILED',
          error: 'States.TaskFailed',
          cause: 'stack rolled back',
        });
      });

      it('answers not-running for an execution that does not exist', async () => {
        const harness = await makeHarness();
        await expect(harness.controller.stop(harness.unknownExecutionArn, { error: 'Cancelled', cause: 'nothing' })).resolves.toEqual({
          outcome: 'not-running',
        });
      });

      it('answers not-running when stopped twice', async () => {
        const harness = await makeHarness();
        const { executionArn } = await startOne(harness);
        await harness.controller.stop(executionArn, { error: 'Cancelled', cause: 'first' });

        await expect(harness.controller.stop(executionArn, { error: 'Cancelled', cause: 'second' })).resolves.toEqual({ outcome: 'not-running' });
        expect(await harness.inspector.describe(executionArn)).toMatchObject({ status: 'ABORTED', cause: 'first' });
      });

      it("cuts error and cause to Step Functions' limits (256 and 32768 characters), marked as cut", async () => {
        const harness = await makeHarness();
        const { executionArn } = await startOne(harness);

        await expect(harness.controller.stop(executionArn, { error: 'E'.repeat(300), cause: 'c'.repeat(40_000) })).resolves.toEqual({
          outcome: 'stopped',
        });

        const described = await harness.inspector.describe(executionArn);
        expect(described?.error).toHaveLength(256);
        expect(described?.error).toMatch(/^E+ \[truncated\]$/);
        expect(described?.cause).toHaveLength(32_768);
        expect(described?.cause).toMatch(/ \[truncated\]$/);
      });

      it('leaves out an empty error and cause', async () => {
        const harness = await makeHarness();
        const { executionArn } = await startOne(harness);

        await harness.controller.stop(executionArn, { error: '', cause: '' });

        const described = await harness.inspector.describe(executionArn);
        expect(described).toMatchObject({ status: 'ABORTED' });
        expect(described?.error).toBeUndefined();
        expect(described?.cause).toBeUndefined();
      });

      it("refuses an execution of another state machine, naming the field, and stops nothing", async () => {
        const harness = await makeHarness();
        const error = await harness.controller.stop(harness.foreignExecutionArn, { error: 'Cancelled', cause: 'wrong machine' }).catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ field: 'executionArn' });
      });

      it('throws what Step Functions answers as a start error would be: permanent or transient', async () => {
        const harness = await makeHarness();
        const { executionArn } = await startOne(harness);

        harness.failNext('StopExecution', 'KmsAccessDeniedException');
        const permanent = await harness.controller.stop(executionArn, { error: 'Cancelled', cause: 'kms' }).catch((thrown: unknown) => thrown);
        expect(permanent).toBeInstanceOf(PermanentExecutionStartError);
        expect(permanent).toMatchObject({ awsErrorCode: 'KmsAccessDeniedException', retryable: false, message: expect.stringMatching(/^Could not stop/) });

        harness.failNext('StopExecution', 'KmsThrottlingException');
        const transient = await harness.controller.stop(executionArn, { error: 'Cancelled', cause: 'kms' }).catch((thrown: unknown) => thrown);
        expect(transient).toBeInstanceOf(TransientExecutionStartError);
        expect(transient).toMatchObject({ awsErrorCode: 'KmsThrottlingException', retryable: true });

        expect(await harness.inspector.describe(executionArn)).toMatchObject({ status: 'RUNNING' });
      });
    });

    describe('redrive', () => {
      it('runs a FAILED execution again under the same ARN, with the same input, counting the redrive', async () => {
        const harness = await makeHarness();
        const { executionArn, input } = await aFailedOne(harness);

        const redriven = await harness.controller.redrive(executionArn, aClientToken());

        expect(redriven).toEqual({ outcome: 'redriven', redriveDate: expect.any(Date) });
        const described = await harness.inspector.describe(executionArn);
        expect(described).toMatchObject({ executionArn, status: 'RUNNING', redriveCount: 1, input });
        expect(described?.error).toBeUndefined();
        expect(described?.stopDate).toBeUndefined();
      });

      it('redrives TIMED_OUT and ABORTED executions too', async () => {
        const harness = await makeHarness();
        const timedOut = await startOne(harness);
        await harness.end(timedOut.executionArn, 'TIMED_OUT', 'States.Timeout');
        const stopped = await startOne(harness);
        await harness.controller.stop(stopped.executionArn, { error: 'Cancelled', cause: 'by mistake' });

        await expect(harness.controller.redrive(timedOut.executionArn, aClientToken())).resolves.toMatchObject({ outcome: 'redriven' });
        await expect(harness.controller.redrive(stopped.executionArn, aClientToken())).resolves.toMatchObject({ outcome: 'redriven' });

        expect(await harness.inspector.describe(timedOut.executionArn)).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
        expect(await harness.inspector.describe(stopped.executionArn)).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
      });

      it('answers a repeat of the same client token as the first request, redriving once', async () => {
        const harness = await makeHarness();
        const { executionArn } = await aFailedOne(harness);
        const clientToken = aClientToken();

        const first = await harness.controller.redrive(executionArn, clientToken);
        const again = await harness.controller.redrive(executionArn, clientToken);

        expect(again).toEqual(first);
        expect(await harness.inspector.describe(executionArn)).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
        // Another token is another request: refused while it runs.
        await expect(harness.controller.redrive(executionArn, aClientToken())).resolves.toEqual({ outcome: 'not-redrivable', reason: expect.stringContaining('RUNNING') });
      });

      it('redrives again after the redriven execution failed again', async () => {
        const harness = await makeHarness();
        const { executionArn } = await aFailedOne(harness);
        await harness.controller.redrive(executionArn, aClientToken());
        await harness.end(executionArn, 'FAILED', 'States.TaskFailed', 'rolled back again');

        await expect(harness.controller.redrive(executionArn, aClientToken())).resolves.toMatchObject({ outcome: 'redriven' });
        expect(await harness.inspector.describe(executionArn)).toMatchObject({ status: 'RUNNING', redriveCount: 2 });
      });

      it('refuses a running or succeeded execution, quoting Step Functions', async () => {
        const harness = await makeHarness();
        const running = await startOne(harness);
        const succeeded = await startOne(harness);
        await harness.end(succeeded.executionArn, 'SUCCEEDED');

        const ofRunning = await harness.controller.redrive(running.executionArn, aClientToken());
        const ofSucceeded = await harness.controller.redrive(succeeded.executionArn, aClientToken());

        expect(ofRunning).toEqual({ outcome: 'not-redrivable', reason: expect.stringContaining('RUNNING') });
        expect(ofSucceeded).toEqual({ outcome: 'not-redrivable', reason: expect.stringContaining('SUCCEEDED') });
        expect(await harness.inspector.describe(running.executionArn)).toMatchObject({ status: 'RUNNING', redriveCount: 0 });
        expect(await harness.inspector.describe(succeeded.executionArn)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 0 });
      });

      it('refuses an execution that does not exist', async () => {
        const harness = await makeHarness();
        await expect(harness.controller.redrive(harness.unknownExecutionArn, aClientToken())).resolves.toEqual({
          outcome: 'not-redrivable',
          reason: expect.stringContaining('Does Not Exist'),
        });
      });

      it('refuses an execution that closed more than 14 days ago', async () => {
        const harness = await makeHarness();
        const { executionArn } = await aFailedOne(harness);
        vi.useFakeTimers({ toFake: ['Date'] });
        vi.setSystemTime(Date.now() + 15 * DAY_MS);

        expect(await harness.inspector.describe(executionArn)).toMatchObject({
          redriveStatus: 'NOT_REDRIVABLE',
          redriveStatusReason: 'Execution redrivable period exceeded.',
        });
        await expect(harness.controller.redrive(executionArn, aClientToken())).resolves.toEqual({
          outcome: 'not-redrivable',
          reason: expect.stringContaining('redrivable period exceeded'),
        });
      });

      it.each([
        ['empty', ''],
        ['longer than 64 characters', 'x'.repeat(65)],
        ['with a space', 'redrive me'],
        ['not ASCII', 'redrive-é'],
      ])('refuses a client token %s with a ValidationError naming the field, and redrives nothing', async (_case, clientToken) => {
        const harness = await makeHarness();
        const { executionArn } = await aFailedOne(harness);

        const error = await harness.controller.redrive(executionArn, clientToken).catch((thrown: unknown) => thrown);

        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ field: 'clientToken' });
        expect(await harness.inspector.describe(executionArn)).toMatchObject({ status: 'FAILED', redriveCount: 0 });
      });

      it('takes a client token of 64 characters', async () => {
        const harness = await makeHarness();
        const { executionArn } = await aFailedOne(harness);
        await expect(harness.controller.redrive(executionArn, `${aClientToken()}-`.padEnd(64, 'x'))).resolves.toMatchObject({ outcome: 'redriven' });
      });

      it('refuses an execution of another state machine, naming the field', async () => {
        const harness = await makeHarness();
        const error = await harness.controller.redrive(harness.foreignExecutionArn, aClientToken()).catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ field: 'executionArn' });
      });

      it('throws what Step Functions answers as a start error would be: ExecutionLimitExceeded is transient', async () => {
        const harness = await makeHarness();
        const { executionArn } = await aFailedOne(harness);

        harness.failNext('RedriveExecution', 'ExecutionLimitExceeded');
        const error = await harness.controller.redrive(executionArn, aClientToken()).catch((thrown: unknown) => thrown);

        expect(error).toBeInstanceOf(TransientExecutionStartError);
        expect(error).toMatchObject({ awsErrorCode: 'ExecutionLimitExceeded', retryable: true, message: expect.stringMatching(/^Could not redrive/) });
        expect(await harness.inspector.describe(executionArn)).toMatchObject({ status: 'FAILED', redriveCount: 0 });
      });
    });

    describe('redrive status, as the inspector describes it', () => {
      it('is REDRIVABLE, without a reason, for a FAILED execution', async () => {
        const harness = await makeHarness();
        const { executionArn } = await aFailedOne(harness);
        const described = await harness.inspector.describe(executionArn);
        expect(described).toMatchObject({ status: 'FAILED', redriveStatus: 'REDRIVABLE' });
        expect(described?.redriveStatusReason).toBeUndefined();
      });

      it("is NOT_REDRIVABLE, with Step Functions' reason, for a running or succeeded execution", async () => {
        const harness = await makeHarness();
        const running = await startOne(harness);
        const succeeded = await startOne(harness);
        await harness.end(succeeded.executionArn, 'SUCCEEDED');

        expect(await harness.inspector.describe(running.executionArn)).toMatchObject({ redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: RUNNING_REASON });
        expect(await harness.inspector.describe(succeeded.executionArn)).toMatchObject({
          redriveStatus: 'NOT_REDRIVABLE',
          redriveStatusReason: SUCCEEDED_REASON,
        });
      });

      it('is NOT_REDRIVABLE again once redriven, until it fails again', async () => {
        const harness = await makeHarness();
        const { executionArn } = await aFailedOne(harness);
        await harness.controller.redrive(executionArn, aClientToken());
        expect(await harness.inspector.describe(executionArn)).toMatchObject({ redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: RUNNING_REASON });
        await harness.end(executionArn, 'FAILED');
        expect(await harness.inspector.describe(executionArn)).toMatchObject({ redriveStatus: 'REDRIVABLE', redriveCount: 1 });
      });
    });
  });
}
