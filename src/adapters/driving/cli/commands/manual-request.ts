import type { ManualDeploymentRefusal, ManualDeploymentResult } from '../../../../app/index.js';
import { ExecutionStartError, TransientExecutionStartError, ValidationError, buildIdOf, type Build } from '../../../../domain/index.js';
import { flag, stringValue, UsageError, type OptionSpecs, type ParsedArgs } from '../args.js';
import { AwsProblemError, restateAwsError } from '../aws-problems.js';
import type { CommandContext } from '../command.js';
import { CONCURRENCY_OPTIONS, CONFIGURATION_OPTIONS, IDEMPOTENCY_OPTIONS, OUTPUT_OPTIONS } from '../common-options.js';
import { resolveIdempotencyTable, type StateMachineUse } from '../config.js';
import { buildView } from '../format.js';
import { WAIT_OPTIONS, followBuild, waitOptionsFrom, type FollowHow } from '../follow-build.js';
import { EXIT, type ExitCode } from '../io.js';
import type { WaitOptions } from '../wait.js';
import { callerOf } from './caller.js';

/** An idempotency key, as the services take it: 1 to 255 visible ASCII characters. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** What `redeploy`, `rollback`, `redrive` and `cancel` take besides their own arguments. */
export const MANUAL_OPTIONS: OptionSpecs = {
  wait: { type: 'boolean', short: 'w', description: 'Follow the build until it ends (the options below go with it).' },
  ...WAIT_OPTIONS,
  ...IDEMPOTENCY_OPTIONS,
  ...CONCURRENCY_OPTIONS,
  ...CONFIGURATION_OPTIONS,
  ...OUTPUT_OPTIONS,
};

/** The flags every manual deployment command reads, checked before anything is composed. */
export interface ManualFlags {
  readonly idempotencyKey?: string | undefined;
  /** Given with `--wait`. */
  readonly wait?: WaitOptions | undefined;
}

/**
 * Reads `--idempotency-key` and `--wait`: a key that is none, or one without
 * an idempotency table to keep it in, is a usage error (exit 2).
 */
export function manualFlagsFrom(args: ParsedArgs, env: Readonly<Record<string, string | undefined>>): ManualFlags {
  const idempotencyKey = stringValue(args, 'idempotency-key');
  if (idempotencyKey !== undefined) {
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationError('idempotency-key', 'must be 1 to 255 visible ASCII characters, no spaces (e.g. a UUID or a CI job id)');
    }
    if (resolveIdempotencyTable(args, env) === undefined) {
      throw new UsageError('--idempotency-key needs the idempotency table it is kept in: pass --idempotency-table or set IDEMPOTENCY_TABLE_NAME');
    }
  }
  return { idempotencyKey, wait: flag(args, 'wait') ? waitOptionsFrom(args) : undefined };
}

/** `required` with `--wait` (it describes the build's execution, and may reconcile it), else `unused`. */
export function stateMachineWithWait(args: ParsedArgs): StateMachineUse {
  return flag(args, 'wait') ? 'required' : 'unused';
}

/** The purpose the caller's identity serves, as an STS error names it. */
export const REQUESTED_BY = 'recorded as requested_by';

/**
 * Runs a manual deployment request as `requestedBy`. An answer of Step
 * Functions that means AWS could not be used (credentials, network,
 * throttling, a limit) is restated as the CLI's AWS problem (exit 4); any
 * other error is thrown as it is.
 */
export async function askFor(
  context: CommandContext,
  request: (requestedBy: string) => Promise<ManualDeploymentResult>,
): Promise<{ readonly requestedBy: string; readonly result: ManualDeploymentResult }> {
  const requestedBy = await callerOf(context, REQUESTED_BY);
  try {
    return { requestedBy, result: await request(requestedBy) };
  } catch (error) {
    if (!(error instanceof ExecutionStartError)) throw error;
    const restated = restateAwsError(error.cause, context.connection, context.io.env);
    if (restated instanceof AwsProblemError && restated.code !== 'AWS_ERROR') throw restated;
    if (error instanceof TransientExecutionStartError) throw new AwsProblemError('AWS_ERROR', error.message, { cause: error });
    throw error;
  }
}

/** The flag or argument each field of a request is given by. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = { idempotencyKey: 'idempotency-key' };

/**
 * Prints a refusal as the error it is (stderr; with `--json`, its `code`
 * from the error catalogue and what a script acts on) and gives its exit
 * code: 2 for an invalid value, 1 for every other refusal.
 */
export function refused(context: CommandContext, command: string, error: ManualDeploymentRefusal): ExitCode {
  if (error instanceof ValidationError) {
    context.output.error(new ValidationError(FLAG_OF_FIELD[error.field] ?? error.field, error.reason), command);
    return EXIT.USAGE;
  }
  context.output.error(error, command);
  return EXIT.FAILED;
}

/** The JSON summary of a request that did what was asked. */
export function manualSummary(
  outcome: string,
  result: Extract<ManualDeploymentResult, { ok: true }>,
  requestedBy: string,
): { readonly buildId: string } & Readonly<Record<string, unknown>> {
  return { buildId: buildIdOf(result.build), outcome, created: result.created, replayed: result.replayed, requestedBy };
}

/** The summary with the build as recorded: the document of a request without `--wait`. */
export function manualDocument(summary: Readonly<Record<string, unknown>>, build: Build): Readonly<Record<string, unknown>> {
  return { ...summary, build: buildView(build) };
}

/** What a replayed request says first: nothing was done now. */
export function replayedText(result: Extract<ManualDeploymentResult, { ok: true }>): string {
  return result.replayed ? 'An earlier request with this --idempotency-key did this; nothing new was done now.\n' : '';
}

/**
 * Reports a request that did what was asked: without `--wait`, its document
 * and text, exit 0; with it, the text as progress (`event`), then the build
 * followed to its end (`how`: what ends the wait, when not the build's end).
 */
export function reportDone(
  context: CommandContext,
  event: string,
  summary: { readonly buildId: string } & Readonly<Record<string, unknown>>,
  build: Build,
  text: string,
  wait: WaitOptions | undefined,
  how?: FollowHow,
): ExitCode | Promise<ExitCode> {
  if (wait === undefined) {
    context.output.result(manualDocument(summary, build), text);
    return EXIT.OK;
  }
  context.output.progress({ event, ...summary }, text);
  return followBuild(context, build, wait, summary, how);
}

