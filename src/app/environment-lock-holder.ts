import {
  BuildUnreadableError,
  ValidationError,
  environmentIdOf,
  holderIdOf,
  isTerminal,
  type Build,
  type EnvironmentLock,
} from '../domain/index.js';
import type { BuildRepository, Clock, Logger } from '../ports/index.js';

/** What became of an environment lock's holder, as far as the lock goes. */
export type LockHolderState =
  /** Still `PENDING`: its start is under way, or was cut short (its execution may run): it keeps the lock. */
  | 'pending'
  /** `IN_PROGRESS`, or its item does not read as a build (a person decides): it keeps the lock. */
  | 'deploying'
  /** A forced cancel keeps the lock for a person, whatever became of the build: only `unlock` frees it. */
  | 'kept'
  /** `FAILED` while a person's redrive runs its execution again: the redrive's end releases the lock. */
  | 'redriving'
  /** Ended (`SUCCESS`, `FAILED`) or gone, by a writer that did not release the lock: it is left over. */
  | 'ended';

/** The lock's holder as read now, and what became of it. */
export async function lockHolderOf(builds: BuildRepository, lock: EnvironmentLock): Promise<{ readonly state: LockHolderState; readonly holder?: Build | undefined }> {
  let holder: Build | undefined;
  try {
    holder = await builds.get({ repo: lock.repo, env: lock.env, sk: lock.holder });
  } catch (error) {
    if (error instanceof ValidationError || error instanceof BuildUnreadableError) return { state: 'deploying' };
    throw error;
  }
  if (lock.keptBy !== undefined) return { state: 'kept', holder };
  if (holder === undefined) return { state: 'ended' };
  if (!isTerminal(holder.status)) return { state: holder.status === 'PENDING' ? 'pending' : 'deploying', holder };
  return { state: lock.redrive === true && holder.status === 'FAILED' ? 'redriving' : 'ended', holder };
}

/**
 * Releases a lock whose holder has ended without releasing it, only while
 * that build still holds it (and no person keeps it), and says so: the next
 * build of the environment then starts (the release's stream record hands
 * it on). `true` when this call released it.
 */
export async function releaseLeftOverLock(
  builds: BuildRepository,
  clock: Clock,
  logger: Logger,
  lock: EnvironmentLock,
  releasedBy: 'the sweeper' | 'a build of its environment',
  holder?: Build,
): Promise<boolean> {
  const { outcome } = await builds.releaseEnvironmentLock(lock.repo, lock.env, lock.holder, { at: clock.now() });
  if (outcome !== 'released') return false;
  logger.warn(`Environment lock released by ${releasedBy}: its holder had ended without releasing it`, {
    environment: environmentIdOf(lock),
    holder: holderIdOf(lock),
    holderStatus: holder?.status ?? 'deleted',
    takenAt: lock.takenAt.toISOString(),
  });
  return true;
}
