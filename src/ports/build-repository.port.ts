import type { Build, BuildKey, BuildStatus, Completion, NewBuild, TerminalStatus } from '../domain/index.js';

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
  /** The build was PENDING and this attempt now holds it. */
  | { readonly claimed: true; readonly build: Build }
  /** The build is not PENDING (it is returned as found), or does not exist. */
  | { readonly claimed: false; readonly build: Build | undefined };

/** How recording a failed start ended. */
export interface StartFailureRecord {
  /**
   * - `failed`: the build is now `FAILED` with the reason.
   * - `superseded`: another attempt claimed the build since, or it left
   *   `PENDING`; nothing was written.
   */
  readonly outcome: 'failed' | 'superseded';
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
  claimStart(key: BuildKey, attempt: string): Promise<StartClaim>;

  /**
   * Records `PENDING -> FAILED` with the reason, only while `attempt` still
   * holds the build's claim.
   */
  recordStartFailure(key: BuildKey, attempt: string, reason: string, at: Date): Promise<StartFailureRecord>;

  /**
   * Records `PENDING -> FAILED` with the reason for a build whose record can
   * never start (it does not read as a build), only while it is still
   * `PENDING`: a stale or redelivered record never fails a build that was
   * started (by this module, the CLI or Go) or has ended.
   */
  recordUnstartable(key: BuildKey, reason: string, at: Date): Promise<StartFailureRecord>;

  /** Records that `executionArn` runs this build (`PENDING -> IN_PROGRESS`). */
  recordStart(key: BuildKey, executionArn: string, at: Date): Promise<StartRecord>;

  /** Records the end of a build (`PENDING | IN_PROGRESS -> SUCCESS | FAILED`). */
  recordCompletion(key: BuildKey, completion: Completion, at: Date): Promise<CompletionRecord>;

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
}
