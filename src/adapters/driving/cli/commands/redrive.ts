import { buildIdOf } from '../../../../domain/index.js';
import type { Command } from '../command.js';
import type { FollowedEnd } from '../follow-build.js';
import { EXIT } from '../io.js';
import { isClosed, type WaitEnd, type WaitResult } from '../wait.js';
import { parseBuildIdArgument } from './build-id-argument.js';
import { MANUAL_OPTIONS, askFor, manualFlagsFrom, manualSummary, refused, replayedText, reportDone } from './manual-request.js';

export const redriveCommand: Command = {
  spec: {
    name: 'redrive',
    summary: "Run a FAILED build's own execution again from the state it failed in (RedriveExecution).",
    description:
      'Only when Step Functions says it can (DescribeExecution: REDRIVABLE; a refusal quotes why), no newer\n' +
      'build of the environment has started since, and the environment\'s lock can be taken for it (queue,\n' +
      'supersede). The build stays FAILED while its execution runs again (redriven_by, redriven_at); a\n' +
      'redriven success records SUCCESS. A redrive resumes in the state the execution stopped in: with the\n' +
      'shipped workflow only an execution that was stopped or timed out is redriven; one that FAILED (the\n' +
      'stack did not deploy) is refused: redeploy it. With --wait, follows the execution until it ends: exit 0 when the\n' +
      'build ends SUCCESS, 1 when the execution fails again, 3 when --timeout-minutes runs out.',
    positionals: [{ name: 'build-id', description: 'The FAILED build, as {repo}/{env}:{sk}.' }],
    options: MANUAL_OPTIONS,
    examples: [
      'aws-deployer-orchestrator redrive myapp/prd:2HFj3kLmNoPqRsTuVwXy',
      'aws-deployer-orchestrator redrive myapp/prd:2HFj3kLmNoPqRsTuVwXy --wait --poll-seconds 10',
    ],
  },
  // It describes the build's execution and redrives it.
  stateMachine: 'required',
  parse(args, env) {
    const key = parseBuildIdArgument(args.positionals['build-id']);
    const flags = manualFlagsFrom(args, env);
    return async (context) => {
      const { result, requestedBy } = await askFor(context, (caller) =>
        context.services().redrives.redrive({ build: key, requestedBy: caller, idempotencyKey: flags.idempotencyKey }),
      );
      if (!result.ok) return refused(context, 'redrive', result.error);
      const { build } = result;
      const id = buildIdOf(build);
      const summary = { ...manualSummary('redriven', result, requestedBy), executionArn: build.executionArn };
      const text =
        replayedText(result) +
        `Redriven ${id}: Step Functions runs its execution ${build.executionArn ?? ''} again from the state it failed in.\n` +
        `The build stays ${build.status} while it runs; a redriven success records SUCCESS${flags.wait ? '' : ' (follow it with --wait)'}.\n`;
      return reportDone(context, 'redriven', summary, build, text, flags.wait, { ended: redriveEnded, end: redriveEnd });
    };
  },
};

/**
 * The redriven execution's run is over: the build recorded `SUCCESS`, or the
 * execution (redriven: its `redriveCount` is above 0) closed otherwise, or
 * no longer exists. A redriven `SUCCEEDED` the build has not recorded yet is
 * waited for (and reconciled after `--reconcile-after-seconds`).
 */
const redriveEnded: WaitEnd = (build, execution) =>
  build.status === 'SUCCESS' ||
  execution === undefined ||
  (isClosed(execution) && execution.status !== 'SUCCEEDED' && (execution.redriveCount ?? 0) > 0);

function redriveEnd(waited: WaitResult, buildId: string): FollowedEnd {
  const { build, execution } = waited;
  if (build.status === 'SUCCESS') return { result: 'SUCCESS', text: `${buildId} ended SUCCESS (redriven)\n`, exitCode: EXIT.OK };
  const how =
    execution === undefined
      ? 'its execution no longer exists'
      : `its redriven execution ended ${execution.status}${execution.error ? `: ${execution.error}` : ''}${execution.cause ? `: ${execution.cause}` : ''}`;
  return {
    result: build.status,
    text: `${buildId} is still ${build.status}: ${how}. The sweeper clears its redrive mark (and the environment's lock).\n`,
    exitCode: EXIT.FAILED,
  };
}
