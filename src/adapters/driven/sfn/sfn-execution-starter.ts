import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  PermanentExecutionStartError,
  buildIdOf,
  buildKeyOfSerializedInput,
  executionArnFor,
  isClosedExecutionStatus,
  parseStateMachineArn,
  ExecutionStartError,
  type StateMachineArn,
} from '../../../domain/index.js';
import { executionStartError, mayFollowAnEarlierStart } from './start-error-codes.js';
import { oversizedInputError } from './execution-input-limit.js';
import type { ClosedExecution, ExecutionStarter, StartExecutionRequest, StartedExecution } from '../../../ports/index.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';

export interface SfnExecutionStarterOptions {
  /** An `SFNClient` you own and configure (region, retries, tracing). */
  readonly client: SFNClient;
  /** A STANDARD state machine. */
  readonly stateMachineArn: string;
  /**
   * Attempts for `ExecutionLimitExceeded` and `KmsThrottlingException`, which
   * the SDK does not retry (default 3; 1 disables these retries).
   */
  readonly limitExceededAttempts?: number;
  /** Upper bound of the first jittered back-off, doubled each attempt (default 200 ms). */
  readonly limitExceededBaseDelayMs?: number;
}

// The SDK retries throttling and 5xx itself; these two it hands straight back.
const RETRIED_HERE = new Set(['ExecutionLimitExceeded', 'KmsThrottlingException']);

/**
 * {@link ExecutionStarter} on AWS Step Functions. The execution name carries
 * the build, so a start that Step Functions answers with
 * `ExecutionAlreadyExists` is "already started": the ARN is derived from the
 * state machine ARN and confirmed with `DescribeExecution`, which also proves
 * the existing execution is this build's.
 *
 * Only STANDARD state machines are supported (EXPRESS executions are not
 * idempotent by name): the type is checked until one check succeeds. When
 * the check or the start fails permanently because of the state machine
 * (deleting, gone, KMS...), an execution an earlier attempt started is looked
 * for first: a build whose execution runs is never reported as failed.
 *
 * IAM: `states:StartExecution` and `states:DescribeStateMachine` on the state
 * machine, `states:DescribeExecution` on its executions
 * (`arn:aws:states:{region}:{account}:execution:{stateMachineName}:*`).
 *
 * @example
 * ```ts
 * import { SFNClient } from '@aws-sdk/client-sfn';
 * import { SfnExecutionStarter } from '@aws-deployer/orchestrator/sfn';
 *
 * const executionStarter = new SfnExecutionStarter({
 *   client: new SFNClient({}),
 *   stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:deployment',
 * });
 * ```
 */
export class SfnExecutionStarter implements ExecutionStarter {
  private readonly client: SFNClient;
  private readonly stateMachineArn: string;
  private readonly stateMachine: StateMachineArn;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private standardCheck: Promise<void> | undefined;

  constructor(options: SfnExecutionStarterOptions) {
    this.client = options.client;
    this.stateMachine = parseStateMachineArn(options.stateMachineArn);
    this.stateMachineArn = options.stateMachineArn;
    this.attempts = Math.max(1, options.limitExceededAttempts ?? 3);
    this.baseDelayMs = options.limitExceededBaseDelayMs ?? 200;
  }

  async start(request: StartExecutionRequest): Promise<StartedExecution> {
    const oversized = oversizedInputError(request.input);
    if (oversized) throw oversized;
    try {
      await this.ensureStandard();
    } catch (error) {
      // A cold start after a crash between an earlier start and its record must
      // not fail a build whose execution runs: look for it first.
      if (error instanceof PermanentExecutionStartError) return this.startedEarlierOrFail(request, error);
      throw error;
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { executionArn } = await this.client.send(
          new StartExecutionCommand({
            stateMachineArn: this.stateMachineArn,
            name: request.name,
            input: request.input,
            traceHeader: request.traceHeader,
          }),
        );
        if (!executionArn) throw new Error('StartExecution answered without an executionArn');
        return { executionArn, alreadyStarted: false };
      } catch (error) {
        if (error instanceof ExecutionAlreadyExists) return this.existingExecution(request);
        const code = awsErrorCode(error);
        if (RETRIED_HERE.has(code) && attempt < this.attempts) {
          await sleep(Math.random() * this.baseDelayMs * 2 ** (attempt - 1));
          continue;
        }
        if (mayFollowAnEarlierStart(code)) return this.startedEarlierOrFail(request, toStartError(error));
        throw toStartError(error);
      }
    }
  }

  async startedEarlier(request: StartExecutionRequest): Promise<StartedExecution | undefined> {
    try {
      return await this.existingExecution(request);
    } catch (error) {
      if (error instanceof ExecutionStartError && error.cause instanceof ExecutionDoesNotExist) return undefined;
      throw error;
    }
  }

  /**
   * An earlier attempt may have started the execution before the state
   * machine became unusable (and crashed before recording it): then that
   * execution is the build's, and the start is not a failure.
   */
  private async startedEarlierOrFail(request: StartExecutionRequest, failure: ExecutionStartError): Promise<StartedExecution> {
    const earlier = await this.startedEarlier(request);
    if (earlier === undefined) throw failure;
    return earlier;
  }

  /**
   * The execution that holds the name: confirmed to exist and to belong to
   * the same build, and reported closed when it has already ended.
   */
  private async existingExecution(request: StartExecutionRequest): Promise<StartedExecution> {
    const executionArn = executionArnFor(this.stateMachine, request.name);
    let described: DescribeExecutionCommandOutput;
    try {
      described = await this.client.send(new DescribeExecutionCommand({ executionArn }));
    } catch (error) {
      throw toStartError(error);
    }
    const existingInput = described.input;
    const requested = buildKeyOfSerializedInput(request.input);
    const existing = existingInput === undefined ? undefined : buildKeyOfSerializedInput(existingInput);
    if (requested && (!existing || buildIdOf(existing) !== buildIdOf(requested))) {
      throw new PermanentExecutionStartError(
        'ExecutionAlreadyExists',
        `execution ${executionArn} exists but runs ${existing ? `build ${buildIdOf(existing)}` : 'another input'}, not build ${buildIdOf(requested)}`,
      );
    }
    const closed = closedExecutionOf(described);
    return closed === undefined ? { executionArn, alreadyStarted: true } : { executionArn, alreadyStarted: true, closed };
  }

  /**
   * Checks that the state machine is STANDARD. Only a success is kept: a
   * failed check (the machine deleting, a KMS or network error, even an
   * EXPRESS answer) is asked again on the next start, so one bad moment never
   * poisons the process.
   */
  private ensureStandard(): Promise<void> {
    this.standardCheck ??= this.describeType().catch((error: unknown) => {
      this.standardCheck = undefined;
      throw error;
    });
    return this.standardCheck;
  }

  private async describeType(): Promise<void> {
    let type: string | undefined;
    try {
      ({ type } = await this.client.send(new DescribeStateMachineCommand({ stateMachineArn: this.stateMachineArn })));
    } catch (error) {
      throw toStartError(error);
    }
    if (type !== 'STANDARD') {
      throw new PermanentExecutionStartError(
        'ValidationException',
        `${this.stateMachineArn} is an ${type} state machine; only STANDARD workflows give one execution per name`,
      );
    }
  }
}

/** The service's error code; network failures surface as `TimeoutError` and the like. */
function awsErrorCode(error: unknown): string {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : 'UnknownError';
}

/** How a closed execution ended; `undefined` while it runs or waits to be redriven. */
function closedExecutionOf(execution: DescribeExecutionCommandOutput): ClosedExecution | undefined {
  const { status } = execution;
  if (!isClosedExecutionStatus(status)) return undefined;
  return withoutUndefined({ status, error: execution.error, cause: execution.cause });
}

function toStartError(error: unknown): ExecutionStartError {
  const message = error instanceof Error ? error.message : String(error);
  return executionStartError(awsErrorCode(error), message, { cause: error });
}
