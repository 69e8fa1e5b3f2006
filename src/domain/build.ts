import * as z from 'zod/mini';
import { buildKeySchema, type BuildKey } from './build-key.js';
import { canTransition, isTerminal, type BuildStatus, type TerminalStatus } from './build-status.js';
import { cutToCodePoints } from './code-points.js';
import { toWholeSecond } from './timestamps.js';
import { nonEmptyText, nonEmptyText as text, parseWith } from './validation.js';
import { DEPLOYMENT_KINDS, requestedBySchema, type DeploymentKind } from './deployment-kind.js';
import { withoutUndefined } from './without-undefined.js';

/** A build record, as the builds table holds it. */
export interface Build extends BuildKey {
  /**
   * The part of `version` before its first dot (`"123"`), a string as the Go
   * implementation stores it. An item that holds it as a number reads as its
   * decimal string.
   */
  readonly buildNumber?: string;
  readonly branch: string;
  readonly version: string;
  readonly commitHash: string;
  readonly status: BuildStatus;
  readonly stackName?: string;
  readonly executionArn?: string;
  readonly errorMsg?: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly finishedAt?: Date;
  /**
   * The id of the newer build this one was not deployed over: set when this
   * build, still `PENDING`, was recorded `FAILED` instead of starting
   * because a newer build of its environment had already deployed.
   */
  readonly supersededBy?: string;
  /**
   * The id of the build this `PENDING` build waits behind: its environment's
   * lock holder when it was last found busy (queue or supersede). Removed
   * when the build starts or ends.
   */
  readonly waitingFor?: string;
  /** Who released the environment lock this build held, by hand (`unlock`), and when. */
  readonly unlockedBy?: string;
  readonly unlockedAt?: Date;
  /** What asked for this build besides a new version: a person's `redeploy` or `rollback`; absent for a build the upload recorded. */
  readonly kind?: DeploymentKind;
  /** The id of the build a redeploy or rollback deploys again (its `branch`, `version`, `commitHash`... were copied). */
  readonly redeployOf?: string;
  /** Who asked for this build (an IAM ARN, `local`, a user name): set by redeploy and rollback. */
  readonly requestedBy?: string;
  /** Who cancelled this build (`cancel`): it ended `FAILED` "cancelled by ...". */
  readonly cancelledBy?: string;
  /** Who asked Step Functions to run this build's own failed execution again (`redrive`), and when. */
  readonly redrivenBy?: string;
  readonly redrivenAt?: Date;
}


export const newBuildSchema = z.extend(buildKeySchema, {
  branch: text,
  version: text,
  commitHash: text,
  // A string, as Go stores it; a whole number is accepted too and kept as its decimal string.
  buildNumber: z.optional(
    z.union(
      [
        text,
        z.pipe(
          z.number().check(z.int({ error: 'must be an integer' }), z.nonnegative({ error: 'must not be negative' })),
          z.transform((value: number) => String(value)),
        ),
      ],
      { error: 'must be a string (or a whole number)' },
    ),
  ),
  stackName: z.optional(text),
  kind: z.optional(z.enum(DEPLOYMENT_KINDS, { error: `must be one of ${DEPLOYMENT_KINDS.map((kind) => `"${kind}"`).join(', ')}` })),
  redeployOf: z.optional(text),
  requestedBy: z.optional(requestedBySchema),
});

/** What it takes to record a new, `PENDING` build. */
export type NewBuild = z.input<typeof newBuildSchema>;

/** Validates a new build and gives it its `PENDING` state at `at` (whole seconds). */
export function pendingBuild(value: NewBuild, at: Date): Build {
  const fields = withoutUndefined(parseWith(newBuildSchema, value));
  const createdAt = toWholeSecond(at);
  return { ...fields, status: 'PENDING', createdAt, updatedAt: createdAt };
}

/**
 * Error messages are cut to this many characters (UTF-16 code units, as
 * `String.length` counts them) so one item never outgrows DynamoDB's 400 KB.
 */
export const MAX_ERROR_MESSAGE_LENGTH = 2048;

/** What ends a message that was cut short. */
export const TRUNCATION_MARK = ' [truncated]';

/**
 * `message` when it is at most `maxLength` code units long; otherwise its
 * beginning followed by {@link TRUNCATION_MARK}, `maxLength` units at most.
 * The cut falls on a code point boundary: a character outside the Basic
 * Multilingual Plane (two units, a surrogate pair) is kept whole or left
 * out, so no cut ever leaves a lone surrogate, which UTF-8 cannot encode.
 *
 * @param maxLength The bound, {@link MAX_ERROR_MESSAGE_LENGTH} by default; a
 *   store that has less room asks for less (a bound no longer than the mark
 *   cuts without it).
 *
 * @example
 * ```ts
 * boundErrorMessage('x'.repeat(5000)).length; // 2048, ending ' [truncated]'
 * boundErrorMessage(reason, 256);             // the short form of a reason
 * ```
 */
export function boundErrorMessage(message: string, maxLength: number = MAX_ERROR_MESSAGE_LENGTH): string {
  if (message.length <= maxLength) return message;
  if (maxLength <= TRUNCATION_MARK.length) return cutToCodePoints(message, maxLength);
  return cutToCodePoints(message, maxLength - TRUNCATION_MARK.length) + TRUNCATION_MARK;
}

/** The end of a build as reported by its execution (or by a failed start). */
export interface Completion {
  readonly status: TerminalStatus;
  readonly errorMsg?: string;
  /**
   * `SUCCESS` of an execution Step Functions redrove after it failed
   * (`redriveCount > 0`): the one completion that may replace `FAILED`. Set
   * only by reconciliation from `DescribeExecution`.
   */
  readonly redriven?: boolean;
  /**
   * The execution that ended, written in the same write as the status on a
   * build that records no execution yet (its start's write was lost), so no
   * crash can leave a finished build without its execution. A build that
   * records one keeps it.
   */
  readonly executionArn?: string;
}

export const completionSchema = z.object({
  status: z.enum(['SUCCESS', 'FAILED'], { error: 'must be "SUCCESS" or "FAILED"' }),
  errorMsg: z.optional(z.string({ error: 'must be a string' })),
  redriven: z.optional(z.boolean({ error: 'must be a boolean' })),
  executionArn: z.optional(nonEmptyText),
});

/**
 * Validates a completion; a failure always carries a reason, so an operator
 * never finds a `FAILED` build without one.
 */
export function parseCompletion(value: unknown): Completion {
  const { status, errorMsg, redriven, executionArn } = parseWith(completionSchema, value);
  const ofExecution = withoutUndefined({ executionArn });
  if (status === 'SUCCESS') return redriven === true ? { status, redriven, ...ofExecution } : { status, ...ofExecution };
  const reason = errorMsg?.trim() ? errorMsg : 'no reason was reported';
  return { status, errorMsg: boundErrorMessage(reason), ...ofExecution };
}

/** What recording an execution's start does to a build in a given state. */
export type StartEffect =
  | { readonly kind: 'transition' }
  | { readonly kind: 'attach-arn' }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'illegal'; readonly reason: string };

/**
 * Decides the start write for a build. A terminal build without an ARN
 * finished before its start was recorded: it keeps its status and only gains
 * the ARN, so a late start never moves it backwards.
 */
export function startEffect(build: Pick<Build, 'status' | 'executionArn'>, executionArn: string): StartEffect {
  if (build.executionArn === executionArn) return { kind: 'unchanged' };
  if (build.executionArn !== undefined) {
    return { kind: 'illegal', reason: `it already records execution ${build.executionArn}` };
  }
  if (canTransition(build.status, 'IN_PROGRESS')) return { kind: 'transition' };
  if (isTerminal(build.status)) return { kind: 'attach-arn' };
  return { kind: 'illegal', reason: `it is ${build.status} without an execution` };
}

/** What to do with a completion for a build in a given state. */
export type CompletionEffect =
  | { readonly kind: 'transition' }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'illegal'; readonly reason: string };

export function completionEffect(build: Pick<Build, 'status'>, completion: TerminalStatus | Completion): CompletionEffect {
  const { status, redriven } = typeof completion === 'string' ? { status: completion, redriven: false } : completion;
  if (build.status === status) return { kind: 'unchanged' };
  if (canTransition(build.status, status, { redriven: redriven === true })) return { kind: 'transition' };
  return { kind: 'illegal', reason: `it is already ${build.status}` };
}
