import { describe, expect, it } from 'vitest';
import { PermanentExecutionStartError, serializeStepFunctionInput, type StepFunctionInput } from '../../../../src/index.js';
import { MAX_EXECUTION_INPUT_BYTES, oversizedInputError } from '../../../../src/adapters/driven/sfn/execution-input-limit.js';
import { aNewBuild, anInputFor } from '../../../support/mothers/build.mother.js';

const input: StepFunctionInput = anInputFor(aNewBuild());

describe("Step Functions' execution input limit", () => {
  it('is 262,144 bytes of UTF-8', () => {
    expect(MAX_EXECUTION_INPUT_BYTES).toBe(262_144);
  });

  it('accepts an input of exactly the limit and refuses one byte more as a permanent InvalidExecutionInput naming the input and its size', () => {
    const base = serializeStepFunctionInput({ ...input, s3Key: 'k' });
    const room = MAX_EXECUTION_INPUT_BYTES - Buffer.byteLength(base) + 1;
    // 'é' is two UTF-8 bytes: the limit counts bytes, not characters.
    const atLimit = serializeStepFunctionInput({ ...input, s3Key: 'é'.repeat(Math.floor(room / 2)) + 'k'.repeat(room % 2) });
    expect(Buffer.byteLength(atLimit)).toBe(MAX_EXECUTION_INPUT_BYTES);
    expect(oversizedInputError(atLimit)).toBeUndefined();

    const error = oversizedInputError(atLimit.replace('"s3_key":"', '"s3_key":"k'));

    expect(error).toBeInstanceOf(PermanentExecutionStartError);
    expect(error).toMatchObject({ awsErrorCode: 'InvalidExecutionInput', retryable: false });
    expect(error?.message).toBe(
      `Could not start the execution (InvalidExecutionInput): Invalid input: is ${MAX_EXECUTION_INPUT_BYTES + 1} bytes of JSON, ` +
        `over the ${MAX_EXECUTION_INPUT_BYTES}-byte limit`,
    );
  });
});
