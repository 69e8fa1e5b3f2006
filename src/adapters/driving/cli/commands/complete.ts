import { BuildNotFoundError, BuildUnreadableError, ValidationError, buildIdOf, parseCompletion, type BuildKey } from '../../../../domain/index.js';
import type { ExecutionDescription } from '../../../../ports/index.js';
import { flag, stringValue, UsageError } from '../args.js';
import { CONCURRENCY_OPTIONS, CONFIGURATION_OPTIONS, OUTPUT_OPTIONS } from '../common-options.js';
import type { Command, CommandContext } from '../command.js';
import { EXIT } from '../io.js';
import { parseBuildIdArgument } from './build-id-argument.js';
import { runningExecutionOf } from './running-execution.js';

export const completeCommand: Command = {
  spec: {
    name: 'complete',
    summary: 'Record how a build ended (SUCCESS or FAILED), as the state machine would.',
    description:
      'Idempotent: recording the status a build already has changes nothing (exit 0).\n' +
      'A build that already ended otherwise is left as it is (exit 1): the first writer wins.\n' +
      "A build whose execution is still running is left as it is (exit 1): the execution's own end would\n" +
      'then be refused. --force records the end all the same, without asking Step Functions.',
    positionals: [{ name: 'build-id', description: 'The build, as {repo}/{env}:{sk}.' }],
    options: {
      status: { type: 'string', valueName: 'SUCCESS|FAILED', description: 'How the build ended (required).' },
      'error-msg': { type: 'string', valueName: 'text', description: 'Why it failed (FAILED only; recorded on the build).' },
      force: { type: 'boolean', description: "Record the end even while the build's execution is running." },
      ...CONCURRENCY_OPTIONS,
      ...CONFIGURATION_OPTIONS,
      ...OUTPUT_OPTIONS,
    },
    examples: [
      'aws-deployer-orchestrator complete myapp/prd:2HFj3kLmNoPqRsTuVwXy --status SUCCESS',
      'aws-deployer-orchestrator complete myapp/prd:2HFj3kLmNoPqRsTuVwXy --status FAILED --error-msg "stack rolled back"',
      'aws-deployer-orchestrator complete myapp/prd:2HFj3kLmNoPqRsTuVwXy --status FAILED --error-msg "stopped by hand" --force',
    ],
  },
  // The build's execution is described by the ARN the build records; one that records none, by its
  // derived name when a state machine is configured.
  stateMachine: 'optional',
  parse(args) {
    const key = parseBuildIdArgument(args.positionals['build-id']);
    const errorMsg = stringValue(args, 'error-msg');
    const completion = parseCompletion({ status: stringValue(args, 'status'), errorMsg });
    // The domain drops a reason given with SUCCESS; a person who typed one meant something else.
    if (completion.status === 'SUCCESS' && errorMsg !== undefined) {
      throw new UsageError('--error-msg goes only with --status FAILED (a SUCCESS records no error)');
    }
    const force = flag(args, 'force');
    return async (context) => {
      const { services, output } = context;
      const buildId = buildIdOf(key);
      const running = force ? undefined : await runningExecutionOfBuild(context, key);
      if (running !== undefined) {
        const reason =
          `its execution ${running.executionArn} is still ${running.status}: the state machine records how it ends. ` +
          `To record ${completion.status} now all the same, add --force (the execution's own end is then refused; stop it first, ` +
          'e.g. aws stepfunctions stop-execution --execution-arn ARN)';
        output.result(
          {
            buildId,
            outcome: 'execution-running',
            status: running.buildStatus,
            executionArn: running.executionArn,
            executionStatus: running.status,
            reason: `Build ${buildId} was not changed to ${completion.status}: ${reason}`,
          },
          `${buildId} was not changed to ${completion.status}: ${reason}.\n`,
        );
        return EXIT.FAILED;
      }
      const result = await services().completions.record(key, completion);
      const document = { buildId, ...result };
      switch (result.outcome) {
        case 'completed':
          output.result(document, `${buildId} is now ${result.status}.\n`);
          return EXIT.OK;
        case 'already-completed':
          output.result(document, `${buildId} was already ${result.status}; nothing changed.\n`);
          return EXIT.OK;
        case 'refused':
          output.result(document, `${buildId} is already ${result.status}; it was not changed to ${completion.status}.\n`);
          return EXIT.FAILED;
        case 'not-a-build':
          output.result(document, `${buildId} was not changed: ${result.reason}.\n`);
          return EXIT.FAILED;
      }
    };
  },
};

/**
 * The execution of the build while it still runs (see {@link runningExecutionOf}), with the build's status.
 *
 * @throws BuildNotFoundError, or BuildUnreadableError naming `--force` (which needs no read).
 */
async function runningExecutionOfBuild(
  context: CommandContext,
  key: BuildKey,
): Promise<(ExecutionDescription & { readonly buildStatus: string }) | undefined> {
  let build;
  try {
    build = await context.services().builds.get(key);
  } catch (error) {
    // Its execution cannot be known: a person decides.
    if (error instanceof ValidationError) {
      throw new BuildUnreadableError(key, `${error.message} (--force records the end without reading the build first)`, { cause: error });
    }
    throw error;
  }
  if (!build) throw new BuildNotFoundError(key);
  const execution = await runningExecutionOf(context, build);
  return execution && { ...execution, buildStatus: build.status };
}
