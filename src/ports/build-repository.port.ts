import type { Build, BuildKey, BuildStatus, Completion, EnvironmentLock, LockingPolicy, NewBuild, TerminalStatus } from '../domain/index.js';

/** How recording a start ended. */
export type StartRecord =
  | {
      /**
       * - `started`: `PENDING -> IN_PROGRESS`, the ARN recorded.
       * - `already-started`: the build already records this ARN; nothing was written.
       * - `arn-attached`: the build had finished before its start was recorded; it
       *   keeps its terminal status and gained the ARN.
       */
      readonly outcome: 'started' | 'already-started' | 'arn-attached';
      /** The build's status after the call. */
      readonly status: BuildStatus;
      readonly executionArn: string;
    }
  /** The transition table forbids it (e.g. the build records another execution); nothing was written. */
  | Refusal;

/** How recording a completion ended. */
export type CompletionRecord =
  | {
      /** `already-completed`: the build already had this status; nothing was written. */
      readonly outcome: 'completed' | 'already-completed';
      readonly status: TerminalStatus;
    }
  /** The build had already ended otherwise (first writer wins); nothing was written. */
  | Refusal;

/** A write the transition table forbids, with the record as it was found. */
export interface Refusal {
  readonly outcome: 'refused';
  /** The build's status as found. */
  readonly status: BuildStatus;
  readonly build: Build;
  /** Why, e.g. "it is already SUCCESS". */
  readonly reason: string;
}

/** The result of claiming a build for one start attempt. */
export type StartClaim =
  /** The build was PENDING and this attempt now holds it (and, when asked, its environment's lock). */
  | {
      readonly claimed: true;
      readonly build: Build;
      /**
       * With `environmentLock`: the environment's line (from the build's `sk`),
       * read right after the lock was taken, so no build can start or end in
       * between: what the holder decides its turn from. Its `build` is the
       * claimed one.
       */
      readonly line?: EnvironmentLine | undefined;
      readonly busy?: undefined;
    }
  /** The build is not PENDING (it is returned as found), or does not exist. */
  | { readonly claimed: false; readonly build: Build | undefined; readonly busy?: undefined }
  /**
   * The build is `PENDING` but another build holds its environment's lock
   * (`busy`, as found): nothing was written.
   */
  | { readonly claimed: false; readonly build: Build | undefined; readonly busy: EnvironmentLock };

/** What a claim takes besides the build. */
export interface ClaimOptions {
  /**
   * Take the build's environment lock in the same write, under this policy:
   * the claim lands only if the lock is free or already held by this build
   * (a retry), or by `handOverFrom`'s build (its holder hands its turn to
   * this one). Without it, no lock is read or taken (`parallel`).
   */
  readonly environmentLock?:
    | {
        readonly policy: LockingPolicy;
        readonly at: Date;
        /** The `sk` of a build of the same environment that holds the lock and gives it to this one. */
        readonly handOverFrom?: string | undefined;
      }
    | undefined;
}

/** What a write that ends a build also does. */
export interface ReleaseOptions {
  /**
   * Release the environment's lock in the same write when this build holds
   * it (queue and supersede). A lock held by another build, or no lock, is
   * left alone; the end lands either way.
   */
  readonly releaseEnvironmentLock?: boolean | undefined;
}

/** What a write that records an execution's end also does. */
export interface ExecutionEndOptions extends ReleaseOptions {
  /** Who cancelled the build (`cancel --force`): recorded with the end (`cancelled_by`). */
  readonly cancelledBy?: string | undefined;
}

/** How recording a failed start ended. */
export interface StartFailureRecord {
  /**
   * - `failed`: the build is now `FAILED` with the reason.
   * - `superseded`: another attempt claimed the build since, or it left
   *   `PENDING`; nothing was written.
   */
  readonly outcome: 'failed' | 'superseded';
}

export interface StartFailureOptions extends ReleaseOptions {
  /** The id of the newer build this one is not deployed over. */
  readonly supersededBy?: string | undefined;
}

/**
 * One strongly consistent read of an environment's builds, newest first,
 * down to its newest `SUCCESS` build, and on down to `from` when that is
 * older: what the lock's next turn is decided from.
 */
export interface EnvironmentLine {
  /** The build at `from`, as read; absent without `from` or when it does not exist. */
  readonly build?: Build | undefined;
  /** The environment's newest `SUCCESS` build, if any. */
  readonly newestSuccess?: Build | undefined;
  /** The `PENDING` builds newer than `newestSuccess` (all, without one), oldest first. */
  readonly waiting: readonly Build[];
  /** The `IN_PROGRESS` builds newer than `newestSuccess` (all, without one), oldest first. */
  readonly running: readonly Build[];
  /** Items read that do not read as builds (reported, never failing the read). */
  readonly unreadable?: readonly UnreadableBuild[];
}

/** How recording that a build waits ended (see `BuildRepository.recordWaiting`). */
export interface WaitingRecord {
  /** `not-pending`: the build is no longer `PENDING` (or is gone): nothing was written. */
  readonly outcome: 'recorded' | 'not-pending';
}

/** How taking a free lock for a running build ended (see `BuildRepository.adoptEnvironmentLock`). */
export type LockAdoption =
  | { readonly outcome: 'adopted'; readonly lock: EnvironmentLock }
  /** The lock is held (as found): nothing was written. */
  | { readonly outcome: 'busy'; readonly lock: EnvironmentLock }
  /** The build is no longer `IN_PROGRESS` (or is gone): nothing was written. */
  | { readonly outcome: 'not-running' };

/** How releasing a lock by its holder ended (see `BuildRepository.releaseEnvironmentLock`). */
export type LockRelease =
  | { readonly outcome: 'released' }
  /** The lock is gone, or another build holds it now (as found): nothing was written. */
  | { readonly outcome: 'not-held'; readonly lock?: EnvironmentLock | undefined }
  /** The holder's lock is kept for a person (`keptBy`) and this release is not by hand: nothing was written. */
  | { readonly outcome: 'kept'; readonly lock: EnvironmentLock };

export interface LockReleaseOptions {
  /**
   * Who releases it by hand (an IAM ARN, a user name): recorded on the holder
   * build with the time. Only a release by hand frees a lock kept after a
   * forced cancel (`keepEnvironmentLock`).
   */
  readonly releasedBy?: string | undefined;
  readonly at: Date;
}

export interface EnvironmentLockPage {
  readonly locks: readonly EnvironmentLock[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
  /** Lock items that do not read as locks (`{repo}/{env}` and why). */
  readonly unreadable?: readonly UnreadableBuild[];
}

/** An item in the builds partition that does not read as a build (another writer's, damaged...). */
export interface UnreadableBuild {
  /** `{pk}:{sk}`: the build id, when the item is one. */
  readonly id: string;
  /** Why it does not read, naming the attribute. */
  readonly reason: string;
}

export interface BuildPage {
  readonly builds: readonly Build[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
  /**
   * Items of this page that could not be read as builds. One odd item never
   * fails a page: it is reported here, and the builds around it are listed.
   */
  readonly unreadable?: readonly UnreadableBuild[];
}

/** Which builds of one status to list, oldest update first. */
export interface ListBuildsByStatusOptions {
  /** Only builds last updated at or before this instant. */
  readonly updatedBefore?: Date | undefined;
  /** At most this many builds (default 25). */
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}

export interface ListBuildsOptions {
  /** At most this many builds (default 25). */
  readonly limit?: number;
  readonly cursor?: string | undefined;
  /** Only the builds with this status (a page still holds `limit` builds whenever that many remain). */
  readonly status?: BuildStatus | undefined;
}

/** How ending a `PENDING` build that never started ended (see `BuildRepository.cancelPending`). */
export type PendingCancellation =
  /** The build is `FAILED` now, with the reason. */
  | { readonly outcome: 'cancelled'; readonly build: Build }
  /**
   * A start attempt holds the build (trigger-build or the sweeper claimed it,
   * and its execution may be starting): nothing was written.
   */
  | { readonly outcome: 'starting'; readonly build: Build }
  /** The build is not `PENDING`: nothing was written. */
  | Refusal;

export interface PendingCancellationOptions {
  /** The reason it ends with (`error_msg`). */
  readonly reason: string;
  readonly at: Date;
  /** Who cancelled it (`cancelled_by`). */
  readonly cancelledBy?: string | undefined;
  /** The id of the build that deploys in its place (`superseded_by`): a rollback. */
  readonly supersededBy?: string | undefined;
}

/** How keeping a running build's environment lock ended (see `BuildRepository.keepEnvironmentLock`). */
export type LockKeeping =
  | { readonly outcome: 'kept'; readonly lock: EnvironmentLock }
  /** Another build holds the lock (as found): nothing was written. */
  | { readonly outcome: 'busy'; readonly lock: EnvironmentLock }
  /** The build is not `IN_PROGRESS` with this execution: nothing was written. */
  | { readonly outcome: 'not-running' };

export interface LockKeepingOptions {
  /** Who keeps it (the person cancelling the build). */
  readonly keptBy: string;
  /** The policy a lock taken now (none was held) is taken under. */
  readonly policy: LockingPolicy;
  readonly at: Date;
}

/** How starting a redrive ended (see `BuildRepository.beginRedrive`). */
export type RedriveBeginning =
  /** The build is marked redriven (and holds its environment's lock, when asked). */
  | { readonly outcome: 'begun'; readonly build: Build; readonly since: Date }
  /** Another build holds the environment's lock (as found): nothing was written. */
  | { readonly outcome: 'busy'; readonly lock: EnvironmentLock }
  /** The build is not `FAILED` with this execution: nothing was written. */
  | Refusal;

export interface RedriveBeginningOptions {
  readonly at: Date;
  /** Who asked (`redriven_by`). */
  readonly redrivenBy?: string | undefined;
  /** Take the build's environment lock in the same write, under this policy (queue and supersede). */
  readonly environmentLock?: { readonly policy: LockingPolicy } | undefined;
}

/** What clearing a redrive mark also does. */
export interface RedriveMarkClearingOptions extends ReleaseOptions {
  /** The redrive never began (Step Functions refused it): `redriven_by` and `redriven_at` go too. */
  readonly forgetRedrive?: boolean | undefined;
}

/** How marking a build for a redriven success ended (see `BuildRepository.markRedrivePending`). */
export type RedriveMarkRecord =
  /** The build is marked, since the instant given (a repeat moves the mark to it). */
  | { readonly outcome: 'marked' }
  /** The build is not `FAILED`, or does not record this execution: nothing was written. */
  | { readonly outcome: 'not-marked'; readonly status: BuildStatus; readonly reason: string };

/** How clearing a redrive mark ended (see `BuildRepository.clearRedrivePending`). */
export interface RedriveMarkClearing {
  /**
   * - `cleared`: the mark is gone.
   * - `kept`: the build no longer carries the mark given (it was marked again
   *   since, cleared, or the build is gone): nothing was written.
   */
  readonly outcome: 'cleared' | 'kept';
}

/** A `FAILED` build marked as possibly redriven to success, and since when. */
export interface RedrivePendingBuild {
  readonly build: Build;
  /** When it was (last) marked, whole seconds; pass it back to `clearRedrivePending`. */
  readonly since: Date;
}

export interface RedrivePendingPage {
  readonly builds: readonly RedrivePendingBuild[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
  /** Marked items that do not read as builds (reported, never failing the page). */
  readonly unreadable?: readonly UnreadableBuild[];
}

/** Which marked `FAILED` builds to list, oldest update first. */
export interface ListRedrivePendingOptions {
  /**
   * Only builds last updated at or after this instant. Marking moves a
   * build's update time to the mark, so "marked since" is "updated since";
   * the sweeper passes 14 days ago, the longest a closed execution can still
   * be redriven.
   */
  readonly updatedSince: Date;
  /** At most this many builds (default 25). */
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}

/**
 * Where builds live. Every status change is conditional and atomic: the
 * implementation applies it only if the domain's transition table allows it
 * from the state the build is in at that instant, in one step (never
 * read-then-write), so concurrent writers can never move a build backwards.
 *
 * Each status change also moves the environment's "latest" pointer to the
 * build, unless a newer build (by `sk`) already holds it.
 *
 * Builds are addressed by key as recorded (see `parseRecordedBuildKey`): a
 * build another writer gave an odd key can still be read and finished.
 *
 * A change the transition table forbids is answered, never thrown: every
 * status write resolves to an outcome, `refused` carrying the record found.
 *
 * Errors: {@link BuildNotFoundError} when the build does not exist,
 * {@link BuildAlreadyExistsError} from `create`,
 * {@link BuildRecordTooLargeError} when the record would pass the store's
 * size limit (a completion first retries with a shorter reason, then without
 * it).
 */
export interface BuildRepository {
  /** Records a new `PENDING` build. */
  create(build: NewBuild, at?: Date): Promise<Build>;

  /** A strongly consistent read; `undefined` when the build does not exist. */
  get(key: BuildKey): Promise<Build | undefined>;

  /**
   * Claims a `PENDING` build for one start attempt (`attempt` is unique per
   * attempt). Only the latest claim may record the start as failed, so an
   * attempt that failed can never mark `FAILED` a build that a concurrent
   * attempt started.
   */
  claimStart(key: BuildKey, attempt: string, options?: ClaimOptions): Promise<StartClaim>;

  /**
   * Records `PENDING -> FAILED` with the reason, only while `attempt` still
   * holds the build's claim. With `supersededBy`, the build also records the
   * id of the newer build it was not deployed over (`superseded_by`).
   */
  recordStartFailure(key: BuildKey, attempt: string, reason: string, at: Date, options?: StartFailureOptions): Promise<StartFailureRecord>;

  /**
   * The newest build of the same repo and env that is newer than `key` (a
   * greater `sk`) and ended `SUCCESS`; `undefined` when there is none. What
   * keeps a stale `PENDING` build from being deployed over it. Its cost is
   * the builds newer than `key`, usually none (DynamoDB: one query of the
   * build's partition, `sk > :sk`).
   */
  newestSuccessAfter(key: BuildKey): Promise<Build | undefined>;

  /**
   * Records `PENDING -> FAILED` with the reason for a build whose record can
   * never start (it does not read as a build), only while it is still
   * `PENDING`: a stale or redelivered record never fails a build that was
   * started (by this module, the CLI or Go) or has ended.
   */
  recordUnstartable(key: BuildKey, reason: string, at: Date, options?: ReleaseOptions): Promise<StartFailureRecord>;

  /** Records that `executionArn` runs this build (`PENDING -> IN_PROGRESS`). */
  recordStart(key: BuildKey, executionArn: string, at: Date): Promise<StartRecord>;

  /** Records the end of a build (`PENDING | IN_PROGRESS -> SUCCESS | FAILED`). */
  recordCompletion(key: BuildKey, completion: Completion, at: Date, options?: ReleaseOptions): Promise<CompletionRecord>;

  /**
   * Records how the execution `executionArn` ended on the build that records
   * it: `recordCompletion`, conditional on the build recording exactly this
   * execution ARN, in the same write. The execution whose ARN a build records
   * is the build's own, whatever its input says, so a caller that holds the
   * build and that ARN needs nothing else to end it; a build that records
   * another execution, or none, is `refused` (with the record found) and
   * nothing is written. A redriven `SUCCESS` (`redriven`) may replace
   * `FAILED`. The build's redrive mark (see `markRedrivePending`) is removed
   * in the same write.
   */
  recordExecutionEnd(key: BuildKey, executionArn: string, completion: Completion, at: Date, options?: ExecutionEndOptions): Promise<CompletionRecord>;

  /**
   * Marks a `FAILED` build whose own execution `executionArn` may have been
   * redriven and may succeed, so the sweeper asks Step Functions about it
   * (`listRedrivePending`) even when the execution's end event is lost.
   * Written only while the build is `FAILED` and records `executionArn`;
   * otherwise `not-marked` and nothing is written. The mark is the time `at`
   * (DynamoDB: `redrive_pending_since`, N, epoch seconds, an attribute the Go
   * implementation ignores), and the build's `updatedAt` moves to `at` too, so
   * a build recorded `FAILED` long ago enters the window the sweeper reads.
   *
   * Called when a `SUCCESS` callback of the build's own execution is refused
   * because the build is `FAILED`; a redrive this module starts may call it
   * too.
   *
   * @throws BuildNotFoundError when the build does not exist.
   */
  markRedrivePending(key: BuildKey, executionArn: string, at: Date): Promise<RedriveMarkRecord>;

  /**
   * The marked `FAILED` builds updated at or after `updatedSince`, oldest
   * update first, with their marks. Its cost is the `FAILED` builds updated
   * in that window, never the whole store (DynamoDB: one query of the status
   * index's `FAILED` partition, `updated_at >= :since`, filtered to marked
   * items).
   *
   * @throws BuildsByStatusUnavailableError when the store cannot list builds
   *   by status.
   */
  listRedrivePending(options: ListRedrivePendingOptions): Promise<RedrivePendingPage>;

  /**
   * Removes the redrive mark `since` (as `listRedrivePending` reported it),
   * only while the build still carries that very mark: a build marked again
   * since keeps its new mark. Leaves the build's status and `updatedAt` as
   * they are.
   */
  clearRedrivePending(key: BuildKey, since: Date, options?: RedriveMarkClearingOptions): Promise<RedriveMarkClearing>;

  /**
   * A person's `redrive`: marks the `FAILED` build whose own execution is
   * `executionArn` as redriven by `redrivenBy` at `at` (`redriven_by`,
   * `redriven_at`) and for the sweeper (the mark of `markRedrivePending`,
   * returned as `since`), and with `environmentLock` takes the environment's
   * lock for it (the lock records `redrive`), in one write: the lock is free,
   * or already the build's and not kept for a person (a forced cancel's lock
   * is `busy` until a person releases it). Its end is recorded as any redriven execution's:
   * a success by `recordExecutionEnd` (`redriven`), anything else by
   * `clearRedrivePending`, each releasing the lock.
   */
  beginRedrive(key: BuildKey, executionArn: string, options: RedriveBeginningOptions): Promise<RedriveBeginning>;

  /**
   * A person's `cancel` of a build that never started, or a rollback that
   * deploys in a waiting build's place: records `PENDING -> FAILED` with the
   * reason, only while the build is `PENDING` and no start attempt holds it
   * (a claimed build may be starting: `starting`). Moves the latest pointer
   * as every status change does.
   *
   * @throws BuildNotFoundError when the build does not exist.
   */
  cancelPending(key: BuildKey, options: PendingCancellationOptions): Promise<PendingCancellation>;

  /**
   * A forced cancel's first step: the running build (`IN_PROGRESS`, its
   * execution `executionArn`) holds its environment's lock, and keeps it
   * after it ends (`keptBy`) until a person releases it by hand
   * (`releaseEnvironmentLock` with `releasedBy`): stopping an execution does
   * not stop the stack operation it began. A free lock is taken for it.
   */
  keepEnvironmentLock(key: BuildKey, executionArn: string, options: LockKeepingOptions): Promise<LockKeeping>;

  /**
   * A repo/env's builds, newest first. A page holds `limit` builds whenever
   * that many remain, and a cursor whenever more remain.
   */
  listBuilds(repo: string, env: string, options?: ListBuildsOptions): Promise<BuildPage>;

  /**
   * The builds with this status in the whole store, oldest update first: what
   * the sweeper finds open builds with. Its cost is the builds of that status,
   * never the whole store.
   *
   * @throws BuildsByStatusUnavailableError when the store cannot list builds
   *   by status (its message says why, in the store's terms).
   */
  listBuildsByStatus(status: BuildStatus, options?: ListBuildsByStatusOptions): Promise<BuildPage>;

  /** The latest build of every repo in `env`, ordered by repo. */
  latestBuilds(env: string): Promise<Build[]>;

  /**
   * The environment's builds the lock's next turn is decided from (see
   * {@link EnvironmentLine}): one strongly consistent read, newest first,
   * whose cost is the builds since the newest `SUCCESS` (and down to `from`).
   * DynamoDB: a Query of the partition `{repo}/{env}`, newest first.
   */
  readEnvironmentLine(repo: string, env: string, from?: string): Promise<EnvironmentLine>;

  /**
   * Records on a `PENDING` build that it waits behind `holderId` (its
   * `waitingFor`); leaves its status and `updatedAt` as they are.
   */
  recordWaiting(key: BuildKey, holderId: string): Promise<WaitingRecord>;

  /** The environment's lock, strongly consistent; `undefined` when it is free. */
  getEnvironmentLock(repo: string, env: string): Promise<EnvironmentLock | undefined>;

  /**
   * Takes the free lock of a build's environment for the build, which is
   * already `IN_PROGRESS` (a deployment started outside the lock), under
   * `policy`; the lock records it as adopted.
   */
  adoptEnvironmentLock(key: BuildKey, policy: LockingPolicy, at: Date): Promise<LockAdoption>;

  /**
   * Releases the environment's lock only while `holder` (an `sk`) holds it:
   * what the sweeper does when the holder has ended without releasing it, and
   * what `unlock` does by hand (`releasedBy` is then recorded on the holder).
   */
  releaseEnvironmentLock(repo: string, env: string, holder: string, options: LockReleaseOptions): Promise<LockRelease>;

  /** Every held lock, in `{repo}/{env}` order; what the sweeper checks. */
  listEnvironmentLocks(options?: { readonly limit?: number | undefined; readonly cursor?: string | undefined }): Promise<EnvironmentLockPage>;
}
