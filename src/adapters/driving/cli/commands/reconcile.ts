import type { ReconcileOutcome, SweepSummary } from '../../../../app/index.js';
import { numberValue } from '../args.js';
import { CONFIGURATION_OPTIONS, OUTPUT_OPTIONS } from '../common-options.js';
import type { Command } from '../command.js';
import { formatTable } from '../format.js';
import { EXIT } from '../io.js';

type BuildOutcome = Extract<ReconcileOutcome, { buildId: string }>;
type NotABuild = Extract<ReconcileOutcome, { outcome: 'not-a-build' }>;

const HOUR_MS = 60 * 60 * 1000;

export const reconcileCommand: Command = {
  spec: {
    name: 'reconcile',
    summary: 'Make builds record how their executions really ended (one sweep).',
    description:
      'Reads the closed executions started within the look-back window and records their end on\n' +
      'builds that still miss it (timeouts, aborts, lost callbacks). Builds that already ended are left alone.',
    positionals: [],
    options: {
      'lookback-hours': { type: 'string', valueName: 'hours', description: 'How far back, by execution start (default 24).' },
      'max-executions': { type: 'string', valueName: 'n', description: 'At most this many executions (default 1000).' },
      ...CONFIGURATION_OPTIONS,
      ...OUTPUT_OPTIONS,
    },
    examples: ['aws-deployer-orchestrator reconcile', 'aws-deployer-orchestrator reconcile --lookback-hours 6 --json'],
  },
  needsStateMachine: true,
  parse(args) {
    const lookbackHours = numberValue(args, 'lookback-hours', { min: 0.01, max: 24 * 90, default: 24 });
    const maxExecutions = numberValue(args, 'max-executions', { min: 1, max: 100_000, integer: true, default: 1000 });
    return async ({ services, output }) => {
      const summary = await services().reconciler.sweep({ lookbackMs: lookbackHours * HOUR_MS, maxExecutions });
      const changed = summary.outcomes.filter((outcome) => outcome.outcome === 'completed');
      output.result({ lookbackHours, ...summary, completedBuilds: changed.map((outcome) => outcome.buildId) }, sweepText(summary, lookbackHours));
      return EXIT.OK;
    };
  },
};

/** The sweep in text: the counts, then every outcome but `running`, then what failed. */
function sweepText(summary: SweepSummary, lookbackHours: number): string {
  const builds = summary.outcomes.filter((outcome): outcome is BuildOutcome => 'buildId' in outcome);
  const notBuilds = summary.outcomes.filter((outcome): outcome is NotABuild => outcome.outcome === 'not-a-build');
  let text = `Examined ${summary.examined} execution(s) from the last ${lookbackHours} hour(s); completed ${summary.completed} build(s).\n`;
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
