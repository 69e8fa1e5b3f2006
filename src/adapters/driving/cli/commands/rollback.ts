import {
  ValidationError,
  buildIdOf,
  environmentIdOf,
  parseEnvironment,
  parseRecordedBuildKey,
} from '../../../../domain/index.js';
import { PROGRAM, stringValue, UsageError } from '../args.js';
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
} from './manual-request.js';

export const rollbackCommand: Command = {
  spec: {
    name: 'rollback',
    summary: "Deploy an environment's previous version again, as a new PENDING build that goes first.",
    description:
      "Records a new build (kind rollback) of the version of the environment's newest SUCCESS build that is\n" +
      'older than its newest SUCCESS and has another version (redeploys and rollbacks count as the version\n' +
      'they deployed), or of the SUCCESS build --to names. The builds waiting for the environment end\n' +
      'FAILED, superseded by it, whatever the policy (one whose execution exists is left to it: the state\n' +
      'machine is described). It starts only the normal way, in its turn (the\n' +
      "deployed trigger-build, or a sweep). Nothing to roll back to: exit 1, saying why. With --wait,\n" +
      'follows the new build until it ends, as the wait command does.',
    positionals: [
      { name: 'repo', description: 'The repository.' },
      { name: 'env', description: 'The environment.' },
    ],
    options: {
      to: { type: 'string', valueName: 'build', description: 'The SUCCESS build to roll back to: its id {repo}/{env}:{sk}, or its sk.' },
      ...MANUAL_OPTIONS,
    },
    examples: [
      'aws-deployer-orchestrator rollback myapp prd',
      'aws-deployer-orchestrator rollback myapp prd --to 2HFj3kLmNoPqRsTuVwXa --wait',
      'aws-deployer-orchestrator rollback myapp prd --idempotency-key 5f0c1c4e-1b7e-4a55-9f43-3f6f2c0b9d11 --json',
    ],
  },
  // Before a waiting build is superseded, the execution its name derives is described: one that ran is left to record it.
  stateMachine: 'required',
  parse(args, env) {
    const environment = parseEnvironment({ repo: args.positionals.repo, env: args.positionals.env });
    const to = targetOf(stringValue(args, 'to'), environment);
    const flags = manualFlagsFrom(args, env);
    return async (context) => {
      const { result, requestedBy } = await askFor(context, (caller) =>
        context.services().rollbacks.rollBack({ ...environment, to, requestedBy: caller, idempotencyKey: flags.idempotencyKey }),
      );
      if (!result.ok) return refused(context, 'rollback', result.error);
      const { build } = result;
      const id = buildIdOf(build);
      const summary = { ...manualSummary('created', result, requestedBy), redeployOf: build.redeployOf };
      const text =
        replayedText(result) +
        `Recorded ${id}: a rollback of ${environmentIdOf(environment)} to version ${build.version}` +
        `${build.redeployOf ? ` (of ${build.redeployOf})` : ''}, ${build.status}, requested by ${build.requestedBy ?? requestedBy}.\n` +
        `The builds that waited for ${environmentIdOf(environment)} end FAILED, superseded by it` +
        (flags.wait
          ? '.\n'
          : "; it starts in its turn: the deployed trigger-build starts it from the table's stream (or a sweep does); " +
            `'${PROGRAM} wait ${id}' follows it.\n`);
      return reportDone(context, 'created', summary, build, text, flags.wait);
    };
  },
};

/** `--to`: a build id of this environment, or a bare sk; checked now, a bad one named as `to`. */
function targetOf(value: string | undefined, environment: { readonly repo: string; readonly env: string }): string | undefined {
  if (value === undefined) return undefined;
  if (value.includes(':')) {
    let key;
    try {
      key = parseBuildIdArgument(value);
    } catch (error) {
      if (error instanceof ValidationError) throw new ValidationError('to', error.reason);
      throw error;
    }
    if (key.repo !== environment.repo || key.env !== environment.env) {
      throw new UsageError(`--to ${value} is a build of ${environmentIdOf(key)}, not of ${environmentIdOf(environment)}`);
    }
    return key.sk;
  }
  try {
    return parseRecordedBuildKey({ ...environment, sk: value }).sk;
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError('to', error.reason);
    throw error;
  }
}
