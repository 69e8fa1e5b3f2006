import { describe, expect, it } from 'vitest';
import {
  deserializeStepFunctionInput,
  parseStepFunctionInput,
  serializeStepFunctionInput,
  type StepFunctionInput,
} from '../../src/index.js';

const input: StepFunctionInput = {
  repo: 'myapp',
  env: 'prd',
  branch: 'main',
  version: '1.2.3',
  sk: '2HFj3kLmNoPqRsTuVwXy',
  commitHash: 'abc123',
  s3Bucket: 'my-artifacts-bucket',
  s3Key: 'myapp/main/1.2.3',
};

describe('the execution input', () => {
  it("escapes <, >, &, U+2028 and U+2029 as Go's json.Marshal does, so Step Functions sees Go's very bytes", () => {
    const odd = { ...input, branch: 'fix/<a>&b', version: '1.2.3\u2028\u2029' };
    const wire = serializeStepFunctionInput(odd);
    expect(wire).toContain('"branch":"fix/\\u003ca\\u003e\\u0026b"');
    expect(wire).toContain('"version":"1.2.3\\u2028\\u2029"');
    expect(deserializeStepFunctionInput(wire)).toEqual(odd);
  });

  it('serialises to the Go wire format: snake_case, fixed key order, every key', () => {
    expect(serializeStepFunctionInput(input)).toBe(
      '{"repo":"myapp","env":"prd","branch":"main","version":"1.2.3","sk":"2HFj3kLmNoPqRsTuVwXy",' +
        '"commit_hash":"abc123","s3_bucket":"my-artifacts-bucket","s3_key":"myapp/main/1.2.3"}',
    );
  });

  it('serialises the same whatever order the caller built the object in', () => {
    const reordered = Object.fromEntries(Object.entries(input).reverse()) as StepFunctionInput;
    expect(serializeStepFunctionInput(reordered)).toBe(serializeStepFunctionInput(input));
  });

  it('reads its own wire form back', () => {
    expect(deserializeStepFunctionInput(serializeStepFunctionInput(input))).toEqual(input);
  });

  it.each([
    ['repo', { repo: 'a/b' }],
    ['sk', { sk: '' }],
    ['branch', { branch: '' }],
    ['commitHash', { commitHash: undefined }],
    ['s3Bucket', { s3Bucket: 3 }],
    ['s3Key', { s3Key: '' }],
  ])('names %s when it is bad', (field, override) => {
    expect(() => parseStepFunctionInput({ ...input, ...override })).toThrow(expect.objectContaining({ field }));
  });

  it('leaves the size limit to the starter: Step Functions\' limit is the adapter\'s', () => {
    const large = { ...input, s3Key: 'k'.repeat(300_000) };
    expect(deserializeStepFunctionInput(serializeStepFunctionInput(large))).toEqual(large);
  });

  it('names the wire key when an execution input from Step Functions is bad', () => {
    expect(() => deserializeStepFunctionInput('not json')).toThrow(expect.objectContaining({ field: 'input' }));
    const missing = JSON.stringify({ ...JSON.parse(serializeStepFunctionInput(input)), commit_hash: undefined });
    expect(() => deserializeStepFunctionInput(missing)).toThrow(expect.objectContaining({ field: 'commit_hash' }));
  });
});
