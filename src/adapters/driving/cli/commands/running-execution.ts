import { executionName, isClosedExecutionStatus, isTerminal, type Build } from '../../../../domain/index.js';
import type { ExecutionDescription } from '../../../../ports/index.js';
import type { CommandContext } from '../command.js';

/**
 * The execution of an open build while it still runs (or waits to be
 * redriven): the ARN the build records, or with a state machine configured
 * the one its derived name gives (a start not recorded yet). `undefined` when
 * the build has ended, has no execution to ask about, or its execution has
 * closed or does not exist. What `complete` and `unlock` refuse to act
 * behind the back of, without `--force`.
 */
export async function runningExecutionOf(context: CommandContext, build: Build): Promise<ExecutionDescription | undefined> {
  if (isTerminal(build.status)) return undefined;
  const { inspector } = context.services();
  const executionArn =
    build.executionArn ?? (context.connection.stateMachineArn === undefined ? undefined : inspector.executionArnOf(executionName(build)));
  if (executionArn === undefined) return undefined;
  const execution = await inspector.describe(executionArn);
  if (execution === undefined || isClosedExecutionStatus(execution.status)) return undefined;
  return execution;
}
