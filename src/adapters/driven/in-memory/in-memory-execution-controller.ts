import { parseStateMachineArn, type StateMachineArn } from '../../../domain/index.js';
import type { ExecutionController, ExecutionRedrive, ExecutionStop } from '../../../ports/index.js';
import { requireClientToken, requireExecutionOf, stopDetails } from '../sfn/execution-control-limits.js';
import { executionStartError } from '../sfn/start-error-codes.js';
import type { InMemoryExecutionStarter } from './in-memory-execution-starter.js';

/** The two Step Functions operations a controller calls, as fault injection names them. */
export type ControlOperation = 'StopExecution' | 'RedriveExecution';

/**
 * An {@link ExecutionController} over the executions an
 * {@link InMemoryExecutionStarter} started (an `InMemoryExecutionInspector`
 * on the same starter sees what it does). It checks and cuts its arguments as
 * the Step Functions adapter does and passes the same contract suite.
 *
 * @example
 * ```ts
 * const executionStarter = new InMemoryExecutionStarter({ stateMachineArn });
 * const executionController = new InMemoryExecutionController(executionStarter);
 * await executionController.stop(executionArn, { error: 'Cancelled', cause: 'by alice' }); // { outcome: 'stopped' }
 * executionController.failNext('RedriveExecution', 'ExecutionLimitExceeded'); // the next redrive throws a TransientExecutionStartError
 * ```
 */
export class InMemoryExecutionController implements ExecutionController {
  private readonly stateMachine: StateMachineArn;
  private readonly failures: { readonly operation: ControlOperation; readonly code: string }[] = [];

  constructor(private readonly starter: InMemoryExecutionStarter) {
    // The starter's own ARN is valid: it parsed it.
    this.stateMachine = parseStateMachineArn(starter.stateMachineArn);
  }

  /** The next `times` calls of `operation` fail with this Step Functions error code, classified as the SFN adapter does. */
  failNext(operation: ControlOperation, awsErrorCode: string, times = 1): void {
    this.failures.push(...Array.from({ length: times }, () => ({ operation, code: awsErrorCode })));
  }

  async stop(executionArn: string, reason: { readonly error: string; readonly cause: string }): Promise<ExecutionStop> {
    requireExecutionOf(this.stateMachine, executionArn);
    const details = stopDetails(reason);
    this.failIfInjected('StopExecution');
    return this.starter.stopExecution(executionArn, details);
  }

  async redrive(executionArn: string, clientToken: string): Promise<ExecutionRedrive> {
    requireExecutionOf(this.stateMachine, executionArn);
    requireClientToken(clientToken);
    this.failIfInjected('RedriveExecution');
    return this.starter.redriveExecution(executionArn, clientToken);
  }

  private failIfInjected(operation: ControlOperation): void {
    const index = this.failures.findIndex((failure) => failure.operation === operation);
    if (index < 0) return;
    const [failure] = this.failures.splice(index, 1);
    const code = failure?.code ?? 'UnknownError';
    const error = executionStartError(code, 'injected by InMemoryExecutionController');
    error.message = `Could not ${operation === 'StopExecution' ? 'stop' : 'redrive'} the execution (${code}): injected by InMemoryExecutionController`;
    throw error;
  }
}
