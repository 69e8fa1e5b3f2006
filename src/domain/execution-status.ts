/** The status of a Step Functions execution, as `DescribeExecution` and `ListExecutions` report it. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/** The statuses of an execution that has ended; one waiting to be redriven has not. */
export type ClosedExecutionStatus = Exclude<ExecutionStatus, 'RUNNING' | 'PENDING_REDRIVE'>;

const CLOSED_EXECUTION_STATUSES: readonly string[] = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] satisfies ClosedExecutionStatus[];

/** Whether a status (as Step Functions reports it) says the execution has ended. */
export function isClosedExecutionStatus(status: string | undefined): status is ClosedExecutionStatus {
  return status !== undefined && CLOSED_EXECUTION_STATUSES.includes(status);
}
