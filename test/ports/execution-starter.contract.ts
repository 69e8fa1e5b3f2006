import { describe, expect, it } from 'vitest';
import {
  PermanentExecutionStartError,
  TransientExecutionStartError,
  executionArnFor,
  executionName,
  parseStateMachineArn,
  serializeStepFunctionInput,
  type ClosedExecution,
  type ExecutionStarter,
} from '../../src/index.js';
import { MAX_EXECUTION_INPUT_BYTES } from '../../src/adapters/driven/sfn/execution-input-limit.js';
import { aNewBuild, anInputFor } from '../support/mothers/build.mother.js';

/** What the contract needs beyond the port: a way to end executions and to inject faults. */
export interface ExecutionStarterHarness {
  readonly starter: ExecutionStarter;
  readonly stateMachineArn: string;
  /** Ends a running execution (by default it succeeds), keeping its name reserved. */
  complete(executionArn: string, end?: ClosedExecution): Promise<void>;
  /** The next `times` start attempts fail with this Step Functions error code. */
  failNext(awsErrorCode: string, times: number): void;
  /** How many distinct executions exist. */
  executionCount(): Promise<number>;
}

function aStartRequest() {
  const build = aNewBuild();
  return { name: executionName(build), input: serializeStepFunctionInput(anInputFor(build)) };
}

/**
 * The behaviour every {@link ExecutionStarter} must have (STANDARD-workflow
 * semantics). Run against each implementation.
 */
export function describeExecutionStarterContract(name: string, makeHarness: () => Promise<ExecutionStarterHarness>): void {
  describe(`ExecutionStarter contract: ${name}`, () => {
    it('starts an execution whose ARN derives from the state machine and the name', async () => {
      const harness = await makeHarness();
      const request = aStartRequest();
      const started = await harness.starter.start(request);
      expect(started).toEqual({
        executionArn: executionArnFor(parseStateMachineArn(harness.stateMachineArn), request.name),
        alreadyStarted: false,
      });
      expect(await harness.executionCount()).toBe(1);
    });

    it('returns the same execution for the same name and input while it runs', async () => {
      const harness = await makeHarness();
      const request = aStartRequest();
      const first = await harness.starter.start(request);
      const again = await harness.starter.start(request);
      expect(again).toEqual({ executionArn: first.executionArn, alreadyStarted: false });
      expect(await harness.executionCount()).toBe(1);
    });

    it('reports "already started" for the same name with another input', async () => {
      const harness = await makeHarness();
      const request = aStartRequest();
      const first = await harness.starter.start(request);
      const changed = await harness.starter.start({ ...request, input: request.input.replace('1.2.3', '1.2.4') });
      expect(changed).toEqual({ executionArn: first.executionArn, alreadyStarted: true });
      expect(await harness.executionCount()).toBe(1);
    });

    it('refuses, as permanent, a name already held by another build', async () => {
      const harness = await makeHarness();
      const request = aStartRequest();
      await harness.starter.start(request);
      const intruder = serializeStepFunctionInput(anInputFor(aNewBuild()));
      const error = await harness.starter.start({ ...request, input: intruder }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentExecutionStartError);
      expect(error).toMatchObject({ awsErrorCode: 'ExecutionAlreadyExists' });
      expect(await harness.executionCount()).toBe(1);
    });

    it('reports "already started" for the name of a closed execution, and how it ended', async () => {
      const harness = await makeHarness();
      const request = aStartRequest();
      const first = await harness.starter.start(request);
      await harness.complete(first.executionArn);
      expect(await harness.starter.start(request)).toEqual({
        executionArn: first.executionArn,
        alreadyStarted: true,
        closed: { status: 'SUCCEEDED' },
      });
      expect(await harness.executionCount()).toBe(1);
    });

    it('tells, without starting one, whether an execution holds the name: none, a running one, a closed one', async () => {
      const harness = await makeHarness();
      const request = aStartRequest();
      expect(await harness.starter.startedEarlier(request)).toBeUndefined();
      expect(await harness.executionCount()).toBe(0);

      const first = await harness.starter.start(request);
      expect(await harness.starter.startedEarlier(request)).toEqual({ executionArn: first.executionArn, alreadyStarted: true });
      await harness.complete(first.executionArn);
      expect(await harness.starter.startedEarlier(request)).toEqual({
        executionArn: first.executionArn,
        alreadyStarted: true,
        closed: { status: 'SUCCEEDED' },
      });
      expect(await harness.executionCount()).toBe(1);
    });

    it('reports a closed execution that failed with its error and cause', async () => {
      const harness = await makeHarness();
      const request = aStartRequest();
      const first = await harness.starter.start(request);
      await harness.complete(first.executionArn, { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'took 3 days' });
      expect(await harness.starter.start(request)).toEqual({
        executionArn: first.executionArn,
        alreadyStarted: true,
        closed: { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'took 3 days' },
      });
    });

    it('reports a running execution found after a permanent error as running, not closed', async () => {
      const harness = await makeHarness();
      const request = aStartRequest();
      const first = await harness.starter.start(request);
      harness.failNext('StateMachineDeleting', 1);
      expect(await harness.starter.start(request)).toEqual({ executionArn: first.executionArn, alreadyStarted: true });
    });

    it('starts one execution for many concurrent identical starts', async () => {
      const harness = await makeHarness();
      const request = aStartRequest();
      const results = await Promise.all(Array.from({ length: 20 }, () => harness.starter.start(request)));
      expect(new Set(results.map((result) => result.executionArn)).size).toBe(1);
      expect(await harness.executionCount()).toBe(1);
    });

    it.each(['StateMachineDeleting', 'KmsAccessDeniedException'])(
      'returns the execution an earlier attempt started when %s follows it',
      async (code) => {
        const harness = await makeHarness();
        const request = aStartRequest();
        const first = await harness.starter.start(request);
        harness.failNext(code, 1);
        expect(await harness.starter.start(request)).toEqual({ executionArn: first.executionArn, alreadyStarted: true });
        expect(await harness.executionCount()).toBe(1);
      },
    );

    it('rejects an invalid name as permanent InvalidName', async () => {
      const harness = await makeHarness();
      const error = await harness.starter.start({ ...aStartRequest(), name: 'has space' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentExecutionStartError);
      expect(error).toMatchObject({ awsErrorCode: 'InvalidName', retryable: false });
      expect(await harness.executionCount()).toBe(0);
    });

    it('accepts an input of exactly the size limit and rejects one byte more as permanent', async () => {
      const harness = await makeHarness();
      const envelope = JSON.stringify({ pad: '' }).length;
      // 'é' is two UTF-8 bytes: the limit counts bytes, not characters.
      const atLimit = JSON.stringify({ pad: 'é'.repeat((MAX_EXECUTION_INPUT_BYTES - envelope) / 2) });
      expect(Buffer.byteLength(atLimit)).toBe(MAX_EXECUTION_INPUT_BYTES);
      await expect(harness.starter.start({ ...aStartRequest(), input: atLimit })).resolves.toMatchObject({
        alreadyStarted: false,
      });
      const overLimit = atLimit.replace('"pad":"', '"pad":"x');
      const error = await harness.starter.start({ ...aStartRequest(), input: overLimit }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentExecutionStartError);
      expect(error).toMatchObject({ awsErrorCode: 'InvalidExecutionInput' });
      // The reason the build records names the input and its size.
      expect((error as Error).message).toContain(`Invalid input: is ${MAX_EXECUTION_INPUT_BYTES + 1} bytes`);
      expect(await harness.executionCount()).toBe(1);
    });

    it.each(['StateMachineDoesNotExist', 'StateMachineDeleting', 'KmsAccessDeniedException', 'KmsInvalidStateException'])(
      'surfaces %s as a permanent error',
      async (code) => {
        const harness = await makeHarness();
        harness.failNext(code, 1);
        const error = await harness.starter.start(aStartRequest()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PermanentExecutionStartError);
        expect(error).toMatchObject({ awsErrorCode: code });
        expect(await harness.executionCount()).toBe(0);
      },
    );

    it.each(['ExecutionLimitExceeded', 'KmsThrottlingException', 'ThrottlingException'])(
      'surfaces a persistent %s as a transient error, starting nothing',
      async (code) => {
        const harness = await makeHarness();
        harness.failNext(code, 20);
        const error = await harness.starter.start(aStartRequest()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TransientExecutionStartError);
        expect(error).toMatchObject({ awsErrorCode: code, retryable: true });
        expect(await harness.executionCount()).toBe(0);
      },
    );
  });
}
