import { BuildNotFoundError, BuildUnreadableError, ValidationError, type BuildKey } from '../../../../domain/index.js';
import type { BuildRepository } from '../../../../ports/index.js';
import { CONFIGURATION_OPTIONS, OUTPUT_OPTIONS } from '../common-options.js';
import type { Command } from '../command.js';
import { buildView, formatBuild } from '../format.js';
import { EXIT } from '../io.js';
import { parseBuildIdArgument } from './build-id-argument.js';

export const getCommand: Command = {
  spec: {
    name: 'get',
    summary: 'Show one build.',
    positionals: [{ name: 'build-id', description: 'The build, as {repo}/{env}:{sk}.' }],
    options: { ...CONFIGURATION_OPTIONS, ...OUTPUT_OPTIONS },
    examples: ['aws-deployer-orchestrator get myapp/prd:2HFj3kLmNoPqRsTuVwXy', 'aws-deployer-orchestrator get myapp/prd:2HFj3kLmNoPqRsTuVwXy --json'],
  },
  stateMachine: 'unused',
  parse(args) {
    const key = parseBuildIdArgument(args.positionals['build-id']);
    return async ({ services, output }) => {
      const build = await readableBuild(services().builds, key);
      if (!build) throw new BuildNotFoundError(key);
      output.result(buildView(build), formatBuild(build));
      return EXIT.OK;
    };
  },
};

/** The build, `undefined` when there is none; an item that is there but does not read as a build says so. */
async function readableBuild(builds: BuildRepository, key: BuildKey) {
  try {
    return await builds.get(key);
  } catch (error) {
    if (error instanceof ValidationError) throw new BuildUnreadableError(key, error.message, { cause: error });
    throw error;
  }
}
