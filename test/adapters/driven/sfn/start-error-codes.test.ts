import { describe, expect, it } from 'vitest';
import {
  PERMANENT_START_ERROR_CODES,
  PermanentExecutionStartError,
  TRANSIENT_START_ERROR_CODES,
  TransientExecutionStartError,
  executionStartError,
} from '../../../../src/index.js';

describe('classifying Step Functions start errors', () => {
  it.each(PERMANENT_START_ERROR_CODES)('%s is permanent', (code) => {
    const error = executionStartError(code, 'boom');
    expect(error).toBeInstanceOf(PermanentExecutionStartError);
    expect(error).toMatchObject({ awsErrorCode: code, retryable: false, code: 'EXECUTION_START_PERMANENT' });
  });

  it.each([...TRANSIENT_START_ERROR_CODES, 'SomethingNobodyListed'])('%s is transient', (code) => {
    const error = executionStartError(code, 'boom');
    expect(error).toBeInstanceOf(TransientExecutionStartError);
    expect(error).toMatchObject({ awsErrorCode: code, retryable: true });
  });

  it('keeps the cause and says what happened', () => {
    const cause = new Error('socket hang up');
    const error = executionStartError('NetworkingError', 'socket hang up', { cause });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('Could not start the execution (NetworkingError): socket hang up');
    expect(error.name).toBe('TransientExecutionStartError');
  });
});
