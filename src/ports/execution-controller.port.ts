/** How stopping an execution ended (see {@link ExecutionController.stop}). */
export type ExecutionStop =
  /** It was running and is stopped (Step Functions: `ABORTED`). */
  | { readonly outcome: 'stopped' }
  /** It had already closed, or does not exist: nothing was stopped. */
  | { readonly outcome: 'not-running' };

/** How asking for a redrive ended (see {@link ExecutionController.redrive}). */
export type ExecutionRedrive =
  /** Step Functions runs it again from its failed state (a repeat of the same `clientToken` answers the same). */
  | { readonly outcome: 'redriven'; readonly redriveDate: Date }
  /** Step Functions refuses (it runs, it succeeded, it closed more than 14 days ago...): `reason`, in its words. */
  | { readonly outcome: 'not-redrivable'; readonly reason: string };

/**
 * Acts on executions of one STANDARD state machine: what a person's
 * `cancel --force` and `redrive` need. Never starts one (builds start only
 * by trigger-build and the sweeper).
 *
 * Throws `TransientExecutionStartError`-like errors unchanged when Step
 * Functions cannot be reached; refusals are answered.
 */
export interface ExecutionController {
  /** Stops a running execution (`StopExecution`), recording `error` and `cause` on it. */
  stop(executionArn: string, reason: { readonly error: string; readonly cause: string }): Promise<ExecutionStop>;

  /**
   * Runs a `FAILED`, `TIMED_OUT` or `ABORTED` execution again from the state
   * it failed in (`RedriveExecution`): same ARN, same input. `clientToken`
   * (1 to 64 characters) makes a repeat within 15 minutes the same request.
   */
  redrive(executionArn: string, clientToken: string): Promise<ExecutionRedrive>;
}
