/** One request to start a deployment execution. */
export interface StartExecutionRequest {
  /** The deterministic execution name (see `executionName`). */
  readonly name: string;
  /** The serialised input (see `serializeStepFunctionInput`). */
  readonly input: string;
  /** An X-Ray trace header to pass through, if any. */
  readonly traceHeader?: string;
}

export interface StartedExecution {
  readonly executionArn: string;
  /**
   * `true` when an execution with this name already existed and was not
   * running with the same input (Step Functions' `ExecutionAlreadyExists`).
   * A same-name, same-input start of a running execution is indistinguishable
   * from a first start and reports `false`.
   */
  readonly alreadyStarted: boolean;
}

/**
 * Starts executions of one STANDARD state machine. Idempotent by name: a
 * name that already ran or runs never starts a second execution; its ARN is
 * returned instead.
 *
 * Throws `PermanentExecutionStartError` or `TransientExecutionStartError`.
 */
export interface ExecutionStarter {
  start(request: StartExecutionRequest): Promise<StartedExecution>;
}
