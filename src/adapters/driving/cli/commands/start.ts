import {
  BuildNotFoundError,
  TransientExecutionStartError,
  buildIdOf,
  environmentIdOf,
  type Build,
  type BuildKey,
} from '../../../../domain/index.js';
import { flag } from '../args.js';
import { AwsProblemError, restateAwsError } from '../aws-problems.js';
import type { Command, CommandContext } from '../command.js';
import { CONCURRENCY_OPTIONS, CONFIGURATION_OPTIONS, OUTPUT_OPTIONS } from '../common-options.js';
import { resolveArtifactBucket } from '../config.js';
import { followBuild, WAIT_OPTIONS, waitOptionsFrom } from '../follow-build.js';
import { EXIT, type ExitCode } from '../io.js';
import type { WaitOptions } from '../wait.js';
import { parseBuildIdArgument } from './build-id-argument.js';

type StartOutcome =
  | { readonly outcome: 'started' | 'already-started'; readonly executionArn: string }
  | { readonly outcome: 'failed' | 'not-started' | 'not-pending' | 'already-ended'; readonly reason: string; readonly status?: string }
  | { readonly outcome: 'superseded'; readonly reason: string; readonly status: 'FAILED'; readonly supersededBy: string }
  /** Queue or supersede: another build of the environment deploys (`holder`, its id) or comes first; this one starts in its turn. */
  | { readonly outcome: 'waiting'; readonly status: 'PENDING'; readonly holder: string };

export const startCommand: Command = {
  spec: {
    name: 'start',
    summary: 'Start the deployment of a PENDING build (what trigger-build does for a new build).',
    description:
      'Idempotent: a build whose execution already runs reports it (exit 0) instead of starting another.\n' +
      'A permanent start error records the build FAILED with the reason (exit 1); a transient one (AWS\n' +
      'throttling, limits, network, credentials) leaves it PENDING (exit 4, try again). With --wait, follows\n' +
      'the build until it ends, as the wait command does: exit 0 on SUCCESS, 1 on FAILED, 3 when\n' +
      '--timeout-minutes runs out first.\n' +
      'Under --concurrency queue or supersede (one deployment per repo and env at a time), a build whose\n' +
      'environment deploys another is not started: it stays PENDING and waits for its turn (exit 0), when\n' +
      "the deployed trigger-build starts it (or a sweep does); --wait follows it until it ends all the same.",
    positionals: [{ name: 'build-id', description: 'The build, as {repo}/{env}:{sk}.' }],
    options: {
      wait: { type: 'boolean', short: 'w', description: 'Print status changes until the build ends (the options below go with it).' },
      ...WAIT_OPTIONS,
      ...CONCURRENCY_OPTIONS,
      ...CONFIGURATION_OPTIONS,
      ...OUTPUT_OPTIONS,
    },
    examples: [
      'aws-deployer-orchestrator start myapp/prd:2HFj3kLmNoPqRsTuVwXy --s3-bucket my-artifacts',
      'aws-deployer-orchestrator start myapp/prd:2HFj3kLmNoPqRsTuVwXy --wait --poll-seconds 10 --timeout-minutes 30',
      'aws-deployer-orchestrator start myapp/prd:2HFj3kLmNoPqRsTuVwXy --concurrency parallel',
    ],
  },
  stateMachine: 'required',
  parse(args, env) {
    const key = parseBuildIdArgument(args.positionals['build-id']);
    const s3Bucket = resolveArtifactBucket(args, env);
    const wait = flag(args, 'wait') ? waitOptionsFrom(args) : undefined;
    return (context) => start(context, key, s3Bucket, wait);
  },
};

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
    // Not started for a reason of AWS's (throttling, limits, network, credentials): nothing is wrong with the build.
    return started.outcome === 'not-started' ? EXIT.INFRASTRUCTURE : EXIT.FAILED;
  }
  if (started.outcome === 'waiting') {
    const waitingText =
      `Not started yet: ${buildId} waits for ${started.holder} (${environmentIdOf(key)} deploys one build at a time); ` +
      'it starts in its turn.\n';
    if (!wait) {
      output.result(summary, waitingText);
      return EXIT.OK;
    }
    // Its turn comes when the holder ends: trigger-build's hand-off (or a sweep) starts it, and the wait sees it.
    output.progress({ event: started.outcome, ...summary }, waitingText);
    return followBuild(context, key, wait, summary);
  }
  const verb = started.outcome === 'started' ? 'Started' : 'Already running:';
  const startText = `${verb} ${buildId}\nExecution: ${started.executionArn}\n`;
  if (!wait) {
    output.result(summary, startText);
    return EXIT.OK;
  }

  // The start is progress too: print it now, the result when the build ends.
  output.progress({ event: started.outcome, ...summary }, startText);
  return followBuild(context, key, wait, summary);
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
        // Not transitioned: a concurrent start (trigger-build, the sweeper) recorded this execution first.
        return { outcome: triggered.transitioned ? 'started' : 'already-started', executionArn: triggered.executionArn };
      case 'failed':
        return { outcome: 'failed', status: 'FAILED', reason: triggered.reason };
      case 'superseded':
        return { outcome: 'superseded', status: 'FAILED', reason: triggered.reason, supersededBy: triggered.supersededBy };
      case 'waiting':
        return { outcome: 'waiting', status: 'PENDING', holder: triggered.holder };
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
    // What fixes it, when the cause is the setup (credentials, endpoint, region...).
    const restated = restateAwsError(error.cause, context.connection, context.io.env);
    const fixable = restated instanceof AwsProblemError && restated.code !== 'AWS_ERROR';
    return { outcome: 'not-started', status: 'PENDING', reason: fixable ? restated.message : error.message };
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
    case 'superseded':
      return `Not started: ${buildId} is stale and is now FAILED: ${outcome.reason}\n`;
  }
}
