import { buildIdOf } from './build-key.js';
import type { LockingPolicy } from './concurrency-policy.js';
import { OrchestratorError } from './orchestrator.errors.js';

/**
 * The lock of one environment (a repo and env) under a locking policy: the
 * build that holds it deploys, every other build of the environment waits
 * (`PENDING`). Taken with the holder's start claim, released in the write
 * that records the holder's end.
 */
export interface EnvironmentLock {
  readonly repo: string;
  readonly env: string;
  /** The `sk` of the build that holds it. */
  readonly holder: string;
  /** The policy it was taken under. */
  readonly policy: LockingPolicy;
  readonly takenAt: Date;
  /**
   * The holder was already `IN_PROGRESS` when the lock was taken for it: a
   * deployment started outside the lock (by the Go implementation, by 0.2.0,
   * under `parallel`) holds its environment until it ends.
   */
  readonly adopted?: boolean;
  /**
   * Who cancelled the holder while it deployed (`cancel --force`): the lock
   * stays after the holder ended, until a person releases it by hand
   * (`unlock`), for the stack operation its execution began goes on.
   */
  readonly keptBy?: string;
  /** Taken for a person's redrive of the holder's `FAILED` execution: held while it runs again. */
  readonly redrive?: boolean;
}

/** The id (`{repo}/{env}:{sk}`) of the build that holds `lock`. */
export function holderIdOf(lock: Pick<EnvironmentLock, 'repo' | 'env' | 'holder'>): string {
  return buildIdOf({ repo: lock.repo, env: lock.env, sk: lock.holder });
}

/** `{repo}/{env}`: how logs, errors and the CLI name an environment. */
export function environmentIdOf(environment: { readonly repo: string; readonly env: string }): string {
  return `${environment.repo}/${environment.env}`;
}

/**
 * Another build holds the environment's lock: this one was not started and
 * stays `PENDING`; when the holder ends, the hand-off starts the next build
 * in line. `lock` is the lock as found, naming its holder and the policy it
 * was taken under (a deployment configured with another policy says so).
 */
export class EnvironmentBusyError extends OrchestratorError {
  static override readonly stableName: string = 'EnvironmentBusyError';
  override readonly name: string = 'EnvironmentBusyError';
  readonly code = 'ENVIRONMENT_BUSY';

  constructor(
    readonly buildId: string,
    readonly lock: EnvironmentLock,
    readonly configuredPolicy: LockingPolicy,
  ) {
    super(
      `Build ${buildId} not started: ${environmentIdOf(lock)} is deploying ${holderIdOf(lock)}; the build stays PENDING and starts in its turn` +
        (lock.policy === configuredPolicy
          ? ''
          : ` (the lock was taken under "${lock.policy}" while this deployment is configured "${configuredPolicy}": run one policy per table)`),
    );
  }
}

/**
 * The partition that holds every environment's lock, one item each, sort key
 * `{repo}/{env}`: a build's partition is `{repo}/{env}` (it always has a
 * `/`) and a latest pointer's `latest/{env}`, so no build or pointer shares
 * it, and the sweeper lists every held lock with one query.
 */
export const ENVIRONMENT_LOCK_PARTITION = 'lock';

/** Whether an item's key is an environment lock's (see {@link ENVIRONMENT_LOCK_PARTITION}). */
export function isEnvironmentLockKey(pk: string, sk: string): boolean {
  return pk === ENVIRONMENT_LOCK_PARTITION && sk.includes('/');
}

/** The repo and env of a lock's sort key `{repo}/{env}` (split at its first `/`, as a build's `pk` is). */
export function environmentOfLockKey(sk: string): { readonly repo: string; readonly env: string } {
  const slash = sk.indexOf('/');
  return { repo: sk.slice(0, slash), env: sk.slice(slash + 1) };
}
