import {
  PermanentExecutionStartError,
  buildIdOf,
  buildKeyOfSerializedInput,
  executionArnFor,
  isClosedExecutionStatus,
  isValidExecutionName,
  parseStateMachineArn,
  type ClosedExecutionStatus,
  type ExecutionStatus,
  type StateMachineArn,
} from '../../../domain/index.js';
import { executionStartError, mayFollowAnEarlierStart } from '../sfn/start-error-codes.js';
import { oversizedInputError } from '../sfn/execution-input-limit.js';
import type { ExecutionStarter, StartExecutionRequest, StartedExecution } from '../../../ports/index.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';

/** An execution the in-memory starter started. */
export interface RecordedExecution {
  readonly name: string;
  readonly input: string;
  readonly executionArn: string;
  readonly traceHeader?: string;
  readonly startDate: Date;
  readonly status: ExecutionStatus;
  readonly stopDate?: Date;
  readonly error?: string;
  readonly cause?: string;
  /** How many times it was redriven (see `redrive`); absent when never. */
  readonly redriveCount?: number;
}

/** How an execution ended. */
export interface ExecutionEnd {
  readonly status: ClosedExecutionStatus;
  readonly error?: string;
  readonly cause?: string;
}

export interface InMemoryExecutionStarterOptions {
  readonly stateMachineArn: string;
  /** Delay before each start answers. */
  readonly latencyMs?: number;
  /**
   * Runs after a new execution is created and before `start` resolves: the
   * place to simulate an execution that finishes faster than its start is
   * recorded.
   */
  readonly onExecutionStarted?: (execution: RecordedExecution) => Promise<void> | void;
}

/**
 * An {@link ExecutionStarter} with STANDARD-workflow semantics in memory:
 * the same name and input while running give the same ARN; the same name
 * otherwise is "already started". It records every execution and can be told
 * to fail or to be slow. It passes the same contract suite as the Step
 * Functions adapter.
 *
 * @example
 * ```ts
 * const executionStarter = new InMemoryExecutionStarter({
 *   stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:deployment',
 * });
 * executionStarter.failNext('ExecutionLimitExceeded'); // the next start throws a TransientExecutionStartError
 * executionStarter.executions; // every execution started
 * ```
 */
export class InMemoryExecutionStarter implements ExecutionStarter {
  private readonly stateMachine: StateMachineArn;
  private readonly byName = new Map<string, RecordedExecution>();
  private readonly failures: string[] = [];
  private readonly onExecutionStarted: InMemoryExecutionStarterOptions['onExecutionStarted'];
  private latencyMs: number;

  constructor(options: InMemoryExecutionStarterOptions) {
    this.stateMachine = parseStateMachineArn(options.stateMachineArn);
    this.latencyMs = options.latencyMs ?? 0;
    this.onExecutionStarted = options.onExecutionStarted;
  }

  /** The ARN an execution of this name has (or would have) on this state machine. */
  executionArnOf(name: string): string {
    return executionArnFor(this.stateMachine, name);
  }

  /** Every execution started, oldest first. */
  get executions(): readonly RecordedExecution[] {
    return [...this.byName.values()];
  }

  /** The next `times` starts fail with this Step Functions error code, classified as the SFN adapter does. */
  failNext(awsErrorCode: string, times = 1): void {
    this.failures.push(...Array.from({ length: times }, () => awsErrorCode));
  }

  setLatency(milliseconds: number): void {
    this.latencyMs = milliseconds;
  }

  /** Ends a running execution, which keeps its name reserved. */
  complete(executionArn: string, end: ExecutionEnd['status'] | ExecutionEnd): void {
    const execution = this.executions.find((candidate) => candidate.executionArn === executionArn);
    if (!execution) throw new Error(`No execution ${executionArn}`);
    if (execution.status !== 'RUNNING') throw new Error(`Execution ${executionArn} is already ${execution.status}`);
    const details = typeof end === 'string' ? { status: end } : end;
    this.byName.set(execution.name, { ...execution, ...details, stopDate: new Date() });
  }

  /**
   * Redrives a `FAILED`, `TIMED_OUT` or `ABORTED` execution, as Step
   * Functions' RedriveExecution does: it runs again under the same ARN and
   * counts the redrive. End it again with `complete`.
   */
  redrive(executionArn: string): void {
    const execution = this.executions.find((candidate) => candidate.executionArn === executionArn);
    if (!execution) throw new Error(`No execution ${executionArn}`);
    if (execution.status === 'RUNNING' || execution.status === 'SUCCEEDED') {
      throw new Error(`Execution ${executionArn} is ${execution.status}; it cannot be redriven`);
    }
    const { stopDate: _stopDate, error: _error, cause: _cause, ...rest } = execution;
    this.byName.set(execution.name, { ...rest, status: 'RUNNING', redriveCount: (execution.redriveCount ?? 0) + 1 });
  }

  async start(request: StartExecutionRequest): Promise<StartedExecution> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const existing = this.byName.get(request.name);
    const failure = this.failures.shift();
    if (failure !== undefined) {
      // As the Step Functions adapter does: look for an execution an earlier attempt started.
      if (existing && mayFollowAnEarlierStart(failure)) {
        rejectAnotherBuilds(existing, request);
        return alreadyStarted(existing);
      }
      throw executionStartError(failure, 'injected by InMemoryExecutionStarter');
    }
    return this.startNow(request, existing);
  }

  async startedEarlier(request: StartExecutionRequest): Promise<StartedExecution | undefined> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const existing = this.byName.get(request.name);
    if (existing === undefined) return undefined;
    rejectAnotherBuilds(existing, request);
    return alreadyStarted(existing);
  }

  /**
   * Starts an execution as an operator would from the console, with any name
   * and input: no injected failure or latency applies. For tests of what a
   * foreign execution (one that is not a build's own) may change.
   */
  async startByHand(request: StartExecutionRequest): Promise<StartedExecution> {
    return this.startNow(request, this.byName.get(request.name));
  }

  private async startNow(request: StartExecutionRequest, existing: RecordedExecution | undefined): Promise<StartedExecution> {
    rejectInvalid(request);

    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === request.input) {
        return { executionArn: existing.executionArn, alreadyStarted: false };
      }
      rejectAnotherBuilds(existing, request);
      return alreadyStarted(existing);
    }

    const execution: RecordedExecution = withoutUndefined({
      name: request.name,
      input: request.input,
      executionArn: executionArnFor(this.stateMachine, request.name),
      traceHeader: request.traceHeader,
      startDate: new Date(),
      status: 'RUNNING' as const,
    });
    this.byName.set(request.name, execution);
    await this.onExecutionStarted?.(execution);
    return { executionArn: execution.executionArn, alreadyStarted: false };
  }
}

/** The answer for a name an execution of the same build holds; a closed one says how it ended. */
function alreadyStarted(existing: RecordedExecution): StartedExecution {
  const { executionArn, status, error, cause } = existing;
  if (!isClosedExecutionStatus(status)) return { executionArn, alreadyStarted: true };
  return { executionArn, alreadyStarted: true, closed: withoutUndefined({ status, error, cause }) };
}

/** A name held by another build's execution is a collision, never "already started". */
function rejectAnotherBuilds(existing: RecordedExecution, request: StartExecutionRequest): void {
  const requested = buildKeyOfSerializedInput(request.input);
  const running = buildKeyOfSerializedInput(existing.input);
  if (requested && (!running || buildIdOf(running) !== buildIdOf(requested))) {
    throw new PermanentExecutionStartError(
      'ExecutionAlreadyExists',
      `execution ${existing.executionArn} exists but runs another build, not ${buildIdOf(requested)}`,
    );
  }
}

/** The checks Step Functions makes before it starts anything. */
function rejectInvalid(request: StartExecutionRequest): void {
  if (!isValidExecutionName(request.name)) {
    throw executionStartError('InvalidName', `Invalid Name: '${request.name}'`);
  }
  const oversized = oversizedInputError(request.input);
  if (oversized) throw oversized;
  try {
    JSON.parse(request.input);
  } catch {
    throw executionStartError('InvalidExecutionInput', 'The input is not valid JSON');
  }
}
