import {
  BuildNotFoundError,
  TransientExecutionStartError,
  buildIdOf,
  type Build,
  type BuildKey,
} from '../../../domain/index.js';
import { CONNECTION_OPTIONS, flag, numberValue, OUTPUT_OPTIONS, type ParsedArgs } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { resolveArtifactBucket } from '../config.js';
import { buildView, executionView, formatTime } from '../format.js';
import { EXIT, type ExitCode } from '../io.js';
import { waitForBuild, type WaitEvent, type WaitOptions } from '../wait.js';
import { parseBuildIdArgument } from './build-id-argument.js';

type StartOutcome =
  | { readonly outcome: 'started' | 'already-started'; readonly executionArn: string }
  | { readonly outcome: 'failed' | 'not-started' | 'not-pending' | 'already-ended'; readonly reason: string; readonly status?: string };

export const startCommand: Command = {
  spec: {
    name: 'start',
    summary: 'Start the deployment of a PENDING build (what trigger-build does for a new build).',
    description:
      'Idempotent: a build whose execution already runs reports it (exit 0) instead of starting another.\n' +
      'A permanent start error records the build FAILED with the reason (exit 1); a transient one leaves\n' +
      'it PENDING (exit 1, try again). With --wait, follows the build until it ends: exit 0 on SUCCESS,\n' +
      '1 on FAILED or when --timeout-minutes runs out.',
    positionals: [{ name: 'build-id', description: 'The build, as {repo}/{env}:{sk}.' }],
    options: {
      's3-bucket': { type: 'string', valueName: 'bucket', description: 'Artifacts bucket for the execution input (default: $ARTIFACT_BUCKET).' },
      wait: { type: 'boolean', short: 'w', description: 'Print status changes until the build ends.' },
      'poll-seconds': { type: 'string', valueName: 's', description: 'With --wait: seconds between polls (default 5).' },
      'timeout-minutes': { type: 'string', valueName: 'min', description: 'With --wait: give up after this long (default 60).' },
      'reconcile-after-seconds': {
        type: 'string',
        valueName: 's',
        description: "With --wait: record a closed execution's end on a build still missing it after this long (default 60).",
      },
      ...CONNECTION_OPTIONS,
      ...OUTPUT_OPTIONS,
    },
    examples: [
      'aws-deployer-orchestrator start myapp/prd:2HFj3kLmNoPqRsTuVwXy --s3-bucket my-artifacts',
      'aws-deployer-orchestrator start myapp/prd:2HFj3kLmNoPqRsTuVwXy --wait --poll-seconds 10 --timeout-minutes 30',
    ],
  },
  needsStateMachine: true,
  parse(args, env) {
    const key = parseBuildIdArgument(args.positionals['build-id']);
    const s3Bucket = resolveArtifactBucket(args, env);
    const wait = flag(args, 'wait') ? waitOptions(args) : undefined;
    return (context) => start(context, key, s3Bucket, wait);
  },
};

function waitOptions(args: ParsedArgs): WaitOptions {
  return {
    pollMs: numberValue(args, 'poll-seconds', { min: 0.05, max: 3600, default: 5 }) * 1000,
    timeoutMs: numberValue(args, 'timeout-minutes', { min: 0.01, max: 7 * 24 * 60, default: 60 }) * 60_000,
    reconcileAfterMs: numberValue(args, 'reconcile-after-seconds', { min: 0, max: 24 * 3600, default: 60 }) * 1000,
  };
}

async function start(context: CommandContext, key: BuildKey, s3Bucket: string, wait: WaitOptions | undefined): Promise<ExitCode> {
  const { output } = context;
  const services = context.services();
  const buildId = buildIdOf(key);
  const build = await services.builds.get(key);
  if (!build) throw new BuildNotFoundError(key);

  const started = await startOutcome(context, build, s3Bucket);
  const summary = { buildId, ...started };
  if ('reason' in started) {
    output.result(summary, startFailureText(buildId, started));
    return EXIT.FAILED;
  }
  const verb = started.outcome === 'started' ? 'Started' : 'Already running:';
  const startText = `${verb} ${buildId}\nExecution: ${started.executionArn}\n`;
  if (!wait) {
    output.result(summary, startText);
    return EXIT.OK;
  }

  // The start is progress too: print it now, the result when the build ends.
  output.progress({ event: started.outcome, ...summary }, startText);
  const waited = await waitForBuild(
    key,
    { ...services, sleep: context.io.sleep, now: context.io.now },
    wait,
    (event) => output.progress(event, waitEventText(event)),
  );
  const document = {
    ...summary,
    result: waited.result === 'ended' ? waited.build.status : 'timed-out',
    build: buildView(waited.build),
    ...(waited.execution ? { execution: executionView(waited.execution) } : {}),
  };
  if (waited.result === 'timed-out') {
    const minutes = wait.timeoutMs / 60_000;
    output.result(document, `Gave up after ${minutes} minute(s): ${buildId} is still ${waited.build.status}.\n`);
    return EXIT.FAILED;
  }
  const reason = waited.build.errorMsg ? `: ${waited.build.errorMsg}` : '';
  output.result(document, `${buildId} ended ${waited.build.status}${waited.build.status === 'FAILED' ? reason : ''}\n`);
  return waited.build.status === 'SUCCESS' ? EXIT.OK : EXIT.FAILED;
}

async function startOutcome(
  context: CommandContext,
  build: Build,
  s3Bucket: string,
): Promise<StartOutcome> {
  try {
    const triggered = await context.services().trigger.trigger(build, { s3Bucket });
    switch (triggered.outcome) {
      case 'started':
        return { outcome: 'started', executionArn: triggered.executionArn };
      case 'failed':
        return { outcome: 'failed', status: 'FAILED', reason: triggered.reason };
      case 'ended':
        return {
          outcome: 'already-ended',
          status: triggered.status,
          reason: `its execution ${triggered.executionArn} had already ended; the build now records ${triggered.status}`,
        };
      case 'skipped':
        if (triggered.status === 'IN_PROGRESS' && triggered.executionArn) {
          return { outcome: 'already-started', executionArn: triggered.executionArn };
        }
        if (!triggered.status) throw new BuildNotFoundError(build);
        return { outcome: 'not-pending', status: triggered.status, reason: `it is ${triggered.status}, not PENDING` };
    }
  } catch (error) {
    if (!(error instanceof TransientExecutionStartError)) throw error;
    return { outcome: 'not-started', status: 'PENDING', reason: error.message };
  }
}

function startFailureText(buildId: string, outcome: Extract<StartOutcome, { reason: string }>): string {
  switch (outcome.outcome) {
    case 'failed':
      return `Could not start ${buildId}; it is now FAILED: ${outcome.reason}\n`;
    case 'not-started':
      return `Could not start ${buildId}; it stays PENDING, try again: ${outcome.reason}\n`;
    case 'not-pending':
      return `Nothing to start: ${buildId} is ${outcome.status ?? 'not PENDING'}.\n`;
    case 'already-ended':
      return `Not started: ${buildId} already ran; ${outcome.reason}. Create a new build to deploy again.\n`;
  }
}

function waitEventText(event: WaitEvent): string {
  const at = formatTime(new Date(event.at));
  if (event.event === 'reconciled') {
    return `${at}  execution ended without the build recording it; reconciled: ${event.outcome}${event.buildStatus ? ` (${event.buildStatus})` : ''}\n`;
  }
  return `${at}  build ${event.buildStatus}${event.executionStatus ? `, execution ${event.executionStatus}` : ''}\n`;
}
