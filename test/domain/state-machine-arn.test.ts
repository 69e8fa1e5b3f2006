import { describe, expect, it } from 'vitest';
import { executionArnFor, parseStateMachineArn } from '../../src/index.js';

describe('state machine ARNs', () => {
  it('derive the execution ARN Step Functions gives a STANDARD execution', () => {
    const machine = parseStateMachineArn('arn:aws-cn:states:cn-north-1:123456789012:stateMachine:deployment');
    expect(machine).toEqual({ partition: 'aws-cn', region: 'cn-north-1', account: '123456789012', name: 'deployment' });
    expect(executionArnFor(machine, 'myapp-prd-1')).toBe('arn:aws-cn:states:cn-north-1:123456789012:execution:deployment:myapp-prd-1');
  });

  it.each([
    'deployment',
    'arn:aws:states:us-east-1:123456789012:execution:deployment:x',
    'arn:aws:lambda:us-east-1:123456789012:function:deployment',
    'arn:aws:states:us-east-1:12345:stateMachine:deployment',
  ])('refuse %s, naming the option', (arn) => {
    expect(() => parseStateMachineArn(arn)).toThrow(expect.objectContaining({ field: 'stateMachineArn' }));
  });
});
