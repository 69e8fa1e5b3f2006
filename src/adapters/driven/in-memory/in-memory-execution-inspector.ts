import type { ExecutionDescription, ExecutionInspector } from '../../../ports/index.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';
import { redriveStatusOf, type InMemoryExecutionStarter } from './in-memory-execution-starter.js';

/**
 * An {@link ExecutionInspector} over the executions an
 * {@link InMemoryExecutionStarter} started. It passes the same contract suite
 * as the Step Functions adapter.
 *
 * @example
 * ```ts
 * const executionStarter = new InMemoryExecutionStarter({ stateMachineArn });
 * const executionInspector = new InMemoryExecutionInspector(executionStarter);
 * executionStarter.complete(executionArn, { status: 'TIMED_OUT' });
 * await executionInspector.describe(executionArn); // { status: 'TIMED_OUT', ... }
 * ```
 */
export class InMemoryExecutionInspector implements ExecutionInspector {
  constructor(private readonly starter: InMemoryExecutionStarter) {}

  async describe(executionArn: string): Promise<ExecutionDescription | undefined> {
    const execution = this.starter.executions.find((candidate) => candidate.executionArn === executionArn);
    return execution && withoutUndefined({
      executionArn: execution.executionArn,
      status: execution.status,
      startDate: execution.startDate,
      stopDate: execution.stopDate,
      input: execution.input,
      error: execution.error,
      cause: execution.cause,
      redriveCount: execution.redriveCount ?? 0,
      ...redriveStatusOf(execution),
    });
  }

  executionArnOf(executionName: string): string {
    return this.starter.executionArnOf(executionName);
  }

  async listStartedSince(since: Date, limit: number): Promise<ExecutionDescription[]> {
    return this.starter.executions
      .filter((execution) => execution.startDate.getTime() >= since.getTime())
      .reverse()
      .slice(0, limit)
      .map((execution) =>
        withoutUndefined({
          executionArn: execution.executionArn,
          status: execution.status,
          startDate: execution.startDate,
          stopDate: execution.stopDate,
        }),
      );
  }
}

