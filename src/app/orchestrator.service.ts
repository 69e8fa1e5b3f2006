import { randomUUID } from 'node:crypto';
import {
  BuildNotFoundError,
  EnvironmentBusyError,
  IllegalTransitionError,
  PermanentExecutionStartError,
  buildIdOf,
  holderIdOf,
  locksEnvironment,
  buildKeyOf,
  executionName,
  parseStepFunctionInput,
  serializeStepFunctionInput,
  type BuildKey,
  type BuildStatus,
  type ConcurrencyPolicy,
  type LockingPolicy,
  type StepFunctionInput,
} from '../domain/index.js';
import type { BuildRepository, ClosedExecution, Clock, ExecutionStarter, Logger } from '../ports/index.js';
import { completionOfExecution } from './execution-completion.js';

export interface StartExecutionOptions {
  /** X-Ray trace header passed to Step Functions. */
  readonly traceHeader?: string | undefined;
}

/** What starting a build's execution did. */
export interface ExecutionStartResult {
  readonly executionArn: string;
  /**
   * - `running`: the build's execution runs (started now or before); the build records it.
   * - `ended`: the execution that holds the build's name had already closed
   *   (the item was deleted and put back, restored...): the build records how
   *   it ended, never `IN_PROGRESS`, and a new build is needed to deploy again.
   */
  readonly outcome: 'running' | 'ended';
  /** The build's status after the call. */
  readonly status: BuildStatus;
  /**
   * Whether this call's write moved the build `PENDING -> IN_PROGRESS`. Of
   * concurrent starts of one build (trigger-build and the sweeper, a
   * redelivered record) exactly one sees `true`: what a count of started
   * builds counts.
   */
  readonly transitioned: boolean;
}

/** Why a build whose execution closed long ago cannot simply run again. */
const NEW_BUILD_NEEDED =
  'this build already ran: Step Functions keeps an execution name for 90 days after it closes, so create a new build to deploy again';

/**
 * Starts the one Step Functions execution of a build and records it.
 *
 * Idempotent: the execution name is derived from the build, so a repeat
 * finds the same execution instead of starting another, and the repository
 * writes only what moves the build forward. A repeat therefore returns the
 * same ARN, and a repeat for a finished build changes nothing.
 *
 * It does not mark a build `FAILED` when the start fails: it throws a
 * `PermanentExecutionStartError` or `TransientExecutionStartError` and leaves
 * that decision to the caller.
 *
 * @example
 * ```ts
 * const container = createContainer({ buildRepository, executionStarter });
 * const orchestrator = container.get(Orchestrator);
 * const executionArn = await orchestrator.startExecution({
 *   repo: 'myapp', env: 'prd', branch: 'main', version: '1.2.3', sk: '2HFj3kLmNoPqRsTuVwXy',
 *   commitHash: 'abc123', s3Bucket: 'my-artifacts-bucket', s3Key: 'myapp/main/1.2.3',
 * });
 * ```
 */
export class Orchestrator {
  constructor(
    private readonly builds: BuildRepository,
    private readonly executions: ExecutionStarter,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly concurrency: ConcurrencyPolicy,
  ) {}

  /**
   * Validates the input, starts the build's execution and records
   * `IN_PROGRESS` with its ARN. Resolves to the execution ARN.
   *
   * Under `queue` and `supersede` it first claims the build and its
   * environment's lock, so a build missing from the table is refused before
   * anything starts, and a busy environment throws: the build stays
   * `PENDING` and starts in its turn (the hand-off). It starts the build it
   * is given when its environment is free, whatever else waits.
   *
   * @throws ValidationError naming the bad field; nothing is started or written.
   * @throws EnvironmentBusyError naming the build that holds the environment; nothing is started.
   * @throws PermanentExecutionStartError | TransientExecutionStartError; the build stays PENDING
   *   (after a permanent one, the environment's lock is released).
   * @throws BuildNotFoundError | IllegalTransitionError from the repository.
   */
  async startExecution(input: StepFunctionInput, options: StartExecutionOptions = {}): Promise<string> {
    const valid = parseStepFunctionInput(input);
    if (!locksEnvironment(this.concurrency)) return (await this.start(valid, options)).executionArn;
    const key = buildKeyOf(valid);
    await this.claimEnvironment(key, this.concurrency);
    try {
      return (await this.start(valid, options)).executionArn;
    } catch (error) {
      // The build cannot start: its environment is free for the next one (the build stays PENDING, the caller decides).
      if (error instanceof PermanentExecutionStartError) await this.builds.releaseEnvironmentLock(key.repo, key.env, key.sk, { at: this.clock.now() });
      throw error;
    }
  }

  /** Takes the build's claim and its environment's lock; a build no longer `PENDING` starts nothing new (see `start`). */
  private async claimEnvironment(key: BuildKey, policy: LockingPolicy): Promise<void> {
    const claim = await this.builds.claimStart(key, randomUUID(), { environmentLock: { policy, at: this.clock.now() } });
    if (claim.busy !== undefined) {
      await this.builds.recordWaiting(key, holderIdOf(claim.busy));
      throw new EnvironmentBusyError(buildIdOf(key), claim.busy, policy);
    }
    if (!claim.claimed && claim.build === undefined) throw new BuildNotFoundError(key);
  }

  /**
   * {@link startExecution}, telling also whether the execution runs or had
   * already ended, and the build's status after the call.
   */
  async start(input: StepFunctionInput, options: StartExecutionOptions = {}): Promise<ExecutionStartResult> {
    const valid = parseStepFunctionInput(input);
    const key = buildKeyOf(valid);
    const buildId = buildIdOf(key);
    const name = executionName(key);

    const started = await this.executions.start({
      name,
      input: serializeStepFunctionInput(valid),
      traceHeader: options.traceHeader,
    });
    if (started.closed) return this.recordClosed(key, started.executionArn, started.closed);
    const record = await this.builds.recordStart(key, started.executionArn, this.clock.now());
    if (record.outcome === 'refused') throw new IllegalTransitionError(record.build, 'IN_PROGRESS', record.reason);

    this.logger.info('Execution recorded', {
      buildId,
      executionName: name,
      executionArn: record.executionArn,
      outcome: record.outcome,
      status: record.status,
      alreadyStarted: started.alreadyStarted,
    });
    return { executionArn: record.executionArn, outcome: 'running', status: record.status, transitioned: record.outcome === 'started' };
  }

  /**
   * Whether an execution already holds the build's name: an earlier attempt
   * started it, whatever happened to its record since. Starts nothing.
   */
  async wasStarted(input: StepFunctionInput): Promise<boolean> {
    const valid = parseStepFunctionInput(input);
    const earlier = await this.executions.startedEarlier({ name: executionName(buildKeyOf(valid)), input: serializeStepFunctionInput(valid) });
    return earlier !== undefined;
  }

  /**
   * The build's execution had already closed: record how it ended, with its
   * ARN, in one write (`PENDING | IN_PROGRESS -> SUCCESS | FAILED`), so the
   * build is never seen `IN_PROGRESS` for an execution that is over.
   */
  private async recordClosed(key: BuildKey, executionArn: string, closed: ClosedExecution): Promise<ExecutionStartResult> {
    const ended = completionOfExecution(closed);
    const completion = ended.status === 'FAILED' ? { ...ended, errorMsg: `${ended.errorMsg}; ${NEW_BUILD_NEEDED}` } : ended;
    const now = this.clock.now();
    // A refusal means the build had already ended otherwise: it stays as it is, and gains the ARN if it has none.
    const record = await this.builds.recordCompletion(key, { ...completion, executionArn }, now, {
      releaseEnvironmentLock: locksEnvironment(this.concurrency),
    });
    if (record.outcome !== 'completed') await this.builds.recordStart(key, executionArn, now);
    const { status } = record;
    this.logger.warn('Build not started: its execution had already ended', {
      buildId: buildIdOf(key),
      executionArn,
      executionStatus: closed.status,
      status,
    });
    return { executionArn, outcome: 'ended', status, transitioned: false };
  }
}
