import * as z from 'zod';
import { ValidationError, buildIdOf, buildKeySchema, parseWith, type Build } from '../../../domain/index.js';
import { CONNECTION_OPTIONS, numberValue, OUTPUT_OPTIONS, stringValue, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { buildView, formatTable, formatTime, type Column } from '../format.js';
import { EXIT } from '../io.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';

const scopeSchema = z.object({ repo: buildKeySchema.shape.repo, env: buildKeySchema.shape.env });

export const BUILD_COLUMNS: ReadonlyArray<Column<Build>> = [
  { header: 'BUILD', value: (build) => buildIdOf(build) },
  { header: 'STATUS', value: (build) => build.status },
  { header: 'VERSION', value: (build) => build.version },
  { header: 'BRANCH', value: (build) => build.branch },
  { header: 'COMMIT', value: (build) => build.commitHash },
  { header: 'UPDATED', value: (build) => formatTime(build.updatedAt) },
];

export const listCommand: Command = {
  spec: {
    name: 'list',
    summary: "List a repo's builds in one environment, newest first.",
    positionals: [
      { name: 'repo', description: 'The repository.' },
      { name: 'env', description: 'The environment.' },
    ],
    options: {
      limit: { type: 'string', valueName: 'n', description: 'At most this many builds (1-1000, default 25).' },
      cursor: { type: 'string', valueName: 'cursor', description: 'Continue after a previous page (its nextCursor).' },
      ...CONNECTION_OPTIONS,
      ...OUTPUT_OPTIONS,
    },
    examples: ['aws-deployer-orchestrator list myapp prd --limit 10', 'aws-deployer-orchestrator list myapp prd --json --cursor eyJzayI6Ii4uLiJ9'],
  },
  needsStateMachine: false,
  parse(args) {
    const { repo, env } = parseWith(scopeSchema, { repo: args.positionals.repo, env: args.positionals.env });
    const limit = numberValue(args, 'limit', { min: 1, max: 1000, integer: true, default: 25 });
    const cursor = stringValue(args, 'cursor');
    return async ({ services, output }) => {
      let page;
      try {
        page = await services().builds.listBuilds(repo, env, { limit, cursor });
      } catch (error) {
        // The cursor is opaque to the CLI: only the repository can tell it is not one of its own.
        if (error instanceof ValidationError && error.field === 'cursor') throw new UsageError(`--cursor ${error.reason}`);
        throw error;
      }
      const text =
        page.builds.length === 0
          ? `No builds of ${repo} in ${env}.\n`
          : formatTable(page.builds, BUILD_COLUMNS) + (page.nextCursor ? `\nMore: --cursor ${page.nextCursor}\n` : '');
      output.result(
        withoutUndefined({ builds: page.builds.map(buildView), nextCursor: page.nextCursor }),
        text,
      );
      return EXIT.OK;
    };
  },
};
