import {
  BuildAlreadyExistsError,
  BuildNotFoundError,
  buildIdOf,
  completionEffect,
  parseRecordedBuildKey,
  parseCompletion,
  partitionKeyOf,
  pendingBuild,
  startEffect,
  toWholeSecond,
  type Build,
  type BuildKey,
  type BuildStatus,
  type Completion,
  type EnvironmentLock,
  type LockingPolicy,
  type NewBuild,
} from '../../../domain/index.js';
import type {
  BuildPage,
  BuildRepository,
  ClaimOptions,
  CompletionRecord,
  EnvironmentLine,
  EnvironmentLockPage,
  ExecutionEndOptions,
  ListBuildsByStatusOptions,
  ListBuildsOptions,
  ListRedrivePendingOptions,
  LockAdoption,
  LockRelease,
  LockKeeping,
  LockKeepingOptions,
  LockReleaseOptions,
  PendingCancellation,
  PendingCancellationOptions,
  RedriveBeginning,
  RedriveBeginningOptions,
  RedriveMarkClearing,
  RedriveMarkClearingOptions,
  RedriveMarkRecord,
  RedrivePendingPage,
  ReleaseOptions,
  StartClaim,
  StartFailureRecord,
  StartRecord,
  StartFailureOptions,
  WaitingRecord,
} from '../../../ports/index.js';
import { requireDate, requireEnvironment, requireLockingPolicy, requireText } from '../arguments.js';
import { EnvironmentLineCollector } from '../environment-line-collector.js';
import { compareUtf8, decodeCursor, encodeCursor, pageLimit } from '../paging.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';

/** One status change the repository applied. */
export interface BuildChange {
  readonly buildId: string;
  readonly from?: BuildStatus;
  readonly to: BuildStatus;
  readonly executionArn?: string;
  readonly at: Date;
}

interface LatestPointer {
  readonly sk: string;
  readonly status: BuildStatus;
  readonly updatedAt: Date;
}

export interface InMemoryBuildRepositoryOptions {
  /** Delay before each operation, so concurrent callers really interleave. */
  readonly latencyMs?: number;
}

/**
 * A {@link BuildRepository} in memory with the port's exact semantics (it
 * passes the same contract suite as the DynamoDB adapter). Each operation
 * checks and writes in one synchronous step, so any number of concurrent
 * async callers see the same atomicity as DynamoDB's conditional writes (a
 * claim takes its environment's lock, and an end releases it, in that same
 * step).
 *
 * @example
 * ```ts
 * const buildRepository = new InMemoryBuildRepository();
 * await buildRepository.create({ repo: 'myapp', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy',
 *   branch: 'main', version: '1.2.3', commitHash: 'abc123' });
 * buildRepository.history; // [{ buildId: 'myapp/prd:2HFj3kLmNoPqRsTuVwXy', to: 'PENDING', ... }]
 * ```
 */
export class InMemoryBuildRepository implements BuildRepository {
  private readonly builds = new Map<string, Build>();
  private readonly latest = new Map<string, Map<string, LatestPointer>>();
  private readonly startClaims = new Map<string, string>();
  /** Redrive marks by build id: when each was (last) marked. */
  private readonly redriveMarks = new Map<string, Date>();
  /** Environment locks by `{repo}/{env}`. */
  private readonly locks = new Map<string, EnvironmentLock>();
  private readonly changes: BuildChange[] = [];
  private readonly latencyMs: number;

  constructor(options: InMemoryBuildRepositoryOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Every status change applied so far, in order (creation included). */
  get history(): readonly BuildChange[] {
    return this.changes;
  }

  async create(value: NewBuild, at: Date = new Date()): Promise<Build> {
    const build = pendingBuild(value, at);
    await this.pause();
    const existing = this.builds.get(buildIdOf(build));
    if (existing) throw new BuildAlreadyExistsError(existing);
    this.writeStatusChange(undefined, build);
    return build;
  }

  /**
   * Stores a build as another writer of the table would (the Go
   * implementation, an operator), without `create`'s checks: a key a new
   * build may not have (a space in `repo`, a UUID as `sk`), an empty
   * `commitHash`... The way to test how the module treats such builds.
   */
  seed(build: Build): void {
    // A whole item written anew: as in DynamoDB, nothing of the one it replaces (a start claim, a redrive mark) stays.
    this.startClaims.delete(buildIdOf(build));
    this.redriveMarks.delete(buildIdOf(build));
    this.writeStatusChange(undefined, build);
  }

  async get(key: BuildKey): Promise<Build | undefined> {
    const valid = parseRecordedBuildKey(key);
    await this.pause();
    return this.builds.get(buildIdOf(valid));
  }

  async claimStart(key: BuildKey, attempt: string, options: ClaimOptions = {}): Promise<StartClaim> {
    const valid = parseRecordedBuildKey(key);
    requireText('attempt', attempt);
    const lock = options.environmentLock;
    if (lock !== undefined) {
      requireLockingPolicy('environmentLock.policy', lock.policy);
      requireDate('environmentLock.at', lock.at);
      if (lock.handOverFrom !== undefined) requireText('environmentLock.handOverFrom', lock.handOverFrom);
    }
    await this.pause();
    const build = this.builds.get(buildIdOf(valid));
    // A build that is not PENDING (or is missing) is answered first, whatever the lock.
    if (build?.status !== 'PENDING') return { claimed: false, build };
    if (lock === undefined) {
      this.startClaims.set(buildIdOf(valid), attempt);
      return { claimed: true, build };
    }
    const held = this.locks.get(partitionKeyOf(valid));
    if (held !== undefined && held.holder !== valid.sk && held.holder !== lock.handOverFrom) return { claimed: false, build: undefined, busy: held };
    this.locks.set(partitionKeyOf(valid), { repo: valid.repo, env: valid.env, holder: valid.sk, policy: lock.policy, takenAt: toWholeSecond(lock.at) });
    this.startClaims.set(buildIdOf(valid), attempt);
    const line = this.lineOf(valid.repo, valid.env, valid.sk);
    return { claimed: true, build: line.build ?? build, line };
  }

  async recordStartFailure(key: BuildKey, attempt: string, reason: string, at: Date, options: StartFailureOptions = {}): Promise<StartFailureRecord> {
    requireText('attempt', attempt);
    // Only before any start was recorded, and only for the attempt that holds the claim.
    return this.failPendingBuild(key, reason, at, (build) => this.startClaims.get(buildIdOf(build)) === attempt, options);
  }

  async newestSuccessAfter(key: BuildKey): Promise<Build | undefined> {
    const valid = parseRecordedBuildKey(key);
    await this.pause();
    return [...this.builds.values()]
      .filter((build) => build.repo === valid.repo && build.env === valid.env && build.status === 'SUCCESS' && compareUtf8(build.sk, valid.sk) > 0)
      .sort((a, b) => compareUtf8(b.sk, a.sk))[0];
  }

  async recordUnstartable(key: BuildKey, reason: string, at: Date, options: ReleaseOptions = {}): Promise<StartFailureRecord> {
    return this.failPendingBuild(key, reason, at, () => true, options);
  }

  /** `PENDING -> FAILED` with the reason while `holds`; `superseded` otherwise. */
  private async failPendingBuild(
    key: BuildKey,
    reason: string,
    at: Date,
    holds: (build: Build) => boolean,
    options: StartFailureOptions,
  ): Promise<StartFailureRecord> {
    const valid = parseRecordedBuildKey(key);
    const completion = parseCompletion({ status: 'FAILED', errorMsg: reason });
    const { supersededBy } = options;
    await this.pause();
    const build = this.existing(valid);
    if (build.status !== 'PENDING' || !holds(build)) return { outcome: 'superseded' };
    this.complete(supersededBy === undefined ? build : { ...build, supersededBy }, completion, at, options);
    return { outcome: 'failed' };
  }

  async recordStart(key: BuildKey, executionArn: string, at: Date): Promise<StartRecord> {
    const valid = parseRecordedBuildKey(key);
    requireText('executionArn', executionArn);
    await this.pause();
    const build = this.existing(valid);
    const effect = startEffect(build, executionArn);
    const updatedAt = toWholeSecond(at);
    switch (effect.kind) {
      case 'transition': {
        // A started build waits for nothing.
        const { waitingFor: _waiting, ...rest } = build;
        this.writeStatusChange(build, { ...rest, status: 'IN_PROGRESS', executionArn, updatedAt });
        return { outcome: 'started', status: 'IN_PROGRESS', executionArn };
      }
      case 'attach-arn':
        this.builds.set(buildIdOf(build), { ...build, executionArn, updatedAt });
        return { outcome: 'arn-attached', status: build.status, executionArn };
      case 'unchanged':
        return { outcome: 'already-started', status: build.status, executionArn };
      case 'illegal':
        return { outcome: 'refused', status: build.status, build, reason: effect.reason };
    }
  }

  async recordCompletion(key: BuildKey, value: Completion, at: Date, options: ReleaseOptions = {}): Promise<CompletionRecord> {
    const valid = parseRecordedBuildKey(key);
    const completion = parseCompletion(value);
    await this.pause();
    const build = this.existing(valid);
    const effect = completionEffect(build, completion);
    switch (effect.kind) {
      case 'transition':
        this.complete(build, completion, at, options);
        return { outcome: 'completed', status: completion.status };
      case 'unchanged':
        return { outcome: 'already-completed', status: completion.status };
      case 'illegal':
        return { outcome: 'refused', status: build.status, build, reason: effect.reason };
    }
  }

  async recordExecutionEnd(key: BuildKey, executionArn: string, value: Completion, at: Date, options: ExecutionEndOptions = {}): Promise<CompletionRecord> {
    const valid = parseRecordedBuildKey(key);
    requireText('executionArn', executionArn);
    // The ARN is the condition here, never a value to attach.
    const { executionArn: _attach, ...completion } = parseCompletion(value);
    await this.pause();
    const build = this.existing(valid);
    if (build.executionArn !== executionArn) {
      const reason = build.executionArn === undefined ? 'it records no execution' : `it records execution ${build.executionArn}`;
      return { outcome: 'refused', status: build.status, build, reason };
    }
    const effect = completionEffect(build, completion);
    if (options.cancelledBy !== undefined) requireText('cancelledBy', options.cancelledBy);
    switch (effect.kind) {
      case 'transition':
        this.complete(options.cancelledBy === undefined ? build : { ...build, cancelledBy: options.cancelledBy }, completion, at, options);
        this.redriveMarks.delete(buildIdOf(build));
        return { outcome: 'completed', status: completion.status };
      case 'unchanged':
        return { outcome: 'already-completed', status: completion.status };
      case 'illegal':
        return { outcome: 'refused', status: build.status, build, reason: effect.reason };
    }
  }

  async markRedrivePending(key: BuildKey, executionArn: string, at: Date): Promise<RedriveMarkRecord> {
    const valid = parseRecordedBuildKey(key);
    requireText('executionArn', executionArn);
    await this.pause();
    const build = this.existing(valid);
    if (build.status !== 'FAILED') return { outcome: 'not-marked', status: build.status, reason: `it is ${build.status}` };
    if (build.executionArn !== executionArn) {
      const reason = build.executionArn === undefined ? 'it records no execution' : `it records execution ${build.executionArn}`;
      return { outcome: 'not-marked', status: build.status, reason };
    }
    // The update time moves with the mark, as in DynamoDB: marks are found by update time.
    const since = toWholeSecond(at);
    this.builds.set(buildIdOf(build), { ...build, updatedAt: since });
    this.redriveMarks.set(buildIdOf(build), since);
    return { outcome: 'marked' };
  }

  async listRedrivePending(options: ListRedrivePendingOptions): Promise<RedrivePendingPage> {
    const limit = pageLimit(options.limit);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, { updatedAt: 'number', id: 'string' });
    requireDate('updatedSince', options.updatedSince);
    const since = toWholeSecond(options.updatedSince).getTime();
    await this.pause();
    const oldestFirst = [...this.builds.values()]
      .filter((build) => build.status === 'FAILED' && this.redriveMarks.has(buildIdOf(build)) && build.updatedAt.getTime() >= since)
      .map((build) => ({ build, position: statusPosition(build) }))
      .filter(({ position }) => after === undefined || comparePositions(position, after) > 0)
      .sort((a, b) => comparePositions(a.position, b.position));
    const page = oldestFirst.slice(0, limit).map(({ build }) => ({ build, since: this.redriveMarks.get(buildIdOf(build))! }));
    const last = oldestFirst.slice(0, limit).at(-1);
    return oldestFirst.length > limit && last ? { builds: page, nextCursor: encodeCursor(last.position) } : { builds: page };
  }

  async clearRedrivePending(key: BuildKey, since: Date, options: RedriveMarkClearingOptions = {}): Promise<RedriveMarkClearing> {
    const valid = parseRecordedBuildKey(key);
    await this.pause();
    const id = buildIdOf(valid);
    if (this.redriveMarks.get(id)?.getTime() !== toWholeSecond(since).getTime()) return { outcome: 'kept' };
    this.redriveMarks.delete(id);
    const build = this.builds.get(id);
    if (options.forgetRedrive === true && build !== undefined) {
      const { redrivenBy: _by, redrivenAt: _at, ...rest } = build;
      this.builds.set(id, rest);
    }
    if (options.releaseEnvironmentLock === true) this.releaseHeldBy(valid);
    return { outcome: 'cleared' };
  }

  async beginRedrive(key: BuildKey, executionArn: string, options: RedriveBeginningOptions): Promise<RedriveBeginning> {
    const valid = parseRecordedBuildKey(key);
    requireText('executionArn', executionArn);
    requireDate('at', options.at);
    if (options.redrivenBy !== undefined) requireText('redrivenBy', options.redrivenBy);
    if (options.environmentLock !== undefined) requireLockingPolicy('environmentLock.policy', options.environmentLock.policy);
    await this.pause();
    const build = this.existing(valid);
    if (build.status !== 'FAILED' || build.executionArn !== executionArn) {
      const reason = build.status !== 'FAILED' ? `it is ${build.status}` : build.executionArn === undefined ? 'it records no execution' : `it records execution ${build.executionArn}`;
      return { outcome: 'refused', status: build.status, build, reason };
    }
    const environment = partitionKeyOf(valid);
    const since = toWholeSecond(options.at);
    if (options.environmentLock !== undefined) {
      const held = this.locks.get(environment);
      // A lock kept for a person after a forced cancel is not the redrive's to take over: unlock first.
      if (held !== undefined && (held.holder !== valid.sk || held.keptBy !== undefined)) return { outcome: 'busy', lock: held };
      this.locks.set(environment, { repo: valid.repo, env: valid.env, holder: valid.sk, policy: options.environmentLock.policy, takenAt: since, redrive: true });
    }
    // Not a status change; the update time moves with the redrive mark, as `markRedrivePending` moves it.
    const marked: Build = withoutUndefined({ ...build, redrivenBy: options.redrivenBy, redrivenAt: since, updatedAt: since });
    this.builds.set(buildIdOf(valid), marked);
    this.redriveMarks.set(buildIdOf(valid), since);
    return { outcome: 'begun', build: marked, since };
  }

  async cancelPending(key: BuildKey, options: PendingCancellationOptions): Promise<PendingCancellation> {
    const valid = parseRecordedBuildKey(key);
    const completion = parseCompletion({ status: 'FAILED', errorMsg: options.reason });
    requireDate('at', options.at);
    if (options.cancelledBy !== undefined) requireText('cancelledBy', options.cancelledBy);
    if (options.supersededBy !== undefined) requireText('supersededBy', options.supersededBy);
    await this.pause();
    const build = this.existing(valid);
    if (build.status !== 'PENDING') return { outcome: 'refused', status: build.status, build, reason: `it is ${build.status}` };
    if (this.startClaims.has(buildIdOf(valid))) return { outcome: 'starting', build };
    this.complete(withoutUndefined({ ...build, cancelledBy: options.cancelledBy, supersededBy: options.supersededBy }), completion, options.at, {});
    return { outcome: 'cancelled', build: this.existing(valid) };
  }

  async keepEnvironmentLock(key: BuildKey, executionArn: string, options: LockKeepingOptions): Promise<LockKeeping> {
    const valid = parseRecordedBuildKey(key);
    requireText('executionArn', executionArn);
    requireText('keptBy', options.keptBy);
    requireLockingPolicy('policy', options.policy);
    requireDate('at', options.at);
    await this.pause();
    const build = this.builds.get(buildIdOf(valid));
    if (build?.status !== 'IN_PROGRESS' || build.executionArn !== executionArn) return { outcome: 'not-running' };
    const environment = partitionKeyOf(valid);
    const held = this.locks.get(environment);
    if (held !== undefined && held.holder !== valid.sk) return { outcome: 'busy', lock: held };
    const lock: EnvironmentLock = held === undefined
      ? { repo: valid.repo, env: valid.env, holder: valid.sk, policy: options.policy, takenAt: toWholeSecond(options.at), keptBy: options.keptBy }
      : { ...held, keptBy: options.keptBy };
    this.locks.set(environment, lock);
    return { outcome: 'kept', lock };
  }

  async listBuilds(repo: string, env: string, options: ListBuildsOptions = {}): Promise<BuildPage> {
    const limit = pageLimit(options.limit);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, { sk: 'string' }).sk;
    await this.pause();
    const newestFirst = [...this.builds.values()]
      .filter((build) => build.repo === repo && build.env === env && (options.status === undefined || build.status === options.status))
      .filter((build) => after === undefined || compareUtf8(build.sk, after) < 0)
      .sort((a, b) => compareUtf8(b.sk, a.sk));
    const builds = newestFirst.slice(0, limit);
    const last = builds.at(-1);
    return newestFirst.length > limit && last ? { builds, nextCursor: encodeCursor({ sk: last.sk }) } : { builds };
  }

  async listBuildsByStatus(status: BuildStatus, options: ListBuildsByStatusOptions = {}): Promise<BuildPage> {
    const limit = pageLimit(options.limit);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, { updatedAt: 'number', id: 'string' });
    const before = options.updatedBefore === undefined ? undefined : toWholeSecond(options.updatedBefore).getTime();
    await this.pause();
    // The status index's order: oldest update first, then (in memory, where ties need an order) by build id.
    const oldestFirst = [...this.builds.values()]
      .filter((build) => build.status === status && (before === undefined || build.updatedAt.getTime() <= before))
      .map((build) => ({ build, position: statusPosition(build) }))
      .filter(({ position }) => after === undefined || comparePositions(position, after) > 0)
      .sort((a, b) => comparePositions(a.position, b.position));
    const page = oldestFirst.slice(0, limit);
    const last = page.at(-1);
    return oldestFirst.length > limit && last
      ? { builds: page.map(({ build }) => build), nextCursor: encodeCursor(last.position) }
      : { builds: page.map(({ build }) => build) };
  }

  async latestBuilds(env: string): Promise<Build[]> {
    await this.pause();
    const pointers = this.latest.get(env) ?? new Map<string, LatestPointer>();
    // DynamoDB returns pointers ordered by their sort key, `{repo}/{env}`.
    return [...pointers.entries()]
      .sort(([a], [b]) => compareUtf8(partitionKeyOf({ repo: a, env }), partitionKeyOf({ repo: b, env })))
      .map(([repo, pointer]) => this.builds.get(buildIdOf({ repo, env, sk: pointer.sk })))
      .filter((build): build is Build => build !== undefined);
  }

  /** Records the end of a build (an ended build waits for nothing) and, when asked, releases the lock it holds. */
  private complete(build: Build, completion: Completion, at: Date, options: ReleaseOptions): void {
    const finishedAt = toWholeSecond(at);
    const { errorMsg: _previous, waitingFor: _waiting, ...rest } = build;
    const { redriven: _cause, executionArn, ...recorded } = completion;
    const ofExecution = build.executionArn === undefined && executionArn !== undefined ? { executionArn } : {};
    this.writeStatusChange(build, { ...rest, ...recorded, ...ofExecution, updatedAt: finishedAt, finishedAt });
    if (options.releaseEnvironmentLock === true) this.releaseHeldBy(build);
  }

  /** An end's release: only the lock this build holds, and not one kept for a person; another build's lock, or none, is left alone. */
  private releaseHeldBy(build: BuildKey): void {
    const environment = partitionKeyOf(build);
    const held = this.locks.get(environment);
    if (held?.holder === build.sk && held.keptBy === undefined) this.locks.delete(environment);
  }

  async readEnvironmentLine(repo: string, env: string, from?: string): Promise<EnvironmentLine> {
    requireEnvironment(repo, env);
    if (from !== undefined) requireText('from', from);
    await this.pause();
    return this.lineOf(repo, env, from);
  }

  async recordWaiting(key: BuildKey, holderId: string): Promise<WaitingRecord> {
    const valid = parseRecordedBuildKey(key);
    requireText('holderId', holderId);
    await this.pause();
    const build = this.builds.get(buildIdOf(valid));
    if (build?.status !== 'PENDING') return { outcome: 'not-pending' };
    // Not a status change: no history entry, and the update time stays.
    this.builds.set(buildIdOf(valid), { ...build, waitingFor: holderId });
    return { outcome: 'recorded' };
  }

  async getEnvironmentLock(repo: string, env: string): Promise<EnvironmentLock | undefined> {
    requireEnvironment(repo, env);
    await this.pause();
    return this.locks.get(partitionKeyOf({ repo, env }));
  }

  async adoptEnvironmentLock(key: BuildKey, policy: LockingPolicy, at: Date): Promise<LockAdoption> {
    const valid = parseRecordedBuildKey(key);
    requireLockingPolicy('policy', policy);
    requireDate('at', at);
    await this.pause();
    if (this.builds.get(buildIdOf(valid))?.status !== 'IN_PROGRESS') return { outcome: 'not-running' };
    const environment = partitionKeyOf(valid);
    const held = this.locks.get(environment);
    if (held !== undefined && held.holder !== valid.sk) return { outcome: 'busy', lock: held };
    const lock: EnvironmentLock = { repo: valid.repo, env: valid.env, holder: valid.sk, policy, takenAt: toWholeSecond(at), adopted: true };
    this.locks.set(environment, lock);
    return { outcome: 'adopted', lock };
  }

  async releaseEnvironmentLock(repo: string, env: string, holder: string, options: LockReleaseOptions): Promise<LockRelease> {
    requireEnvironment(repo, env);
    requireText('holder', holder);
    requireDate('at', options.at);
    if (options.releasedBy !== undefined) requireText('releasedBy', options.releasedBy);
    await this.pause();
    const environment = partitionKeyOf({ repo, env });
    const held = this.locks.get(environment);
    if (held?.holder !== holder) return held === undefined ? { outcome: 'not-held' } : { outcome: 'not-held', lock: held };
    // A lock kept after a forced cancel waits for a person: only a release by hand frees it.
    if (held.keptBy !== undefined && options.releasedBy === undefined) return { outcome: 'kept', lock: held };
    this.locks.delete(environment);
    const id = buildIdOf({ repo, env, sk: holder });
    const build = this.builds.get(id);
    // Recorded on the holder when it still exists; its status and update time stay.
    if (options.releasedBy !== undefined && build !== undefined) {
      this.builds.set(id, { ...build, unlockedBy: options.releasedBy, unlockedAt: toWholeSecond(options.at) });
    }
    return { outcome: 'released' };
  }

  async listEnvironmentLocks(options: { readonly limit?: number | undefined; readonly cursor?: string | undefined } = {}): Promise<EnvironmentLockPage> {
    const limit = pageLimit(options.limit);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, { sk: 'string' }).sk;
    await this.pause();
    // DynamoDB orders the lock items by their sort key, `{repo}/{env}`.
    const ordered = [...this.locks.entries()]
      .filter(([environment]) => after === undefined || compareUtf8(environment, after) > 0)
      .sort(([a], [b]) => compareUtf8(a, b));
    const page = ordered.slice(0, limit);
    const last = page.at(-1);
    const locks = page.map(([, lock]) => lock);
    return ordered.length > limit && last ? { locks, nextCursor: encodeCursor({ sk: last[0] }) } : { locks };
  }

  /** The environment's line, as one consistent read sees it (see `EnvironmentLineCollector`). */
  private lineOf(repo: string, env: string, from: string | undefined): EnvironmentLine {
    const collector = new EnvironmentLineCollector(from);
    const newestFirst = [...this.builds.values()]
      .filter((build) => build.repo === repo && build.env === env)
      .sort((a, b) => compareUtf8(b.sk, a.sk));
    for (const build of newestFirst) if (collector.add({ sk: build.sk, build })) break;
    return collector.line();
  }

  private existing(key: BuildKey): Build {
    const build = this.builds.get(buildIdOf(key));
    if (!build) throw new BuildNotFoundError(key);
    return build;
  }

  /** Stores a status change and moves the latest pointer, unless a newer build holds it. */
  private writeStatusChange(before: Build | undefined, after: Build): void {
    this.builds.set(buildIdOf(after), after);
    this.changes.push(
      withoutUndefined({
        buildId: buildIdOf(after),
        from: before?.status,
        to: after.status,
        executionArn: after.executionArn,
        at: after.updatedAt,
      }),
    );
    const pointers = this.latest.get(after.env) ?? new Map<string, LatestPointer>();
    this.latest.set(after.env, pointers);
    const pointer = pointers.get(after.repo);
    if (pointer === undefined || compareUtf8(pointer.sk, after.sk) <= 0) {
      pointers.set(after.repo, { sk: after.sk, status: after.status, updatedAt: after.updatedAt });
    }
  }

  private async pause(): Promise<void> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
  }
}


/** Where a build stands in the status index's order. */
type StatusPosition = { readonly updatedAt: number; readonly id: string };

function statusPosition(build: Build): StatusPosition {
  return { updatedAt: build.updatedAt.getTime(), id: buildIdOf(build) };
}

function comparePositions(a: StatusPosition, b: StatusPosition): number {
  return a.updatedAt - b.updatedAt || compareUtf8(a.id, b.id);
}
