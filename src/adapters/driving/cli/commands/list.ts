import * as z from 'zod/mini';
import {
  BUILD_STATUSES,
  BuildsByStatusUnavailableError,
  ValidationError,
  buildIdOf,
  isBuildStatus,
  parseWith,
  recordedBuildKeySchema,
  type Build,
  type BuildStatus,
} from '../../../../domain/index.js';
import { numberValue, stringValue, UsageError } from '../args.js';
import { CONFIGURATION_OPTIONS, OUTPUT_OPTIONS } from '../common-options.js';
import type { Command } from '../command.js';
import { buildNote, buildView, formatTable, formatTime, type Column } from '../format.js';
import { EXIT } from '../io.js';
import type { UnreadableBuild } from '../../../../ports/index.js';
import { withoutUndefined } from '../../../../domain/without-undefined.js';

const scopeSchema = z.object({ repo: recordedBuildKeySchema.shape.repo, env: recordedBuildKeySchema.shape.env });

export const BUILD_COLUMNS: ReadonlyArray<Column<Build>> = [
  { header: 'BUILD', value: (build) => buildIdOf(build) },
  { header: 'STATUS', value: (build) => build.status },
  { header: 'VERSION', value: (build) => build.version },
  { header: 'BRANCH', value: (build) => build.branch },
  { header: 'COMMIT', value: (build) => build.commitHash },
  { header: 'UPDATED', value: (build) => formatTime(build.updatedAt) },
];

/**
 * The columns of a listing of `builds`: {@link BUILD_COLUMNS}, and a last
 * one, `NOTE`, when a build has something to say (`waiting for {id}`: the
 * lock holder a `PENDING` build waits behind).
 */
export function buildColumnsFor(builds: readonly Build[]): ReadonlyArray<Column<Build>> {
  return builds.some((build) => buildNote(build) !== '') ? [...BUILD_COLUMNS, { header: 'NOTE', value: buildNote }] : BUILD_COLUMNS;
}

export const listCommand: Command = {
  spec: {
    name: 'list',
    summary: "List a repo's builds in one environment, newest first; or, with --status, the builds of one status.",
    description:
      'With --status, the builds of that status in the whole table, oldest update first, read from the\n' +
      "table's status index (status-updated_at-index); a repo and env, when given, keep only theirs.",
    positionals: [
      { name: 'repo', description: 'The repository (optional with --status).', optional: true },
      { name: 'env', description: 'The environment (optional with --status).', optional: true },
    ],
    options: {
      status: { type: 'string', valueName: 'STATUS', description: 'PENDING, IN_PROGRESS, SUCCESS or FAILED.' },
      limit: { type: 'string', valueName: 'n', description: 'At most this many builds (1-1000, default 25).' },
      cursor: { type: 'string', valueName: 'cursor', description: 'Continue after a previous page (its nextCursor).' },
      ...CONFIGURATION_OPTIONS,
      ...OUTPUT_OPTIONS,
    },
    examples: [
      'aws-deployer-orchestrator list myapp prd --limit 10',
      'aws-deployer-orchestrator list myapp prd --json --cursor eyJzayI6Ii4uLiJ9',
      'aws-deployer-orchestrator list --status PENDING',
    ],
  },
  stateMachine: 'unused',
  parse(args) {
    const status = optionalStatus(stringValue(args, 'status'));
    const given = { repo: args.positionals.repo ?? '', env: args.positionals.env ?? '' };
    if (status === undefined && given.repo === '') throw new UsageError('missing argument <repo>');
    if (given.repo !== '' && given.env === '') throw new UsageError('missing argument <env>');
    const scope = given.repo === '' ? undefined : parseWith(scopeSchema, given);
    const limit = numberValue(args, 'limit', { min: 1, max: 1000, integer: true, default: 25 });
    const cursor = stringValue(args, 'cursor');
    return async ({ services, output }) => {
      let page;
      try {
        page =
          status === undefined
            ? await services().builds.listBuilds(scope!.repo, scope!.env, { limit, cursor })
            : await services().builds.listBuildsByStatus(status, { limit, cursor });
      } catch (error) {
        // The cursor is opaque to the CLI: only the repository can tell it is not one of its own.
        if (error instanceof ValidationError && error.field === 'cursor') throw new UsageError(`--cursor ${error.reason}`);
        if (error instanceof BuildsByStatusUnavailableError) throw new UsageError(`--status is not available on this table: ${error.message}`);
        throw error;
      }
      const inScope = (id: string) => scope === undefined || id.startsWith(`${scope.repo}/${scope.env}:`);
      const builds = page.builds.filter((build) => inScope(buildIdOf(build)));
      // Items that do not read as builds are named, never dropped: a listing must not hide one.
      const skipped = (page.unreadable ?? []).filter((item) => inScope(item.id));
      const what = status === undefined ? `builds of ${scope!.repo} in ${scope!.env}` : `${status} builds${scope ? ` of ${scope.repo} in ${scope.env}` : ''}`;
      const listed =
        builds.length === 0
          ? `No ${skipped.length > 0 ? 'readable ' : ''}${what}${page.nextCursor ? ' on this page' : ''}.\n`
          : formatTable(builds, buildColumnsFor(builds));
      const text =
        listed +
        (skipped.length === 0 ? '' : `\n${skippedText(skipped)}`) +
        (page.nextCursor ? `${builds.length === 0 && skipped.length === 0 ? '' : '\n'}More: --cursor ${page.nextCursor}\n` : '');
      output.result(
        withoutUndefined({ builds: builds.map(buildView), skipped: skipped.length === 0 ? undefined : skipped, nextCursor: page.nextCursor }),
        text,
      );
      return EXIT.OK;
    };
  },
};

function skippedText(skipped: readonly UnreadableBuild[]): string {
  const heading = `Skipped ${skipped.length} item${skipped.length === 1 ? '' : 's'} that do${skipped.length === 1 ? 'es' : ''} not read as a build:\n`;
  return heading + formatTable(skipped, SKIPPED_COLUMNS);
}

const SKIPPED_COLUMNS: ReadonlyArray<Column<UnreadableBuild>> = [
  { header: 'ITEM', value: (item) => item.id },
  { header: 'REASON', value: (item) => item.reason },
];

function optionalStatus(value: string | undefined): BuildStatus | undefined {
  if (value === undefined) return undefined;
  if (!isBuildStatus(value)) throw new UsageError(`--status must be one of ${BUILD_STATUSES.join(', ')}`);
  return value;
}
