import { BuildNotFoundError } from '../../../../domain/index.js';
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
  needsStateMachine: false,
  parse(args) {
    const key = parseBuildIdArgument(args.positionals['build-id']);
    return async ({ services, output }) => {
      const build = await services().builds.get(key);
      if (!build) throw new BuildNotFoundError(key);
      output.result(buildView(build), formatBuild(build));
      return EXIT.OK;
    };
  },
};
