import type { ClosedExecutionStatus } from '../domain/index.js';

/** One request to start a deployment execution. */
export interface StartExecutionRequest {
  /** The deterministic execution name (see `executionName`). */
  readonly name: string;
  /** The serialised input (see `serializeStepFunctionInput`). */
  readonly input: string;
  /** An X-Ray trace header to pass through, if any. */
  readonly traceHeader?: string | undefined;
}

/** How an execution that already closed ended, as `DescribeExecution` tells it. */
export interface ClosedExecution {
  readonly status: ClosedExecutionStatus;
  readonly error?: string;
  readonly cause?: string;
}

export interface StartedExecution {
  readonly executionArn: string;
  /**
   * Present when the execution that holds the name has already closed (the
   * build's item was deleted and put back, restored from a backup...). Step
   * Functions keeps the name for 90 days after it closes, so the build cannot
   * run again: the caller records how that execution ended, never
   * `IN_PROGRESS`.
   */
  readonly closed?: ClosedExecution;
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

  /**
   * The execution an earlier attempt started for this request's build under
   * its name (and crashed before recording it), as `start` would answer for
   * it; `undefined` when none holds the name. Starts nothing: what a caller
   * asks before deciding not to start a build at all.
   */
  startedEarlier(request: StartExecutionRequest): Promise<StartedExecution | undefined>;
}
