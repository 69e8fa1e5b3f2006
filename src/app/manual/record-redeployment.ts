import { BuildAlreadyExistsError, buildIdOf, redeploymentOf, type Build, type DeploymentKind } from '../../domain/index.js';
import type { BuildRepository } from '../../ports/index.js';

/**
 * Records the new `PENDING` build that deploys `source`'s version again,
 * under the key `sk` the request planned. Found already recorded (an
 * earlier request of the same idempotency key wrote it, and its answer or
 * its result was lost), it is that build: never a second one.
 */
export async function recordRedeployment(
  builds: BuildRepository,
  source: Build,
  kind: DeploymentKind,
  sk: string,
  requestedBy: string | undefined,
  at: Date,
): Promise<Build> {
  const redeployment = redeploymentOf(source, kind, sk, requestedBy);
  try {
    return await builds.create(redeployment, at);
  } catch (error) {
    if (!(error instanceof BuildAlreadyExistsError)) throw error;
    const { existing } = error;
    // A KSUID's 16 random bytes make another build under this key unheard of; it is never taken for ours.
    if (existing.kind !== kind || existing.redeployOf !== buildIdOf(source) || existing.requestedBy !== requestedBy) throw error;
    return existing;
  }
}
