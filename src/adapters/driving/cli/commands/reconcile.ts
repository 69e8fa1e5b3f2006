import type { ReconcileOutcome, SweepSummary } from '../../../../app/index.js';
import { BuildsByStatusUnavailableError, type BuildStatus } from '../../../../domain/index.js';
import type { BuildRepository } from '../../../../ports/index.js';
import { numberValue, PROGRAM } from '../args.js';
import { restateAwsError } from '../aws-problems.js';
import { CONCURRENCY_OPTIONS, CONFIGURATION_OPTIONS, OUTPUT_OPTIONS } from '../common-options.js';
import type { Command, CommandContext } from '../command.js';
import { formatTable, formatTime } from '../format.js';
import { EXIT } from '../io.js';

type BuildOutcome = Extract<ReconcileOutcome, { buildId: string }>;
type NotABuild = Extract<ReconcileOutcome, { outcome: 'not-a-build' }>;

/**
 * The open builds last updated before the window, which the window's
 * executions cannot reach: counted from the status index, one page per open
 * status; `more` when a page was full. Or why that could not be told.
 */
export type OpenBuildsBeforeWindow =
  | { readonly known: true; readonly inProgress: number; readonly pending: number; readonly more: boolean }
  | { readonly known: false; readonly reason: string };

const HOUR_MS = 60 * 60 * 1000;
/** Open builds counted per status before the window: one page of the status index, no more. */
const COUNT_PAGE = 100;

export const reconcileCommand: Command = {
  spec: {
    name: 'reconcile',
    summary: 'Make builds record how their executions really ended (one sweep of recent executions).',
    description:
      'Reads the closed executions started within the look-back window and records their end on\n' +
      'builds that still miss it (timeouts, aborts, lost callbacks). Builds that already ended are left alone.\n' +
      'It cannot see a build whose execution started before the window, nor one that never started: it\n' +
      'says how many open builds the table has from before the window; the sweep command finds them all.',
    positionals: [],
    options: {
      'lookback-hours': { type: 'string', valueName: 'hours', description: 'How far back, by execution start (default 24).' },
      'max-executions': { type: 'string', valueName: 'n', description: 'At most this many executions (default 1000).' },
      ...CONCURRENCY_OPTIONS,
      ...CONFIGURATION_OPTIONS,
      ...OUTPUT_OPTIONS,
    },
    examples: ['aws-deployer-orchestrator reconcile', 'aws-deployer-orchestrator reconcile --lookback-hours 6 --json'],
  },
  stateMachine: 'required',
  parse(args) {
    const lookbackHours = numberValue(args, 'lookback-hours', { min: 0.01, max: 24 * 90, default: 24 });
    const maxExecutions = numberValue(args, 'max-executions', { min: 1, max: 100_000, integer: true, default: 1000 });
    return async (context) => {
      const { services, output, io } = context;
      const since = new Date(io.now().getTime() - lookbackHours * HOUR_MS);
      const summary = await services().reconciler.sweep({ lookbackMs: lookbackHours * HOUR_MS, maxExecutions });
      const openBeforeWindow = await openBuildsBefore(context, services().builds, since);
      const changed = summary.outcomes.filter((outcome) => outcome.outcome === 'completed');
      const window = { since, lookbackHours, maxExecutions, reachedMaxExecutions: summary.examined >= maxExecutions };
      output.result(
        {
          lookbackHours,
          since: since.toISOString(),
          maxExecutions,
          reachedMaxExecutions: window.reachedMaxExecutions,
          ...summary,
          completedBuilds: changed.map((outcome) => outcome.buildId),
          openBuildsBeforeWindow: openBeforeWindow,
        },
        sweepText(summary, window, openBeforeWindow),
      );
      return EXIT.OK;
    };
  },
};

/**
 * How many builds are still open but were last updated before `since`:
 * their executions (if any) started before the window, so this sweep could
 * not reach them. One bounded query of the status index per open status.
 */
async function openBuildsBefore(context: CommandContext, builds: BuildRepository, since: Date): Promise<OpenBuildsBeforeWindow> {
  try {
    const count = async (status: BuildStatus) => {
      const page = await builds.listBuildsByStatus(status, { updatedBefore: since, limit: COUNT_PAGE });
      return { count: page.builds.length + (page.unreadable?.length ?? 0), more: page.nextCursor !== undefined };
    };
    const inProgress = await count('IN_PROGRESS');
    const pending = await count('PENDING');
    return { known: true, inProgress: inProgress.count, pending: pending.count, more: inProgress.more || pending.more };
  } catch (error) {
    if (error instanceof BuildsByStatusUnavailableError) return { known: false, reason: error.message };
    // The sweep itself ran: a count that cannot be made is said, not fatal.
    const restated = restateAwsError(error, context.connection, context.io.env) ?? error;
    return { known: false, reason: restated instanceof Error ? restated.message : String(restated) };
  }
}

interface Window {
  readonly since: Date;
  readonly lookbackHours: number;
  readonly maxExecutions: number;
  readonly reachedMaxExecutions: boolean;
}

/**
 * The sweep in text: the counts and the window it read, what it could not
 * see, then every outcome but `running`, then what failed.
 */
function sweepText(summary: SweepSummary, window: Window, openBeforeWindow: OpenBuildsBeforeWindow): string {
  const builds = summary.outcomes.filter((outcome): outcome is BuildOutcome => 'buildId' in outcome);
  const notBuilds = summary.outcomes.filter((outcome): outcome is NotABuild => outcome.outcome === 'not-a-build');
  const since = formatTime(window.since);
  const cut = window.reachedMaxExecutions ? `, only the ${window.maxExecutions} newest (--max-executions)` : '';
  let text = `Examined ${summary.examined} execution(s) from the last ${window.lookbackHours} hour(s); completed ${summary.completed} build(s).\n`;
  text += `Window: executions started since ${since}${cut}. Builds whose execution started earlier, or never started, are the sweep command's.\n`;
  text += `${openBuildsText(openBeforeWindow, since)}\n`;
  if (builds.length > 0) {
    text += `\n${formatTable(builds, [
      { header: 'BUILD', value: (outcome) => outcome.buildId },
      { header: 'OUTCOME', value: (outcome) => outcome.outcome },
      { header: 'STATUS', value: (outcome) => outcome.status },
    ])}`;
  }
  if (notBuilds.length > 0) {
    text += `\nNot a build's execution (not-a-build), left alone:\n${notBuilds.map((outcome) => `  ${outcome.reason}\n`).join('')}`;
  }
  if (summary.failures.length > 0) {
    text += `\nNot reconciled, the next sweep tries again:\n${summary.failures.map((failure) => `  ${failure.executionArn}: ${failure.error}\n`).join('')}`;
  }
  return text;
}

function openBuildsText(open: OpenBuildsBeforeWindow, since: string): string {
  const what = `Open builds last updated before ${since}`;
  if (!open.known) return `${what}: could not tell (${open.reason}).`;
  const total = open.inProgress + open.pending;
  if (total === 0 && !open.more) return `${what}: none.`;
  return `${what}: ${open.more ? 'at least ' : ''}${total} (${open.inProgress} IN_PROGRESS, ${open.pending} PENDING); run '${PROGRAM} sweep' for them.`;
}
