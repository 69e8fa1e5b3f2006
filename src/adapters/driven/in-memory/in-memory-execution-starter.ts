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
import { CLIENT_TOKEN_VALIDITY_MS, REDRIVABLE_PERIOD_MS, REMEMBERED_CLIENT_TOKENS } from '../sfn/execution-control-limits.js';
import type {
  ExecutionDescription,
  ExecutionRedrive,
  ExecutionStarter,
  ExecutionStop,
  StartExecutionRequest,
  StartedExecution,
} from '../../../ports/index.js';
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
  /** When it was last redriven; absent when never. */
  readonly redriveDate?: Date;
}

/** Whether Step Functions would redrive an execution now, as DescribeExecution says it. */
export type RedriveStatus = Pick<ExecutionDescription, 'redriveStatus' | 'redriveStatusReason'>;

/** A client token that redrove an execution, and the answer it got. */
interface UsedClientToken {
  readonly clientToken: string;
  readonly firstUsed: number;
  readonly redriveDate: Date;
}

/** The longest a STANDARD execution may run: one year (Step Functions quotas). */
const MAX_EXECUTION_TIME_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * DescribeExecution's `redriveStatus` and `redriveStatusReason` for an
 * execution, in Step Functions' words (the DescribeExecution API reference
 * lists the reasons of a STANDARD execution: "Execution is RUNNING and cannot
 * be redriven.", "Execution is SUCCEEDED and cannot be redriven.", "Execution
 * has exceeded the max execution time.", "Execution redrivable period
 * exceeded.", ...).
 */
export function redriveStatusOf(execution: Pick<RecordedExecution, 'status' | 'startDate' | 'stopDate'>, now: Date = new Date()): RedriveStatus {
  const { status, startDate, stopDate } = execution;
  if (status === 'RUNNING' || status === 'SUCCEEDED' || status === 'PENDING_REDRIVE') {
    return { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: `Execution is ${status} and cannot be redriven.` };
  }
  if (now.getTime() - startDate.getTime() > MAX_EXECUTION_TIME_MS) {
    return { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution has exceeded the max execution time.' };
  }
  if (stopDate !== undefined && now.getTime() - stopDate.getTime() > REDRIVABLE_PERIOD_MS) {
    return { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution redrivable period exceeded.' };
  }
  return { redriveStatus: 'REDRIVABLE' };
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
  /** The state machine it starts executions of. */
  readonly stateMachineArn: string;
  private readonly stateMachine: StateMachineArn;
  private readonly byName = new Map<string, RecordedExecution>();
  private readonly failures: string[] = [];
  /** Client tokens that redrove each execution, by ARN, oldest first. */
  private readonly clientTokens = new Map<string, UsedClientToken[]>();
  private readonly onExecutionStarted: InMemoryExecutionStarterOptions['onExecutionStarted'];
  private latencyMs: number;

  constructor(options: InMemoryExecutionStarterOptions) {
    this.stateMachine = parseStateMachineArn(options.stateMachineArn);
    this.stateMachineArn = options.stateMachineArn;
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
   * counts the redrive. End it again with `complete`. Throws when Step
   * Functions would refuse (see {@link redriveExecution} for its answer).
   */
  redrive(executionArn: string): void {
    const answer = this.redriveExecution(executionArn);
    if (answer.outcome === 'not-redrivable') throw new Error(`Execution ${executionArn} cannot be redriven: ${answer.reason}`);
  }

  /**
   * StopExecution as Step Functions answers it: a running execution ends
   * `ABORTED` with `error` and `cause` (when given); a closed or unknown one
   * is left as it was. What `InMemoryExecutionController.stop` does.
   */
  stopExecution(executionArn: string, details: { readonly error?: string; readonly cause?: string } = {}): ExecutionStop {
    const execution = this.executionByArn(executionArn);
    if (execution?.status !== 'RUNNING') return { outcome: 'not-running' };
    this.complete(executionArn, withoutUndefined({ status: 'ABORTED' as const, error: details.error, cause: details.cause }));
    return { outcome: 'stopped' };
  }

  /**
   * RedriveExecution as Step Functions answers it: a `FAILED`, `TIMED_OUT`
   * or `ABORTED` execution that closed in the last 14 days runs again from
   * its failed state, under the same ARN, its `redriveCount` one higher; a
   * `clientToken` that redrove it in the last 15 minutes (one of its last 10)
   * gets the first answer again and redrives nothing; any other execution is
   * `not-redrivable`, for DescribeExecution's `redriveStatusReason`. What
   * `InMemoryExecutionController.redrive` does.
   */
  redriveExecution(executionArn: string, clientToken?: string): ExecutionRedrive {
    const execution = this.executionByArn(executionArn);
    if (execution === undefined) return { outcome: 'not-redrivable', reason: `Execution Does Not Exist: '${executionArn}'` };
    const now = new Date();
    const used = (this.clientTokens.get(executionArn) ?? []).filter((token) => now.getTime() - token.firstUsed < CLIENT_TOKEN_VALIDITY_MS);
    const repeated = clientToken === undefined ? undefined : used.find((token) => token.clientToken === clientToken);
    if (repeated !== undefined) return { outcome: 'redriven', redriveDate: repeated.redriveDate };
    const { redriveStatus, redriveStatusReason } = redriveStatusOf(execution, now);
    if (redriveStatus !== 'REDRIVABLE') return { outcome: 'not-redrivable', reason: redriveStatusReason ?? `Execution is ${execution.status}` };
    const { stopDate: _stopDate, error: _error, cause: _cause, ...rest } = execution;
    this.byName.set(execution.name, { ...rest, status: 'RUNNING', redriveCount: (execution.redriveCount ?? 0) + 1, redriveDate: now });
    if (clientToken !== undefined) {
      this.clientTokens.set(executionArn, [...used, { clientToken, firstUsed: now.getTime(), redriveDate: now }].slice(-REMEMBERED_CLIENT_TOKENS));
    }
    return { outcome: 'redriven', redriveDate: now };
  }

  private executionByArn(executionArn: string): RecordedExecution | undefined {
    return this.executions.find((candidate) => candidate.executionArn === executionArn);
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
