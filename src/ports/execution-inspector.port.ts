import type { ExecutionStatus } from '../domain/index.js';

/** What Step Functions knows about one execution. */
export interface ExecutionDescription {
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  readonly startDate: Date;
  readonly stopDate?: Date;
  /** The serialised input (absent from listings). */
  readonly input?: string;
  readonly error?: string;
  readonly cause?: string;
  /** How many times Step Functions redrove it (absent from listings; 0 when never). */
  readonly redriveCount?: number;
  /**
   * Whether Step Functions can redrive it (absent from listings): a
   * `redrive` of a `NOT_REDRIVABLE` execution is refused, and
   * `redriveStatusReason` says why, in its words.
   */
  readonly redriveStatus?: 'REDRIVABLE' | 'NOT_REDRIVABLE' | 'REDRIVABLE_BY_MAP_RUN';
  readonly redriveStatusReason?: string;
}

/**
 * Reads executions of one state machine: the truth about how an execution
 * ended, whatever its callback or event said.
 */
export interface ExecutionInspector {
  /** `undefined` when the execution does not exist. */
  describe(executionArn: string): Promise<ExecutionDescription | undefined>;

  /** The ARN an execution of this name has (or would have) on the inspected state machine. */
  executionArnOf(executionName: string): string;

  /** Executions started at or after `since`, newest first, at most `limit` (without input). */
  listStartedSince(since: Date, limit: number): Promise<ExecutionDescription[]>;
}
