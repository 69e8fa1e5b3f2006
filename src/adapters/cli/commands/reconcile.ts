import type { ReconcileOutcome } from '../../../app/index.js';
import { CONNECTION_OPTIONS, numberValue, OUTPUT_OPTIONS } from '../args.js';
import type { Command } from '../command.js';
import { formatTable } from '../format.js';
import { EXIT } from '../io.js';

type BuildOutcome = Extract<ReconcileOutcome, { buildId: string }>;

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
      ...CONNECTION_OPTIONS,
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
      const builds = summary.outcomes.filter((outcome): outcome is BuildOutcome => 'buildId' in outcome);
      const changed = builds.filter((outcome) => outcome.outcome === 'completed');
      let text = `Examined ${summary.examined} execution(s) from the last ${lookbackHours} hour(s); completed ${summary.completed} build(s).\n`;
      if (builds.length > 0) {
        text += `\n${formatTable(builds, [
          { header: 'BUILD', value: (outcome) => outcome.buildId },
          { header: 'OUTCOME', value: (outcome) => outcome.outcome },
          { header: 'STATUS', value: (outcome) => outcome.status },
        ])}`;
      }
      output.result({ lookbackHours, ...summary, completedBuilds: changed.map((outcome) => outcome.buildId) }, text);
      return EXIT.OK;
    };
  },
};
