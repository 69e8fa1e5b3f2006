import { ValidationError, environmentIdOf, holderIdOf, type EnvironmentLock } from '../../../../domain/index.js';
import { withoutUndefined } from '../../../../domain/without-undefined.js';
import type { UnreadableBuild } from '../../../../ports/index.js';
import { numberValue, stringValue, UsageError } from '../args.js';
import { CONFIGURATION_OPTIONS, OUTPUT_OPTIONS } from '../common-options.js';
import type { Command } from '../command.js';
import { formatAge, formatTable, formatTime, lockView, type Column } from '../format.js';
import { EXIT } from '../io.js';

export const locksCommand: Command = {
  spec: {
    name: 'locks',
    summary: 'List the held environment locks: the build that deploys each locked environment, and for how long.',
    description:
      'Every held lock, in {repo}/{env} order, with the build that holds it, the policy it was taken under\n' +
      '(adopted: the holder was already deploying, started outside the lock) and how long it has been held.\n' +
      'A lock held long after its deployment should have ended is what unlock releases.',
    positionals: [],
    options: {
      limit: { type: 'string', valueName: 'n', description: 'At most this many locks (1-1000, default 25).' },
      cursor: { type: 'string', valueName: 'cursor', description: 'Continue after a previous page (its nextCursor).' },
      ...CONFIGURATION_OPTIONS,
      ...OUTPUT_OPTIONS,
    },
    examples: ['aws-deployer-orchestrator locks', 'aws-deployer-orchestrator locks --limit 100 --json'],
  },
  stateMachine: 'unused',
  parse(args) {
    const limit = numberValue(args, 'limit', { min: 1, max: 1000, integer: true, default: 25 });
    const cursor = stringValue(args, 'cursor');
    return async ({ services, output, io }) => {
      let page;
      try {
        page = await services().builds.listEnvironmentLocks({ limit, cursor });
      } catch (error) {
        // The cursor is opaque to the CLI: only the repository can tell it is not one of its own.
        if (error instanceof ValidationError && error.field === 'cursor') throw new UsageError(`--cursor ${error.reason}`);
        throw error;
      }
      const now = io.now();
      const skipped = page.unreadable ?? [];
      const listed =
        page.locks.length === 0
          ? `No ${skipped.length > 0 ? 'readable ' : ''}environment lock is held${page.nextCursor ? ' on this page' : ''}.\n`
          : formatTable(page.locks, lockColumns(now));
      const text =
        listed +
        (skipped.length === 0 ? '' : `\n${skippedText(skipped)}`) +
        (page.nextCursor ? `\nMore: --cursor ${page.nextCursor}\n` : '');
      output.result(
        withoutUndefined({
          locks: page.locks.map((lock) => ({ ...lockView(lock), ageSeconds: Math.max(0, Math.floor((now.getTime() - lock.takenAt.getTime()) / 1000)) })),
          skipped: skipped.length === 0 ? undefined : skipped,
          nextCursor: page.nextCursor,
        }),
        text,
      );
      return EXIT.OK;
    };
  },
};

function lockColumns(now: Date): ReadonlyArray<Column<EnvironmentLock>> {
  return [
    { header: 'ENVIRONMENT', value: (lock) => environmentIdOf(lock) },
    { header: 'HOLDER', value: (lock) => holderIdOf(lock) },
    { header: 'POLICY', value: (lock) => (lock.adopted ? `${lock.policy} (adopted)` : lock.policy) },
    { header: 'TAKEN', value: (lock) => formatTime(lock.takenAt) },
    { header: 'AGE', value: (lock) => formatAge(lock.takenAt, now) },
  ];
}

function skippedText(skipped: readonly UnreadableBuild[]): string {
  const heading = `Skipped ${skipped.length} lock item${skipped.length === 1 ? '' : 's'} that do${skipped.length === 1 ? 'es' : ''} not read as a lock:\n`;
  return heading + formatTable(skipped, [
    { header: 'ITEM', value: (item: UnreadableBuild) => item.id },
    { header: 'REASON', value: (item: UnreadableBuild) => item.reason },
  ]);
}
