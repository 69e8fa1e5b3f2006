import { buildIdOf, environmentIdOf, locksEnvironment, type Build } from '../../../../domain/index.js';
import { PROGRAM, flag } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import type { FollowedEnd } from '../follow-build.js';
import { EXIT } from '../io.js';
import { isClosed, type WaitEnd, type WaitResult } from '../wait.js';
import { parseBuildIdArgument } from './build-id-argument.js';
import { MANUAL_OPTIONS, askFor, manualFlagsFrom, manualSummary, refused, replayedText, reportDone } from './manual-request.js';

export const cancelCommand: Command = {
  spec: {
    name: 'cancel',
    summary: 'Cancel a build: a waiting PENDING one never starts; a deploying one only with --force.',
    description:
      'A PENDING build no start holds ends FAILED "cancelled by {you}" and never starts. A build that is\n' +
      'deploying (IN_PROGRESS) is refused (exit 1): stopping its execution would not stop the stack\n' +
      'operation it began. --force stops the execution all the same (cause "cancelled by {you}") and\n' +
      'records the build FAILED; under queue and supersede its environment stays locked by it until you\n' +
      'check that the stack is no longer *_IN_PROGRESS and run unlock. A build that has ended is refused\n' +
      '(exit 1). With --wait, waits until the cancelled build\'s execution has closed (not its stack).',
    positionals: [{ name: 'build-id', description: 'The build, as {repo}/{env}:{sk}.' }],
    options: {
      force: { type: 'boolean', description: 'Also cancel a deploying build: stop its execution (its stack operation goes on).' },
      ...MANUAL_OPTIONS,
    },
    examples: [
      'aws-deployer-orchestrator cancel myapp/prd:2HFj3kLmNoPqRsTuVwXz',
      'aws-deployer-orchestrator cancel myapp/prd:2HFj3kLmNoPqRsTuVwXa --force --json',
    ],
  },
  // Step Functions only to stop a deploying build's execution, and to follow it.
  stateMachine: (args) => (flag(args, 'force') || flag(args, 'wait') ? 'required' : 'unused'),
  parse(args, env) {
    const key = parseBuildIdArgument(args.positionals['build-id']);
    const force = flag(args, 'force');
    const flags = manualFlagsFrom(args, env);
    return async (context) => {
      const { result, requestedBy } = await askFor(context, (caller) =>
        context.services().cancellations.cancel({ build: key, force, requestedBy: caller, idempotencyKey: flags.idempotencyKey }),
      );
      if (!result.ok) return refused(context, 'cancel', result.error);
      const { build } = result;
      // A deploying build's environment stays locked by it (queue, supersede) unless it deployed outside the lock.
      const environmentLocked = build.executionArn === undefined ? undefined : await holdsItsLock(context, build);
      const summary = { ...manualSummary('cancelled', result, requestedBy), ...(environmentLocked === undefined ? {} : { environmentLocked }) };
      const text = replayedText(result) + cancelledText(build, environmentLocked === true);
      return reportDone(context, 'cancelled', summary, build, text, flags.wait, { ended: executionClosed, end: cancelEnd });
    };
  },
};

/** Whether `build` holds its environment's lock, as read now (never under parallel). */
async function holdsItsLock(context: CommandContext, build: Build): Promise<boolean> {
  const policy = context.connection.concurrency;
  if (policy === undefined || !locksEnvironment(policy)) return false;
  const lock = await context.services().builds.getEnvironmentLock(build.repo, build.env);
  return lock?.holder === build.sk;
}

function cancelledText(build: Build, environmentLocked: boolean): string {
  const id = buildIdOf(build);
  const reason = build.errorMsg === undefined ? '' : ` ("${build.errorMsg}")`;
  if (build.executionArn === undefined) return `Cancelled ${id}: it is now ${build.status}${reason} and never starts.\n`;
  const locked = environmentLocked
    ? ` ${environmentIdOf(build)} stays locked by this build: once the stack${build.stackName ? ` ${build.stackName}` : ''} is no longer ` +
      `*_IN_PROGRESS, release it with '${PROGRAM} unlock ${build.repo} ${build.env}'.`
    : '';
  return (
    `Cancelled ${id}: its execution ${build.executionArn} was stopped and the build is now ${build.status}${reason}.\n` +
    `The stack operation the execution began goes on.${locked}\n`
  );
}

/** The cancelled build has ended and its execution, if any, has closed. */
const executionClosed: WaitEnd = (build, execution) =>
  (build.status === 'SUCCESS' || build.status === 'FAILED') && (execution === undefined || isClosed(execution));

function cancelEnd(waited: WaitResult, buildId: string): FollowedEnd {
  const { build, execution } = waited;
  return {
    result: build.status,
    text: `${buildId} is ${build.status}${execution ? `; its execution is ${execution.status}` : ''}.\n`,
    exitCode: build.status === 'FAILED' ? EXIT.OK : EXIT.FAILED,
  };
}
