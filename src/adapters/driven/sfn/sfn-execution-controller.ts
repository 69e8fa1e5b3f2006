import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  RedriveExecutionCommand,
  StopExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { parseStateMachineArn, type ExecutionStartError, type StateMachineArn } from '../../../domain/index.js';
import type { ExecutionController, ExecutionRedrive, ExecutionStop } from '../../../ports/index.js';
import { requireClientToken, requireExecutionOf, stopDetails } from './execution-control-limits.js';
import { executionStartError } from './start-error-codes.js';

export interface SfnExecutionControllerOptions {
  /** An `SFNClient` you own and configure (region, retries, tracing). */
  readonly client: SFNClient;
  /** The STANDARD state machine whose executions are controlled. */
  readonly stateMachineArn: string;
}

/** Statuses of an execution that has not closed: the ones a stop can end. */
const OPEN_STATUSES: readonly string[] = ['RUNNING', 'PENDING_REDRIVE'];

/**
 * {@link ExecutionController} on AWS Step Functions: `StopExecution` and
 * `RedriveExecution` of one STANDARD state machine's executions.
 *
 * Stopping: StopExecution answers an execution that has already closed with
 * success and leaves it as it was (what Step Functions does, and the local
 * endpoint with it), so the execution is described before and after: only a
 * running execution is stopped, and one that closed on its own in between is
 * `not-running`. Its only modelled errors are `ExecutionDoesNotExist`,
 * `InvalidArn` and `ValidationException` (StopExecution API reference), plus
 * the KMS errors of an encrypted execution. `error` and `cause` are cut to
 * Step Functions' limits (256 and 32,768 characters).
 *
 * Redriving: RedriveExecution (API reference) runs a `FAILED`, `TIMED_OUT` or
 * `ABORTED` STANDARD execution that closed in the last 14 days again from its
 * failed state, same ARN and input, and answers `redriveDate`. It refuses
 * with `ExecutionNotRedrivable` (answered `not-redrivable` with its message)
 * and `ExecutionDoesNotExist` (answered alike); `ExecutionLimitExceeded`,
 * `InvalidArn`, `ValidationException` and everything else are thrown. The
 * `clientToken` (1 to 64 printable ASCII characters, checked before sending)
 * makes a repeat within 15 minutes answer as the first request did.
 *
 * Errors are thrown as `TransientExecutionStartError` or
 * `PermanentExecutionStartError`, classified by the starter's table (see
 * `start-error-codes.ts`): the domain has no other error for a Step Functions
 * call that failed, and callers already know these two (`retryable`). Their
 * message names the operation.
 *
 * IAM: `states:StopExecution`, `states:RedriveExecution` and
 * `states:DescribeExecution` on
 * `arn:aws:states:{region}:{account}:execution:{stateMachineName}:*`; with a
 * customer managed KMS key, `kms:Decrypt`/`kms:GenerateDataKey` for the stop's
 * error and cause.
 *
 * @example
 * ```ts
 * const executionController = new SfnExecutionController({ client: new SFNClient({}), stateMachineArn });
 * await executionController.stop(executionArn, { error: 'Cancelled', cause: 'cancel --force by alice' }); // { outcome: 'stopped' }
 * await executionController.redrive(executionArn, 'redrive-2HFj3kLm'); // { outcome: 'redriven', redriveDate }
 * ```
 */
export class SfnExecutionController implements ExecutionController {
  private readonly client: SFNClient;
  private readonly stateMachine: StateMachineArn;

  constructor(options: SfnExecutionControllerOptions) {
    this.stateMachine = parseStateMachineArn(options.stateMachineArn);
    this.client = options.client;
  }

  async stop(executionArn: string, reason: { readonly error: string; readonly cause: string }): Promise<ExecutionStop> {
    requireExecutionOf(this.stateMachine, executionArn);
    const details = stopDetails(reason);
    const before = await this.statusOf(executionArn, 'stop');
    if (before === undefined || !OPEN_STATUSES.includes(before)) return { outcome: 'not-running' };
    try {
      await this.client.send(new StopExecutionCommand({ executionArn, ...details }));
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return { outcome: 'not-running' };
      throw controlError('stop', error);
    }
    // It may have closed on its own between the two calls: StopExecution then
    // succeeded without changing it. A check that cannot be made leaves the
    // stop as accepted: the execution was running a moment ago.
    const after = await this.statusOf(executionArn, 'stop').catch(() => 'ABORTED');
    return after === 'ABORTED' || (after !== undefined && OPEN_STATUSES.includes(after)) ? { outcome: 'stopped' } : { outcome: 'not-running' };
  }

  async redrive(executionArn: string, clientToken: string): Promise<ExecutionRedrive> {
    requireExecutionOf(this.stateMachine, executionArn);
    requireClientToken(clientToken);
    try {
      const { redriveDate } = await this.client.send(new RedriveExecutionCommand({ executionArn, clientToken }));
      return { outcome: 'redriven', redriveDate: redriveDate ?? new Date() };
    } catch (error) {
      if (error instanceof ExecutionNotRedrivable || error instanceof ExecutionDoesNotExist) {
        return { outcome: 'not-redrivable', reason: error.message };
      }
      throw controlError('redrive', error);
    }
  }

  /** The execution's status; `undefined` when it does not exist. */
  private async statusOf(executionArn: string, operation: string): Promise<string | undefined> {
    try {
      const { status } = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return status;
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return undefined;
      throw controlError(operation, error);
    }
  }
}

/** The service's error code; network failures surface as `TimeoutError` and the like. */
function awsErrorCode(error: unknown): string {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : 'UnknownError';
}

/**
 * A failed call as the start errors classify it (permanent or transient),
 * its message saying which operation failed rather than "Could not start".
 */
function controlError(operation: string, error: unknown): ExecutionStartError {
  const code = awsErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const failure = executionStartError(code, message, { cause: error });
  failure.message = `Could not ${operation} the execution (${code}): ${message}`;
  return failure;
}
