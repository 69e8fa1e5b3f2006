import * as z from 'zod/mini';
import {
  BuildUnreadableError,
  ValidationError,
  environmentIdOf,
  holderIdOf,
  parseWith,
  recordedBuildKeySchema,
  type Build,
  type BuildKey,
  type BuildStatus,
} from '../../../../domain/index.js';
import { PROGRAM, flag, stringValue, UsageError } from '../args.js';
import { CONFIGURATION_OPTIONS, OUTPUT_OPTIONS } from '../common-options.js';
import type { Command, CommandContext } from '../command.js';
import { formatTime, lockView } from '../format.js';
import { EXIT, type ExitCode } from '../io.js';
import { callerOf } from './caller.js';
import { runningExecutionOf } from './running-execution.js';

const environmentSchema = z.object({ repo: recordedBuildKeySchema.shape.repo, env: recordedBuildKeySchema.shape.env });

/** The holder's status as read: a build status, or why there is none. */
type HolderStatus = BuildStatus | 'missing' | 'unreadable';

/** The lock's holder as read, or why it cannot be: gone, or not a build. */
type Holder = { readonly build: Build; readonly problem?: undefined } | { readonly build?: undefined; readonly problem: 'missing' | 'unreadable' };

interface UnlockRequest {
  readonly repo: string;
  readonly env: string;
  /** `--by`; absent: who runs the CLI (its credentials' ARN), asked when the command runs. */
  readonly releasedBy: string | undefined;
  readonly force: boolean;
}

export const unlockCommand: Command = {
  spec: {
    name: 'unlock',
    summary: "Release an environment's deployment lock by hand: the way out when a stack was left changing.",
    description:
      'Reads the lock of <repo>/<env> and the build that holds it, prints them, and releases the lock, only\n' +
      'while that build still holds it; who released it (--by) and when are recorded on the holder.\n' +
      "While the holder's execution still runs (the ARN it records; with a state machine configured, the\n" +
      'one its name derives) nothing is written (exit 1): stop the execution, check that the stack is no\n' +
      'longer *_IN_PROGRESS, then release it with --force. The next waiting build starts through the\n' +
      "deployed trigger-build (the release is a stream record it hands off on), or run the sweep command.\n" +
      'Who releases it is, by default, the ARN of the credentials (sts:GetCallerIdentity), or "local"\n' +
      "against a table that is not on AWS; --by names someone else (when STS cannot be asked, it is needed).",
    positionals: [
      { name: 'repo', description: 'The repository.' },
      { name: 'env', description: 'The environment.' },
    ],
    options: {
      by: {
        type: 'string',
        valueName: 'name',
        description: "Who releases the lock, recorded on its holder (default: the credentials' ARN, from sts:GetCallerIdentity).",
      },
      force: { type: 'boolean', description: "Release the lock even while the holder's execution runs (without asking Step Functions)." },
      ...CONFIGURATION_OPTIONS,
      ...OUTPUT_OPTIONS,
    },
    examples: [
      'aws-deployer-orchestrator unlock myapp prd',
      'aws-deployer-orchestrator unlock myapp prd --by alice@example.com --json',
      'aws-deployer-orchestrator unlock myapp prd --force',
    ],
  },
  // The holder's execution is described by the ARN it records; one that records none, by its derived
  // name when a state machine is configured.
  stateMachine: 'optional',
  parse(args) {
    const { repo, env: environment } = parseWith(environmentSchema, { repo: args.positionals.repo, env: args.positionals.env });
    const by = stringValue(args, 'by');
    const releasedBy = nonEmpty(by);
    if (by !== undefined && releasedBy === undefined) {
      throw new UsageError('--by must name who releases the lock (it is recorded on the build that holds it), got an empty value');
    }
    const request: UnlockRequest = { repo, env: environment, releasedBy, force: flag(args, 'force') };
    return (context) => unlock(context, request);
  },
};

async function unlock(context: CommandContext, request: UnlockRequest): Promise<ExitCode> {
  const { output, io } = context;
  const { builds } = context.services();
  const environment = environmentIdOf(request);
  const lock = await builds.getEnvironmentLock(request.repo, request.env);
  if (lock === undefined) {
    output.result({ environment, outcome: 'not-locked' }, `${environment} is not locked.\n`);
    return EXIT.OK;
  }

  const holderKey: BuildKey = { repo: lock.repo, env: lock.env, sk: lock.holder };
  const holder = await readHolder(context, holderKey, request.force);
  const holderStatus: HolderStatus = holder.build === undefined ? holder.problem : holder.build.status;
  const lockText = `${environment} is locked by ${holderIdOf(lock)} (${holderStatusText(holder)}), since ${formatTime(lock.takenAt)} (${lock.policy}${lock.adopted ? ', adopted' : ''}).\n`;
  const found = { environment, lock: lockView(lock), holderStatus };

  const running = request.force || holder.build === undefined ? undefined : await runningExecutionOf(context, holder.build);
  if (running !== undefined) {
    const reason =
      `its execution ${running.executionArn} is still ${running.status}. Stop it (aws stepfunctions stop-execution --execution-arn ARN) ` +
      'or let it end; once its stack is no longer *_IN_PROGRESS, add --force to release the lock all the same';
    output.result(
      { ...found, outcome: 'execution-running', executionArn: running.executionArn, executionStatus: running.status, reason: `Not released: ${reason}` },
      `${lockText}Not released: ${reason}.\n`,
    );
    return EXIT.FAILED;
  }

  // Asked only now that there is something to release; nothing is written without it.
  const releasedBy = request.releasedBy ?? (await callerOf(context, 'the default of --by: pass --by NAME to name who releases the lock'));
  const at = io.now();
  const release = await builds.releaseEnvironmentLock(lock.repo, lock.env, lock.holder, { releasedBy, at });
  if (release.outcome === 'released') {
    output.result(
      { ...found, outcome: 'released', releasedBy, releasedAt: at.toISOString() },
      `${lockText}Released by ${releasedBy} at ${formatTime(at)}. The next waiting build starts through the deployed ` +
        `trigger-build (the release's stream record), or run '${PROGRAM} sweep'.\n`,
    );
    return EXIT.OK;
  }
  if (release.lock === undefined) {
    // Released meanwhile (its holder ended, the sweeper, another unlock): what was asked for, with nothing written.
    const reason = `the lock was released meanwhile; nothing was written`;
    output.result({ ...found, outcome: 'not-locked', reason }, `${lockText}${environment} is not locked now: ${reason}.\n`);
    return EXIT.OK;
  }
  const reason = `${holderIdOf(release.lock)} holds the lock now (another build took it meanwhile); nothing was written`;
  output.result(
    { ...found, outcome: 'not-held', reason, heldBy: lockView(release.lock) },
    `${lockText}Not released: ${reason}. Run unlock again to see the new holder.\n`,
  );
  return EXIT.FAILED;
}

/** Reads the holder; one that does not read as a build is refused without `--force`. */
async function readHolder(context: CommandContext, key: BuildKey, force: boolean): Promise<Holder> {
  try {
    const build = await context.services().builds.get(key);
    return build === undefined ? { problem: 'missing' } : { build };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // Whether its deployment still runs cannot be known: a person decides.
    if (!force) {
      throw new BuildUnreadableError(key, `${error.message} (it holds its environment's lock: --force releases it without asking)`, { cause: error });
    }
    return { problem: 'unreadable' };
  }
}

function holderStatusText(holder: Holder): string {
  if (holder.build !== undefined) return holder.build.status;
  return holder.problem === 'missing' ? 'no such build' : 'does not read as a build';
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
