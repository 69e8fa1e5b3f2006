import type { BuildKey } from '../../../domain/index.js';
import { numberValue, type OptionSpecs, type ParsedArgs } from './args.js';
import type { CommandContext } from './command.js';
import { buildView, executionView, formatTime } from './format.js';
import { EXIT, type ExitCode } from './io.js';
import { buildEnded, waitForBuild, type WaitEnd, type WaitEvent, type WaitOptions, type WaitResult } from './wait.js';

/** How `start --wait` and `wait` follow a build. */
export const WAIT_OPTIONS: OptionSpecs = {
  'poll-seconds': { type: 'string', valueName: 's', description: 'Seconds between polls while waiting (default 5).' },
  'timeout-minutes': { type: 'string', valueName: 'min', description: 'Give up waiting after this long, exit 3 (default 60).' },
  'reconcile-after-seconds': {
    type: 'string',
    valueName: 's',
    description: "Record a closed execution's end on a build still missing it after this long (default 60).",
  },
};

export function waitOptionsFrom(args: ParsedArgs): WaitOptions {
  return {
    pollMs: numberValue(args, 'poll-seconds', { min: 0.05, max: 3600, default: 5 }) * 1000,
    timeoutMs: numberValue(args, 'timeout-minutes', { min: 0.01, max: 7 * 24 * 60, default: 60 }) * 60_000,
    reconcileAfterMs: numberValue(args, 'reconcile-after-seconds', { min: 0, max: 24 * 3600, default: 60 }) * 1000,
  };
}

/** How a wait ended, as {@link followBuild} reports it. */
export interface FollowedEnd {
  /** `result` in the JSON document. */
  readonly result: string;
  /** The line printed in text mode. */
  readonly text: string;
  readonly exitCode: ExitCode;
}

/** What a command follows other than a build's own end (`redrive`: the execution it runs again). */
export interface FollowHow {
  /** When the wait is over (default: the build reached `SUCCESS` or `FAILED`). */
  readonly ended?: WaitEnd;
  /** What the end means (default: the build's status; exit 0 on `SUCCESS`, 1 on `FAILED`). */
  readonly end?: (waited: WaitResult, buildId: string) => FollowedEnd;
}

/**
 * Follows a build until it ends or the wait gives up, printing each status
 * change as progress, then the result: `summary` plus `result`, the build
 * and its execution. Exit 0 on SUCCESS, 1 on FAILED, 3 when it gave up.
 */
export async function followBuild(
  context: CommandContext,
  key: BuildKey,
  options: WaitOptions,
  summary: { readonly buildId: string } & Readonly<Record<string, unknown>>,
  how: FollowHow = {},
): Promise<ExitCode> {
  const { output, io } = context;
  const { builds, inspector, reconciler } = context.services();
  const waited = await waitForBuild(
    key,
    { builds, inspector, reconciler, sleep: io.sleep, now: io.now },
    options,
    (event) => output.progress(event, waitEventText(event)),
    how.ended ?? buildEnded,
  );
  const end =
    waited.result === 'timed-out'
      ? {
          result: 'timed-out',
          text: `Gave up after ${options.timeoutMs / 60_000} minute(s): ${summary.buildId} is still ${waited.build.status}.\n`,
          exitCode: EXIT.WAIT_TIMED_OUT,
        }
      : (how.end ?? buildEnd)(waited, summary.buildId);
  const document = {
    ...summary,
    result: end.result,
    build: buildView(waited.build),
    ...(waited.execution ? { execution: executionView(waited.execution) } : {}),
  };
  output.result(document, end.text);
  return end.exitCode;
}

/** The build's own end: exit 0 on `SUCCESS`, 1 on `FAILED`. */
function buildEnd(waited: WaitResult, buildId: string): FollowedEnd {
  const reason = waited.build.status === 'FAILED' && waited.build.errorMsg ? `: ${waited.build.errorMsg}` : '';
  return {
    result: waited.build.status,
    text: `${buildId} ended ${waited.build.status}${reason}\n`,
    exitCode: waited.build.status === 'SUCCESS' ? EXIT.OK : EXIT.FAILED,
  };
}

function waitEventText(event: WaitEvent): string {
  const at = formatTime(new Date(event.at));
  if (event.event === 'reconciled') {
    return `${at}  execution ended without the build recording it; reconciled: ${event.outcome}${event.buildStatus ? ` (${event.buildStatus})` : ''}\n`;
  }
  return `${at}  build ${event.buildStatus}${event.executionStatus ? `, execution ${event.executionStatus}` : ''}\n`;
}
