import type { OpenBuildsSweepSummary } from '../../../../app/index.js';
import type { Build } from '../../../../domain/index.js';
import { numberValue, stringValue } from '../args.js';
import { CONCURRENCY_OPTIONS, CONFIGURATION_OPTIONS, OUTPUT_OPTIONS } from '../common-options.js';
import type { Command, CommandContext } from '../command.js';
import { optionalArtifactBucket } from '../config.js';
import { buildView, formatFields, formatTable } from '../format.js';
import { EXIT, type ExitCode } from '../io.js';
import { withoutUndefined } from '../../../../domain/without-undefined.js';
import { buildColumnsFor } from './list.js';

const MINUTE_MS = 60_000;
/** PENDING builds listed when they were not started: one page of the status index. */
const PENDING_LISTED = 100;

interface SweepSettings {
  readonly graceMinutes: number;
  readonly pageSize: number;
  readonly timeBudgetSeconds: number;
  readonly continuation: string | undefined;
  readonly s3Bucket: string | undefined;
}

export const sweepCommand: Command = {
  spec: {
    name: 'sweep',
    summary: "Bring every open build past a grace period to a true status, from the table (the sweeper's pass).",
    description:
      "What the scheduled sweeper does, once: reads the open builds from the table's status index\n" +
      '(status-updated_at-index), whenever they started. An IN_PROGRESS build whose execution ended records\n' +
      'how it ended; a PENDING build is started as trigger-build would, with --s3-bucket (ARTIFACT_BUCKET),\n' +
      'and without one is counted and listed, not started; a FAILED build marked for a redriven success asks\n' +
      "Step Functions. Stops reading after --time-budget-seconds and prints where to go on (--continuation).\n" +
      'A table without the status index falls back to the executions of the last 24 hours, as reconcile.',
    positionals: [],
    options: {
      'grace-minutes': {
        type: 'string',
        valueName: 'min',
        description: 'Leave builds updated more recently to trigger-build and the state machine (default 5).',
      },
      'page-size': { type: 'string', valueName: 'n', description: 'Builds read per query (1-1000, default 25).' },
      'time-budget-seconds': { type: 'string', valueName: 's', description: 'Read no new page after this long (default 60).' },
      continuation: { type: 'string', valueName: 'c', description: 'Go on where an earlier sweep stopped (its continuation).' },
      ...CONCURRENCY_OPTIONS,
      ...CONFIGURATION_OPTIONS,
      ...OUTPUT_OPTIONS,
    },
    examples: [
      'aws-deployer-orchestrator sweep',
      'aws-deployer-orchestrator sweep --s3-bucket my-artifacts --grace-minutes 15 --json',
      'aws-deployer-orchestrator sweep --continuation eyJzdGF0dXMiOiJQRU5ESU5HIn0',
    ],
  },
  stateMachine: 'required',
  parse(args, env) {
    const settings: SweepSettings = {
      graceMinutes: numberValue(args, 'grace-minutes', { min: 0, max: 7 * 24 * 60, default: 5 }),
      pageSize: numberValue(args, 'page-size', { min: 1, max: 1000, integer: true, default: 25 }),
      timeBudgetSeconds: numberValue(args, 'time-budget-seconds', { min: 1, max: 24 * 3600, default: 60 }),
      continuation: stringValue(args, 'continuation'),
      s3Bucket: optionalArtifactBucket(args, env),
    };
    return (context) => sweep(context, settings);
  },
};

async function sweep(context: CommandContext, settings: SweepSettings): Promise<ExitCode> {
  const { services, output, io } = context;
  const graceMs = settings.graceMinutes * MINUTE_MS;
  const updatedBefore = new Date(io.now().getTime() - graceMs);
  const summary = await services().sweeper.sweep({
    s3Bucket: settings.s3Bucket,
    graceMs,
    pageSize: settings.pageSize,
    timeBudgetMs: settings.timeBudgetSeconds * 1000,
    continuation: settings.continuation,
  });
  // Not started for want of a bucket: named, so a person can start them (or pass the bucket).
  const waiting =
    summary.mode === 'status-index' && summary.pendingNotStarted > 0
      ? await services().builds.listBuildsByStatus('PENDING', { updatedBefore, limit: PENDING_LISTED })
      : undefined;
  const pendingBuilds = waiting?.builds ?? [];
  output.result(
    withoutUndefined({
      ...summary,
      graceMinutes: settings.graceMinutes,
      artifactBucket: settings.s3Bucket,
      pendingBuilds: waiting === undefined ? undefined : pendingBuilds.map(buildView),
      morePendingBuilds: waiting?.nextCursor === undefined ? undefined : true,
    }),
    sweepText(summary, settings, pendingBuilds, waiting?.nextCursor !== undefined),
  );
  return EXIT.OK;
}

function sweepText(summary: OpenBuildsSweepSummary, settings: SweepSettings, pending: readonly Build[], morePending: boolean): string {
  let text =
    summary.mode === 'status-index'
      ? `Swept the open builds last updated over ${settings.graceMinutes} minute(s) ago, from the status index.\n`
      : "The table has no status index (status-updated_at-index): swept the executions of the last 24 hour(s) instead,\n" +
        'as reconcile does; open builds outside that window were not seen. Add the index (docs/lambda.md).\n';
  text += `\n${formatFields([
    ['Examined', summary.examined],
    ['Started', summary.started],
    ['Completed', summary.completed],
    ['Failed', summary.failed],
    ['Stuck', summary.mode === 'status-index' ? summary.stuck : undefined],
    ['Unreadable', summary.mode === 'status-index' ? summary.unreadable : undefined],
    ['PENDING not started', summary.mode === 'status-index' ? summary.pendingNotStarted : undefined],
    ['Redrive marks checked', summary.mode === 'status-index' ? summary.redrivePending : undefined],
  ])}`;
  if (summary.stuck > 0 || summary.failed > 0) {
    text += '\nEach stuck build, and each one not swept, is logged on stderr with its id and why; the next sweep tries again.\n';
  }
  if (pending.length > 0) {
    text += `\nPENDING builds not started (no --s3-bucket, ARTIFACT_BUCKET); start them with --s3-bucket or the start command:\n`;
    text += formatTable(pending, buildColumnsFor(pending));
    if (morePending) text += `(more: list --status PENDING)\n`;
  }
  if (summary.continuation !== undefined) {
    text += `\nThe time budget (${settings.timeBudgetSeconds} s) ran out. More: --continuation ${summary.continuation}\n`;
  }
  return text;
}
