import { OrchestratorError } from './orchestrator.errors.js';

/**
 * An execution could not be started. `retryable` tells the caller what to do
 * with the build: keep it `PENDING` and retry, or record it `FAILED`.
 */
export abstract class ExecutionStartError extends OrchestratorError {
  static override readonly stableName: string = 'ExecutionStartError';
  abstract readonly retryable: boolean;

  constructor(
    /** The service's error code, or the network error's name. */
    readonly awsErrorCode: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Could not start the execution (${awsErrorCode}): ${message}`, options);
  }
}

/** Retrying cannot help; the build should become `FAILED` with this error's message. */
export class PermanentExecutionStartError extends ExecutionStartError {
  static override readonly stableName: string = 'PermanentExecutionStartError';
  override readonly name: string = 'PermanentExecutionStartError';
  readonly code = 'EXECUTION_START_PERMANENT';
  readonly retryable = false;
}

/** Retrying later can succeed; the build must stay `PENDING`. */
export class TransientExecutionStartError extends ExecutionStartError {
  static override readonly stableName: string = 'TransientExecutionStartError';
  override readonly name: string = 'TransientExecutionStartError';
  readonly code = 'EXECUTION_START_TRANSIENT';
  readonly retryable = true;
}
