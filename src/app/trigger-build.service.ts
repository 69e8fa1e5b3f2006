import { randomUUID } from 'node:crypto';
import {
  BuildNotFoundError,
  BuildRecordTooLargeError,
  PermanentExecutionStartError,
  TransientExecutionStartError,
  ValidationError,
  boundErrorMessage,
  buildIdOf,
  executionInputFor,
  holderIdOf,
  locksEnvironment,
  type Build,
  type BuildKey,
  type BuildStatus,
  type ConcurrencyPolicy,
  type EnvironmentLock,
  type LockingPolicy,
} from '../domain/index.js';
import type { BuildRepository, ClaimOptions, Clock, EnvironmentLine, Logger, ReleaseOptions, StartClaim } from '../ports/index.js';
import { lockHolderOf, releaseLeftOverLock } from './environment-lock-holder.js';
import { type Orchestrator } from './orchestrator.service.js';

export type TriggerOutcome =
  | {
      readonly outcome: 'started';
      readonly executionArn: string;
      /**
       * Whether this attempt's write moved the build `PENDING -> IN_PROGRESS`;
       * `false` when a concurrent attempt (the sweeper, a redelivery) recorded
       * the same execution first. Count started builds by it: one per execution.
       */
      readonly transitioned: boolean;
    }
  /** The build is no longer PENDING (or is gone): a redelivery, nothing to start. */
  | { readonly outcome: 'skipped'; readonly status?: BuildStatus; readonly executionArn?: string }
  /** A permanent error: the build was recorded FAILED with this reason. */
  | { readonly outcome: 'failed'; readonly reason: string }
  /**
   * A newer build of the environment had already deployed (`SUCCESS`): this
   * one was recorded FAILED, naming it, instead of being deployed over it.
   */
  | { readonly outcome: 'superseded'; readonly supersededBy: string; readonly reason: string }
  /**
   * The execution that holds the build's name had already closed (its item
   * was deleted and put back, restored...): the build now records how it
   * ended, and a new build is needed to deploy again.
   */
  | { readonly outcome: 'ended'; readonly executionArn: string; readonly status: BuildStatus }
  /**
   * Queue or supersede: another build of the environment deploys (`holder`,
   * its id) or comes first; this one stays `PENDING`, records what it waits
   * for, and starts in its turn (the hand-off, {@link TriggerBuildService.triggerNext}).
   */
  | { readonly outcome: 'waiting'; readonly holder: string };

/** What the hand-off did: the outcome of the build it started, or nothing when no build waits. */
export type HandOffOutcome = { readonly build: BuildKey; readonly outcome: TriggerOutcome } | { readonly build?: undefined; readonly outcome: 'idle' };

/** Turns one trigger may take in a row: each one ends a build that cannot start (or hands the lock on). */
const MAX_TURNS = 8;

export interface TriggerOptions {
  /** The artifacts bucket; the key is `{repo}/{branch}/{version}`. */
  readonly s3Bucket: string;
  readonly traceHeader?: string | undefined;
}

/**
 * The trigger-build use case: start the deployment of a new build, shared by
 * every entry point that reacts to new builds.
 *
 * - Each attempt first claims the `PENDING` build (a conditional write that
 *   also reads it). A build that is no longer `PENDING` is not started again:
 *   a redelivered record must not deploy a `FAILED` build.
 * - A stale build is never deployed over a newer one: when a newer build of
 *   its repo and env has already ended `SUCCESS` (a `PENDING` record left
 *   behind for days, a redelivery after the newer build deployed), it is
 *   recorded `FAILED` with `supersededBy` naming that build, and nothing
 *   starts. A person can still deploy its version on purpose, with a new build.
 * - A permanent error (bad input, Step Functions' permanent codes) is
 *   recorded on the build as `FAILED` with the reason, unless a concurrent
 *   attempt claimed the build since (it may have started it): then this
 *   attempt fails as transient, to be tried again.
 * - A transient error is thrown unchanged: the build stays `PENDING` and the
 *   caller retries (for a stream, by reporting the record as failed).
 * - Under `queue` and `supersede` (the concurrency policy), the claim also
 *   takes the environment's lock: one deployment per repo and env at a time.
 *   A build whose environment is busy stays `PENDING` and says what it waits
 *   for (`waiting`); the holder's end releases the lock, and the hand-off
 *   ({@link TriggerBuildService.triggerNext}, run by trigger-build on the
 *   lock's release) starts the next build in line: the oldest waiting one
 *   (`queue`), or the newest, the older ones recorded `FAILED` naming it
 *   (`supersede`). A deployment started outside the lock (`IN_PROGRESS`, by
 *   Go or under `parallel`) is given the lock first, and holds it until it
 *   ends. Under `parallel`, no lock is read or taken.
 *
 * @example
 * ```ts
 * const trigger = container.get(TriggerBuildService);
 * const result = await trigger.trigger(build, { s3Bucket: 'my-artifacts-bucket' });
 * // { outcome: 'started', executionArn: 'arn:aws:states:...' }
 * ```
 */
export class TriggerBuildService {
  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly builds: BuildRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly concurrency: ConcurrencyPolicy,
  ) {}

  /** Ends under a locking policy release the build's lock in the same write. */
  private get release(): ReleaseOptions {
    return { releaseEnvironmentLock: locksEnvironment(this.concurrency) };
  }

  /**
   * Starts the build as the table holds it now: only its key is taken from
   * `build`, so a stale or odd stream image never decides what is deployed.
   * A build whose item does not read as a build is recorded `FAILED` with the
   * reason while it is still `PENDING`.
   */
  async trigger(build: BuildKey, options: TriggerOptions): Promise<TriggerOutcome> {
    if (locksEnvironment(this.concurrency)) return this.triggerInLine(build, this.concurrency, options);
    return this.triggerAlone(build, options);
  }

  /**
   * The hand-off: starts the next build in line of an environment whose lock
   * was released (trigger-build runs it on the stream record of the
   * release; the sweeper is the safety net). The next build is the oldest
   * `PENDING` build newer than the environment's newest `SUCCESS` (`queue`)
   * or the newest (`supersede`); it then goes the way of {@link trigger}.
   * Under `parallel` nothing waits, so nothing is done.
   */
  async triggerNext(environment: { readonly repo: string; readonly env: string }, options: TriggerOptions): Promise<HandOffOutcome> {
    if (!locksEnvironment(this.concurrency)) return { outcome: 'idle' };
    const line = await this.builds.readEnvironmentLine(environment.repo, environment.env);
    const next = nextInLine(line, this.concurrency);
    if (next === undefined) return { outcome: 'idle' };
    return { build: next, outcome: await this.triggerInLine(next, this.concurrency, options) };
  }

  /** `parallel`: the build starts on its own claim, whatever else of its environment runs. */
  private async triggerAlone(build: BuildKey, options: TriggerOptions): Promise<TriggerOutcome> {
    const attempt = randomUUID();
    const claim = await this.claim(build, attempt);
    if (!('claimed' in claim)) return claim;
    if (!claim.claimed) return this.skipped(build, claim.build);
    try {
      const input = executionInputFor(claim.build, options.s3Bucket);
      const newer = await this.builds.newestSuccessAfter(claim.build);
      // An execution an earlier attempt started (and crashed before recording) is the build's own: record it, whatever came since.
      if (newer !== undefined && !(await this.orchestrator.wasStarted(input))) return await this.recordSuperseded(claim.build, attempt, newer);
      const started = await this.orchestrator.start(input, { traceHeader: options.traceHeader });
      if (started.outcome === 'ended') return { outcome: 'ended', executionArn: started.executionArn, status: started.status };
      return { outcome: 'started', executionArn: started.executionArn, transitioned: started.transitioned };
    } catch (error) {
      if (!(error instanceof PermanentExecutionStartError || error instanceof ValidationError)) throw error;
      return this.recordStartFailure(build, attempt, error);
    }
  }

  /**
   * `queue` and `supersede`: the build's claim takes its environment's lock,
   * and the line read with it decides whose turn it is. Each turn either
   * starts a build (this one, or the one whose turn it is), leaves this one
   * waiting, or ends a build that cannot start and releases the lock, after
   * which the next turn is taken.
   */
  private async triggerInLine(build: BuildKey, policy: LockingPolicy, options: TriggerOptions, helping = true): Promise<TriggerOutcome> {
    for (let turn = 0; turn < MAX_TURNS; turn += 1) {
      const attempt = randomUUID();
      const claim = await this.claim(build, attempt, { environmentLock: { policy, at: this.clock.now() } });
      if (!('claimed' in claim)) return claim;
      if (claim.busy !== undefined) {
        const { state, holder } = await lockHolderOf(this.builds, claim.busy);
        if (state === 'ended') {
          // Its end was recorded by a writer that does not release (Go, 0.2.0, a hand edit): release it now, not on the next sweep.
          await releaseLeftOverLock(this.builds, this.clock, this.logger, claim.busy, 'a build of its environment', holder);
          continue;
        }
        if (state === 'pending' && helping) {
          // The holder was given its turn but its start did not complete (an error, a crash, a lost answer): start it.
          helping = false;
          await this.triggerInLine({ repo: claim.busy.repo, env: claim.busy.env, sk: claim.busy.holder }, policy, options, false);
          continue;
        }
        return this.waitBehind(build, claim.busy);
      }
      if (!claim.claimed) return this.skipped(build, claim.build);
      const turnTaken = await this.takeTurn(claim.build, attempt, claim.line, policy, options);
      if (turnTaken !== 'again') return turnTaken;
    }
    // Each turn ended a build: the lock is free, and its release hands the environment on.
    throw new TransientExecutionStartError('EnvironmentLineChanging', `the line of ${buildIdOf(build)}'s environment kept changing; trying again`);
  }

  /**
   * Claims the build for this attempt; a build whose record can never be
   * claimed (too large, unreadable) is recorded `FAILED` instead, and that
   * outcome returned.
   */
  private async claim(build: BuildKey, attempt: string, options?: ClaimOptions): Promise<StartClaim | TriggerOutcome> {
    try {
      return await this.builds.claimStart(build, attempt, options);
    } catch (error) {
      if (error instanceof BuildRecordTooLargeError) return this.recordUnclaimable(build, error);
      if (!(error instanceof ValidationError)) throw error;
      return this.recordUnreadable(build, error);
    }
  }

  /**
   * `build` holds its claim and its environment's lock; `line` was read
   * right after. In order: a build older than a deployed one never deploys;
   * a deployment started outside the lock is given it; otherwise the build
   * whose turn it is starts: this one, or it is handed the lock.
   */
  private async takeTurn(
    build: Build,
    attempt: string,
    line: EnvironmentLine | undefined,
    policy: LockingPolicy,
    options: TriggerOptions,
  ): Promise<TriggerOutcome | 'again'> {
    if (line === undefined) throw new Error('BuildRepository.claimStart took an environment lock but returned no line');
    const newer = line.newestSuccess !== undefined && line.newestSuccess.sk > build.sk ? line.newestSuccess : undefined;
    if (newer !== undefined) return this.startHeld(build, attempt, options, newer);
    const [running] = line.running;
    if (running !== undefined) return this.yieldToRunning(build, running, policy);
    const next = nextInLine(line, policy);
    if (next !== undefined && next.sk !== build.sk) return this.handOver(build, attempt, next, line, policy, options);
    const outcome = await this.startHeld(build, attempt, options);
    if (policy === 'supersede' && outcome.outcome === 'started') await this.supersedeOlderThan(build, line, options);
    return outcome;
  }

  /**
   * Starts a build that holds its claim and lock. A permanent error records
   * it `FAILED` and releases the lock in the same write (`failed`); with
   * `newer`, it is not started but recorded `FAILED` naming that deployed
   * build, unless an earlier attempt started its execution.
   */
  private async startHeld(build: Build, attempt: string, options: TriggerOptions, newer?: Build): Promise<TriggerOutcome> {
    try {
      const input = executionInputFor(build, options.s3Bucket);
      if (newer !== undefined && !(await this.orchestrator.wasStarted(input))) return await this.recordSuperseded(build, attempt, newer);
      const started = await this.orchestrator.start(input, { traceHeader: options.traceHeader });
      if (started.outcome === 'ended') return { outcome: 'ended', executionArn: started.executionArn, status: started.status };
      return { outcome: 'started', executionArn: started.executionArn, transitioned: started.transitioned };
    } catch (error) {
      if (!(error instanceof PermanentExecutionStartError || error instanceof ValidationError)) throw error;
      return this.recordStartFailure(build, attempt, error);
    }
  }

  /**
   * An execution started outside the lock still runs: it gets the lock, and
   * this build waits for it. The lock this build took is given up first (a
   * release its stream record hands on: that hand-off finds the environment
   * busy again).
   */
  private async yieldToRunning(build: Build, running: Build, policy: LockingPolicy): Promise<TriggerOutcome> {
    const now = this.clock.now();
    await this.builds.releaseEnvironmentLock(build.repo, build.env, build.sk, { at: now });
    const adoption = await this.builds.adoptEnvironmentLock(running, policy, now);
    if (adoption.outcome === 'not-running') {
      // It ended meanwhile; its end's record hands the environment on (or the sweeper does).
      throw new TransientExecutionStartError('EnvironmentLineChanging', `build ${buildIdOf(running)} ended while it was given its environment's lock`);
    }
    if (adoption.outcome === 'adopted') {
      this.logger.warn('Environment lock given to a deployment started outside it', { buildId: buildIdOf(running), waiting: buildIdOf(build) });
    }
    return this.waitBehind(build, adoption.lock);
  }

  /**
   * Another build's turn comes first (`queue`: an older waiting build;
   * `supersede`: a newer one): this build hands it the lock with its claim,
   * starts it, and then waits (`queue`) or is recorded `FAILED` naming it
   * (`supersede`). When the other cannot start either, it ends, the lock is
   * free again, and this build takes another turn.
   */
  private async handOver(
    build: Build,
    attempt: string,
    next: Build,
    line: EnvironmentLine,
    policy: LockingPolicy,
    options: TriggerOptions,
  ): Promise<TriggerOutcome | 'again'> {
    // This build's own execution may run already (an earlier attempt crashed before recording it, an
    // operator put its item back): then it is this build's turn that is under way, and it is recorded.
    if (await this.startedEarlier(build, options)) return this.startHeld(build, attempt, options);
    const nextAttempt = randomUUID();
    const claim = await this.builds.claimStart(next, nextAttempt, { environmentLock: { policy, at: this.clock.now(), handOverFrom: build.sk } });
    if (claim.busy !== undefined) return this.waitBehind(build, claim.busy);
    // The other left PENDING since the line was read: this build takes its turn again.
    if (!claim.claimed) return 'again';
    // A transient error is thrown with the lock left to `next`: its execution may have started (an answer
    // lost), so no other build may start until `next`'s start is settled. This build's record comes back,
    // finds `next` holding the lock still PENDING, and starts it again (see triggerInLine).
    const outcome = await this.startHeld(claim.build, nextAttempt, options);
    this.logger.info('Environment lock handed over to the build whose turn it is', { buildId: buildIdOf(build), next: buildIdOf(next), policy, outcome: outcome.outcome });
    if (outcome.outcome !== 'started') return 'again';
    if (policy === 'queue') return this.waitBehind(build, { repo: build.repo, env: build.env, holder: next.sk, policy, takenAt: this.clock.now() });
    await this.supersedeOlderThan(next, line, options, build);
    return this.recordSupersededInLine(build, attempt, next);
  }

  /** Whether the build's execution was started before (its input invalid: `false`, and its start records why). */
  private async startedEarlier(build: Build, options: TriggerOptions): Promise<boolean> {
    try {
      return await this.orchestrator.wasStarted(executionInputFor(build, options.s3Bucket));
    } catch (error) {
      if (error instanceof ValidationError) return true;
      throw error;
    }
  }

  /**
   * `supersede`: the waiting builds older than `started` end FAILED naming
   * it, but `except` (its caller records it). Each is claimed first, so a
   * build another attempt holds is left to it; none of them can start, for
   * `started` holds the lock.
   */
  private async supersedeOlderThan(started: Build, line: EnvironmentLine, options: TriggerOptions, except?: Build): Promise<void> {
    for (const older of line.waiting) {
      if (older.sk >= started.sk || older.sk === except?.sk) continue;
      const attempt = randomUUID();
      const claim = await this.builds.claimStart(older, attempt);
      // An older build whose execution was started before (an operator put its item back) is its own
      // execution's to record, never superseded: its next attempt records how it ran.
      if (claim.claimed && !(await this.startedEarlier(claim.build, options))) await this.recordSupersededInLine(claim.build, attempt, started);
    }
  }

  /** `supersede`: a newer build started in this build's place; it will not deploy. */
  private async recordSupersededInLine(build: Build, attempt: string, newer: Build): Promise<TriggerOutcome> {
    const supersededBy = buildIdOf(newer);
    const reason = boundErrorMessage(
      `Not deployed: superseded by the newer build ${supersededBy} (version ${newer.version}), which deploys in its place ` +
        `(concurrency policy "supersede"). To deploy this version on purpose, create a new build of it.`,
    );
    // This build no longer holds the lock (it was handed over): nothing to release.
    const { outcome } = await this.builds.recordStartFailure(build, attempt, reason, this.clock.now(), { supersededBy });
    if (outcome === 'superseded') return { outcome: 'waiting', holder: supersededBy };
    this.logger.info('Build superseded by a newer build of its environment', { buildId: buildIdOf(build), supersededBy });
    return { outcome: 'superseded', supersededBy, reason };
  }

  /** The environment is busy: the build stays `PENDING` and records what it waits for. */
  private async waitBehind(build: BuildKey, lock: EnvironmentLock): Promise<TriggerOutcome> {
    const holder = holderIdOf(lock);
    const { outcome } = await this.builds.recordWaiting(build, holder);
    if (outcome === 'not-pending') return this.skipped(build, await this.builds.get(build));
    if (lock.policy !== this.concurrency) {
      this.logger.error('Environment lock taken under another concurrency policy: run one policy per table', {
        buildId: buildIdOf(build),
        holder,
        lockPolicy: lock.policy,
        configuredPolicy: this.concurrency,
      });
    }
    this.logger.info('Build waits for its environment', { buildId: buildIdOf(build), holder });
    return { outcome: 'waiting', holder };
  }

  /** The build is no longer `PENDING` (or is gone): a redelivery, nothing to start. */
  private skipped(build: BuildKey, current: Build | undefined): TriggerOutcome {
    this.logger.info('Build not started: it is no longer PENDING', { buildId: buildIdOf(build), status: current?.status ?? 'deleted' });
    return {
      outcome: 'skipped',
      ...(current ? { status: current.status } : {}),
      ...(current?.executionArn ? { executionArn: current.executionArn } : {}),
    };
  }

  /** A newer build already deployed: starting this one would put an older version over it. */
  private async recordSuperseded(build: Build, attempt: string, newer: Build): Promise<TriggerOutcome> {
    const supersededBy = buildIdOf(newer);
    const reason = boundErrorMessage(
      `Not deployed: the newer build ${supersededBy} (version ${newer.version}) has deployed since, and this build ` +
        `(version ${build.version}) would have replaced it. To deploy this version on purpose, create a new build of it.`,
    );
    const { outcome } = await this.builds.recordStartFailure(build, attempt, reason, this.clock.now(), { supersededBy, ...this.release });
    if (outcome === 'superseded') {
      // Another attempt claimed the build since: it decides (and finds the same newer build).
      throw new TransientExecutionStartError('ConcurrentStartAttempt', `another attempt holds build ${buildIdOf(build)}`);
    }
    this.logger.warn('Stale build not deployed: a newer build of its environment has deployed', { buildId: buildIdOf(build), supersededBy });
    return { outcome: 'superseded', supersededBy, reason };
  }

  /**
   * The build's record has no room for the start's own attribute (another
   * writer filled it to the store's size limit): every attempt would fail
   * alike, so it can never start. The failure write is smaller than the
   * record it replaces (the store writes it in its smallest form).
   */
  private async recordUnclaimable(key: BuildKey, error: BuildRecordTooLargeError): Promise<TriggerOutcome> {
    const reason = boundErrorMessage(`The build record cannot be started: it has no room left for the start (${error.message})`);
    return (await this.failUnstartable(key, reason)) === 'failed' ? { outcome: 'failed', reason } : { outcome: 'skipped' };
  }

  /** The build's item does not read as a build: it can never start. */
  private async recordUnreadable(key: BuildKey, error: ValidationError): Promise<TriggerOutcome> {
    const reason = boundErrorMessage(`The build record is invalid: ${error.message}`);
    return (await this.failUnstartable(key, reason)) === 'failed' ? { outcome: 'failed', reason } : { outcome: 'skipped' };
  }

  /**
   * A permanent error failed this attempt. A concurrent attempt that claimed
   * the build since may have started the execution: then the failure is not
   * recorded, and this attempt fails as transient, so its record comes back
   * and finds the build started, or fails again and records it.
   */
  private async recordStartFailure(key: BuildKey, attempt: string, failure: Error): Promise<TriggerOutcome> {
    const buildId = buildIdOf(key);
    const reason = boundErrorMessage(failure.message);
    const { outcome } = await this.builds.recordStartFailure(key, attempt, reason, this.clock.now(), this.release);
    if (outcome === 'superseded') {
      throw new TransientExecutionStartError(
        'ConcurrentStartAttempt',
        `another attempt holds build ${buildId}; this one failed with: ${reason}`,
        { cause: failure },
      );
    }
    this.logger.error('Build cannot start; recorded FAILED', { buildId, reason });
    return { outcome: 'failed', reason };
  }

  /**
   * Records a build whose record can never start (it does not read as a
   * build) as `FAILED` with the reason, only while it is still `PENDING`: a
   * stale or redelivered record never fails a build that was started or has
   * ended. Returns the reason as recorded.
   */
  async markUnstartable(key: BuildKey, reason: string): Promise<string> {
    const errorMsg = boundErrorMessage(reason);
    await this.failUnstartable(key, errorMsg);
    return errorMsg;
  }

  private async failUnstartable(key: BuildKey, reason: string): Promise<'failed' | 'superseded' | 'missing'> {
    const buildId = buildIdOf(key);
    try {
      const { outcome } = await this.builds.recordUnstartable(key, reason, this.clock.now(), this.release);
      if (outcome === 'failed') this.logger.error('Build cannot start; recorded FAILED', { buildId, reason });
      else this.logger.warn('Build cannot start but is no longer PENDING; left as it is', { buildId, reason });
      return outcome;
    } catch (error) {
      if (!(error instanceof BuildNotFoundError)) throw error;
      this.logger.warn('Build cannot start and no longer exists', { buildId, reason });
      return 'missing';
    }
  }
}

/**
 * The build whose turn it is: of the `PENDING` builds newer than the
 * environment's newest `SUCCESS`, the newest rollback, whatever the policy
 * (a person asked to put the environment back first); otherwise the oldest
 * (`queue`) or the newest (`supersede`); `undefined` when none waits.
 */
function nextInLine(line: EnvironmentLine, policy: LockingPolicy): Build | undefined {
  const rollback = line.waiting.findLast((build) => build.kind === 'rollback');
  if (rollback !== undefined) return rollback;
  return policy === 'queue' ? line.waiting[0] : line.waiting.at(-1);
}
