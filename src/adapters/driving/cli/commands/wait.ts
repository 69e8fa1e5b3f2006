import { buildIdOf } from '../../../../domain/index.js';
import type { Command } from '../command.js';
import { CONCURRENCY_OPTIONS, CONFIGURATION_OPTIONS, OUTPUT_OPTIONS } from '../common-options.js';
import { followBuild, WAIT_OPTIONS, waitOptionsFrom } from '../follow-build.js';
import { parseBuildIdArgument } from './build-id-argument.js';

export const waitCommand: Command = {
  spec: {
    name: 'wait',
    summary: 'Follow a build until it ends (what start --wait does after the start), e.g. one another run started.',
    description:
      'Prints a line whenever the build or its execution changes status. Exit 0 when the build ends SUCCESS,\n' +
      '1 when it ends FAILED, 3 when --timeout-minutes runs out first (the build is left as it is).\n' +
      'An execution that ended without the build recording it is reconciled after --reconcile-after-seconds\n' +
      '(its end then releases the environment lock under --concurrency queue or supersede). A PENDING build\n' +
      'waiting for its environment is followed through its turn.',
    positionals: [{ name: 'build-id', description: 'The build, as {repo}/{env}:{sk}.' }],
    options: { ...WAIT_OPTIONS, ...CONCURRENCY_OPTIONS, ...CONFIGURATION_OPTIONS, ...OUTPUT_OPTIONS },
    examples: [
      'aws-deployer-orchestrator wait myapp/prd:2HFj3kLmNoPqRsTuVwXy',
      'aws-deployer-orchestrator wait myapp/prd:2HFj3kLmNoPqRsTuVwXy --poll-seconds 10 --timeout-minutes 30 --json',
    ],
  },
  // It describes the build's execution, and may reconcile it.
  stateMachine: 'required',
  parse(args) {
    const key = parseBuildIdArgument(args.positionals['build-id']);
    const options = waitOptionsFrom(args);
    return (context) => followBuild(context, key, options, { buildId: buildIdOf(key) });
  },
};
