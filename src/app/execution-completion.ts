import { buildIdOf, executionName, executionNameOfArn, type Build, type BuildKey, type Completion } from '../domain/index.js';
import type { ExecutionDescription } from '../ports/index.js';

/**
 * What a closed execution says about its build. A success after a redrive
 * (`redriveCount > 0`) is the one completion that may replace `FAILED`.
 */
export function completionOfExecution(
  execution: Pick<ExecutionDescription, 'status' | 'error' | 'cause' | 'redriveCount'>,
): Completion {
  if (execution.status === 'SUCCEEDED') {
    return (execution.redriveCount ?? 0) > 0 ? { status: 'SUCCESS', redriven: true } : { status: 'SUCCESS' };
  }
  const details = [execution.error, execution.cause].filter((part) => part !== undefined && part !== '').join(': ');
  return { status: 'FAILED', errorMsg: `execution ${execution.status}${details ? `: ${details}` : ''}` };
}

/**
 * Whether an execution is the build's own: its name is the build's derived
 * execution name, or its ARN is the one the build records. Another execution
 * that carries the same input (an operator's manual run, a differently named
 * run) never finishes the build.
 */
export function isOwnExecution(key: BuildKey, build: Pick<Build, 'executionArn'> | undefined, executionArn: string): boolean {
  return executionNameOfArn(executionArn) === executionName(key) || build?.executionArn === executionArn;
}

/** Why an execution is not the build's own, for logs and outcomes. */
export function notOwnReason(key: BuildKey, executionArn: string): string {
  return `execution ${executionArn} is not build ${buildIdOf(key)}'s own (its execution is named ${executionName(key)})`;
}
