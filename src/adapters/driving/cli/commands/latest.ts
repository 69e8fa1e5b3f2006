import * as z from 'zod/mini';
import { buildKeySchema, parseWith } from '../../../../domain/index.js';
import { CONFIGURATION_OPTIONS, OUTPUT_OPTIONS } from '../common-options.js';
import type { Command } from '../command.js';
import { buildView, formatTable } from '../format.js';
import { EXIT } from '../io.js';
import { buildColumnsFor } from './list.js';

export const latestCommand: Command = {
  spec: {
    name: 'latest',
    summary: 'Show the latest build of every repo in an environment.',
    positionals: [{ name: 'env', description: 'The environment.' }],
    options: { ...CONFIGURATION_OPTIONS, ...OUTPUT_OPTIONS },
    examples: ['aws-deployer-orchestrator latest prd', 'aws-deployer-orchestrator latest prd --json'],
  },
  stateMachine: 'unused',
  parse(args) {
    const { env } = parseWith(z.object({ env: buildKeySchema.shape.env }), { env: args.positionals.env });
    return async ({ services, output }) => {
      const builds = await services().builds.latestBuilds(env);
      const text = builds.length === 0 ? `No builds in ${env}.\n` : formatTable(builds, buildColumnsFor(builds));
      output.result({ env, builds: builds.map(buildView) }, text);
      return EXIT.OK;
    };
  },
};
