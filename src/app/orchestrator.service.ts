import { inject, injectable } from 'inversify';
import {
  buildIdOf,
  buildKeyOf,
  executionName,
  parseStepFunctionInput,
  serializeStepFunctionInput,
  type StepFunctionInput,
} from '../domain/index.js';
import type { BuildRepository, Clock, ExecutionStarter, Logger } from '../ports/index.js';
import { TOKENS } from './di-tokens.js';

export interface StartExecutionOptions {
  /** X-Ray trace header passed to Step Functions. */
  readonly traceHeader?: string;
}

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
@injectable()
export class Orchestrator {
  constructor(
    @inject(TOKENS.BuildRepository) private readonly builds: BuildRepository,
    @inject(TOKENS.ExecutionStarter) private readonly executions: ExecutionStarter,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  /**
   * Validates the input, starts the build's execution and records
   * `IN_PROGRESS` with its ARN. Resolves to the execution ARN.
   *
   * @throws ValidationError naming the bad field; nothing is started or written.
   * @throws PermanentExecutionStartError | TransientExecutionStartError; nothing is written.
   * @throws BuildNotFoundError | IllegalTransitionError from the repository.
   */
  async startExecution(input: StepFunctionInput, options: StartExecutionOptions = {}): Promise<string> {
    const valid = parseStepFunctionInput(input);
    const key = buildKeyOf(valid);
    const buildId = buildIdOf(key);
    const name = executionName(key);

    const started = await this.executions.start({
      name,
      input: serializeStepFunctionInput(valid),
      ...(options.traceHeader === undefined ? {} : { traceHeader: options.traceHeader }),
    });
    const record = await this.builds.recordStart(key, started.executionArn, this.clock.now());

    this.logger.info('Execution recorded', {
      buildId,
      executionName: name,
      executionArn: record.executionArn,
      outcome: record.outcome,
      status: record.status,
      alreadyStarted: started.alreadyStarted,
    });
    return record.executionArn;
  }
}
