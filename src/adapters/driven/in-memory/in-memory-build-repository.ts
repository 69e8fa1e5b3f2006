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
  type NewBuild,
} from '../../../domain/index.js';
import type {
  BuildPage,
  BuildRepository,
  CompletionRecord,
  ListBuildsByStatusOptions,
  ListBuildsOptions,
  ListRedrivePendingOptions,
  RedriveMarkClearing,
  RedriveMarkRecord,
  RedrivePendingPage,
  StartClaim,
  StartFailureRecord,
  StartRecord,
  StartFailureOptions,
} from '../../../ports/index.js';
import { requireDate, requireText } from '../arguments.js';
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
 * async callers see the same atomicity as DynamoDB's conditional writes.
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
    this.writeStatusChange(undefined, build);
  }

  async get(key: BuildKey): Promise<Build | undefined> {
    const valid = parseRecordedBuildKey(key);
    await this.pause();
    return this.builds.get(buildIdOf(valid));
  }

  async claimStart(key: BuildKey, attempt: string): Promise<StartClaim> {
    const valid = parseRecordedBuildKey(key);
    requireText('attempt', attempt);
    await this.pause();
    const build = this.builds.get(buildIdOf(valid));
    if (build?.status !== 'PENDING') return { claimed: false, build };
    this.startClaims.set(buildIdOf(valid), attempt);
    return { claimed: true, build };
  }

  async recordStartFailure(key: BuildKey, attempt: string, reason: string, at: Date, options: StartFailureOptions = {}): Promise<StartFailureRecord> {
    requireText('attempt', attempt);
    // Only before any start was recorded, and only for the attempt that holds the claim.
    return this.failPendingBuild(key, reason, at, (build) => this.startClaims.get(buildIdOf(build)) === attempt, options.supersededBy);
  }

  async newestSuccessAfter(key: BuildKey): Promise<Build | undefined> {
    const valid = parseRecordedBuildKey(key);
    await this.pause();
    return [...this.builds.values()]
      .filter((build) => build.repo === valid.repo && build.env === valid.env && build.status === 'SUCCESS' && compareUtf8(build.sk, valid.sk) > 0)
      .sort((a, b) => compareUtf8(b.sk, a.sk))[0];
  }

  async recordUnstartable(key: BuildKey, reason: string, at: Date): Promise<StartFailureRecord> {
    return this.failPendingBuild(key, reason, at, () => true);
  }

  /** `PENDING -> FAILED` with the reason while `holds`; `superseded` otherwise. */
  private async failPendingBuild(
    key: BuildKey,
    reason: string,
    at: Date,
    holds: (build: Build) => boolean,
    supersededBy?: string,
  ): Promise<StartFailureRecord> {
    const valid = parseRecordedBuildKey(key);
    const completion = parseCompletion({ status: 'FAILED', errorMsg: reason });
    await this.pause();
    const build = this.existing(valid);
    if (build.status !== 'PENDING' || !holds(build)) return { outcome: 'superseded' };
    this.complete(supersededBy === undefined ? build : { ...build, supersededBy }, completion, at);
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
      case 'transition':
        this.writeStatusChange(build, { ...build, status: 'IN_PROGRESS', executionArn, updatedAt });
        return { outcome: 'started', status: 'IN_PROGRESS', executionArn };
      case 'attach-arn':
        this.builds.set(buildIdOf(build), { ...build, executionArn, updatedAt });
        return { outcome: 'arn-attached', status: build.status, executionArn };
      case 'unchanged':
        return { outcome: 'already-started', status: build.status, executionArn };
      case 'illegal':
        return { outcome: 'refused', status: build.status, build, reason: effect.reason };
    }
  }

  async recordCompletion(key: BuildKey, value: Completion, at: Date): Promise<CompletionRecord> {
    const valid = parseRecordedBuildKey(key);
    const completion = parseCompletion(value);
    await this.pause();
    const build = this.existing(valid);
    const effect = completionEffect(build, completion);
    switch (effect.kind) {
      case 'transition':
        this.complete(build, completion, at);
        return { outcome: 'completed', status: completion.status };
      case 'unchanged':
        return { outcome: 'already-completed', status: completion.status };
      case 'illegal':
        return { outcome: 'refused', status: build.status, build, reason: effect.reason };
    }
  }

  async recordExecutionEnd(key: BuildKey, executionArn: string, value: Completion, at: Date): Promise<CompletionRecord> {
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
    switch (effect.kind) {
      case 'transition':
        this.complete(build, completion, at);
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

  async clearRedrivePending(key: BuildKey, since: Date): Promise<RedriveMarkClearing> {
    const valid = parseRecordedBuildKey(key);
    await this.pause();
    const id = buildIdOf(valid);
    if (this.redriveMarks.get(id)?.getTime() !== toWholeSecond(since).getTime()) return { outcome: 'kept' };
    this.redriveMarks.delete(id);
    return { outcome: 'cleared' };
  }

  async listBuilds(repo: string, env: string, options: ListBuildsOptions = {}): Promise<BuildPage> {
    const limit = pageLimit(options.limit);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, { sk: 'string' }).sk;
    await this.pause();
    const newestFirst = [...this.builds.values()]
      .filter((build) => build.repo === repo && build.env === env)
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

  private complete(build: Build, completion: Completion, at: Date): void {
    const finishedAt = toWholeSecond(at);
    const { errorMsg: _previous, ...rest } = build;
    const { redriven: _cause, executionArn, ...recorded } = completion;
    const ofExecution = build.executionArn === undefined && executionArn !== undefined ? { executionArn } : {};
    this.writeStatusChange(build, { ...rest, ...recorded, ...ofExecution, updatedAt: finishedAt, finishedAt });
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
