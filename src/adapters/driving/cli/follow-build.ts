import type { BuildKey } from '../../../domain/index.js';
import { numberValue, type OptionSpecs, type ParsedArgs } from './args.js';
import type { CommandContext } from './command.js';
import { buildView, executionView, formatTime } from './format.js';
import { EXIT, type ExitCode } from './io.js';
import { waitForBuild, type WaitEvent, type WaitOptions } from './wait.js';

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
): Promise<ExitCode> {
  const { output, io } = context;
  const waited = await waitForBuild(key, { ...context.services(), sleep: io.sleep, now: io.now }, options, (event) =>
    output.progress(event, waitEventText(event)),
  );
  const document = {
    ...summary,
    result: waited.result === 'ended' ? waited.build.status : 'timed-out',
    build: buildView(waited.build),
    ...(waited.execution ? { execution: executionView(waited.execution) } : {}),
  };
  if (waited.result === 'timed-out') {
    const minutes = options.timeoutMs / 60_000;
    output.result(document, `Gave up after ${minutes} minute(s): ${summary.buildId} is still ${waited.build.status}.\n`);
    return EXIT.WAIT_TIMED_OUT;
  }
  const reason = waited.build.status === 'FAILED' && waited.build.errorMsg ? `: ${waited.build.errorMsg}` : '';
  output.result(document, `${summary.buildId} ended ${waited.build.status}${reason}\n`);
  return waited.build.status === 'SUCCESS' ? EXIT.OK : EXIT.FAILED;
}

function waitEventText(event: WaitEvent): string {
  const at = formatTime(new Date(event.at));
  if (event.event === 'reconciled') {
    return `${at}  execution ended without the build recording it; reconciled: ${event.outcome}${event.buildStatus ? ` (${event.buildStatus})` : ''}\n`;
  }
  return `${at}  build ${event.buildStatus}${event.executionStatus ? `, execution ${event.executionStatus}` : ''}\n`;
}
