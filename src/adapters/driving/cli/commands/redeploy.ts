import { buildIdOf } from '../../../../domain/index.js';
import { PROGRAM } from '../args.js';
import type { Command } from '../command.js';
import { parseBuildIdArgument } from './build-id-argument.js';
import {
  MANUAL_OPTIONS,
  askFor,
  manualFlagsFrom,
  manualSummary,
  refused,
  replayedText,
  reportDone,
  stateMachineWithWait,
} from './manual-request.js';

export const redeployCommand: Command = {
  spec: {
    name: 'redeploy',
    summary: "Deploy a build's version again, as a new PENDING build started in its turn.",
    description:
      "Records a new build with a new KSUID and the build's branch, version, commit, build number and stack\n" +
      '(kind redeploy, redeploy_of, requested_by: the ARN of the credentials, from sts:GetCallerIdentity).\n' +
      'It starts only the normal way, in its turn: the deployed trigger-build starts it from the table\'s\n' +
      'stream (or a sweep does), under the environment\'s concurrency policy. The artifacts at\n' +
      '{repo}/{branch}/{version} must still be in the bucket. With --wait, follows the new build until it\n' +
      'ends, as the wait command does: exit 0 on SUCCESS, 1 on FAILED, 3 when --timeout-minutes runs out.',
    positionals: [{ name: 'build-id', description: 'The build whose version is deployed again, as {repo}/{env}:{sk}.' }],
    options: MANUAL_OPTIONS,
    examples: [
      'aws-deployer-orchestrator redeploy myapp/prd:2HFj3kLmNoPqRsTuVwXy',
      'aws-deployer-orchestrator redeploy myapp/prd:2HFj3kLmNoPqRsTuVwXy --wait --idempotency-key "$CI_JOB_ID" --json',
    ],
  },
  stateMachine: stateMachineWithWait,
  parse(args, env) {
    const key = parseBuildIdArgument(args.positionals['build-id']);
    const flags = manualFlagsFrom(args, env);
    return async (context) => {
      const { result, requestedBy } = await askFor(context, (caller) =>
        context.services().redeploys.redeploy({ build: key, requestedBy: caller, idempotencyKey: flags.idempotencyKey }),
      );
      if (!result.ok) return refused(context, 'redeploy', result.error);
      const { build } = result;
      const id = buildIdOf(build);
      const summary = { ...manualSummary('created', result, requestedBy), redeployOf: build.redeployOf ?? buildIdOf(key) };
      const text =
        replayedText(result) +
        `Recorded ${id}: a redeploy of ${build.redeployOf ?? buildIdOf(key)} (version ${build.version}), ${build.status}, requested by ${build.requestedBy ?? requestedBy}.\n` +
        (flags.wait
          ? ''
          : "It starts in its turn: the deployed trigger-build starts it from the table's stream (or a sweep does); " +
            `'${PROGRAM} wait ${id}' follows it.\n`);
      return reportDone(context, 'created', summary, build, text, flags.wait);
    };
  },
};
