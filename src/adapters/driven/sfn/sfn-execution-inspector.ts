import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  type ExecutionListItem,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { executionArnFor, parseStateMachineArn, type ExecutionStatus, type StateMachineArn } from '../../../domain/index.js';
import type { ExecutionDescription, ExecutionInspector } from '../../../ports/index.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';

export interface SfnExecutionInspectorOptions {
  readonly client: SFNClient;
  readonly stateMachineArn: string;
}

const MAX_PAGE_SIZE = 1000;

/**
 * {@link ExecutionInspector} on AWS Step Functions: `DescribeExecution` and
 * `ListExecutions` of one state machine.
 *
 * IAM: `states:ListExecutions` on the state machine, `states:DescribeExecution`
 * on `arn:aws:states:{region}:{account}:execution:{stateMachineName}:*`.
 *
 * @example
 * ```ts
 * const executionInspector = new SfnExecutionInspector({ client: new SFNClient({}), stateMachineArn });
 * const execution = await executionInspector.describe(executionArn); // { status: 'TIMED_OUT', ... }
 * ```
 */
export class SfnExecutionInspector implements ExecutionInspector {
  private readonly client: SFNClient;
  private readonly stateMachineArn: string;

  private readonly stateMachine: StateMachineArn;

  constructor(options: SfnExecutionInspectorOptions) {
    this.stateMachine = parseStateMachineArn(options.stateMachineArn);
    this.client = options.client;
    this.stateMachineArn = options.stateMachineArn;
  }

  async describe(executionArn: string): Promise<ExecutionDescription | undefined> {
    try {
      const execution = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return withoutUndefined({
        executionArn,
        status: execution.status as ExecutionStatus,
        startDate: execution.startDate ?? new Date(0),
        stopDate: execution.stopDate,
        input: execution.input,
        error: execution.error,
        cause: execution.cause,
        redriveCount: execution.redriveCount,
        redriveStatus: execution.redriveStatus,
        // Step Functions' words for a NOT_REDRIVABLE execution (DescribeExecution API reference).
        redriveStatusReason: execution.redriveStatusReason,
      });
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return undefined;
      throw error;
    }
  }

  executionArnOf(executionName: string): string {
    return executionArnFor(this.stateMachine, executionName);
  }

  async listStartedSince(since: Date, limit: number): Promise<ExecutionDescription[]> {
    const found: ExecutionDescription[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListExecutionsCommand({
          stateMachineArn: this.stateMachineArn,
          maxResults: Math.min(limit - found.length, MAX_PAGE_SIZE),
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const item of page.executions ?? []) {
        // Listings are newest first: the first older start ends the walk.
        if (!item.startDate || item.startDate.getTime() < since.getTime()) return found;
        found.push(summaryOf(item));
        if (found.length >= limit) return found;
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return found;
  }
}

function summaryOf(item: ExecutionListItem): ExecutionDescription {
  return withoutUndefined({
    executionArn: item.executionArn ?? '',
    status: item.status as ExecutionStatus,
    startDate: item.startDate ?? new Date(0),
    stopDate: item.stopDate,
  });
}
