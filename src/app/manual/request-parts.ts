import {
  BuildNotFoundError,
  BuildUnreadableError,
  ValidationError,
  parseRecordedBuildKey,
  parseWith,
  requestedBySchema,
  type Build,
  type BuildKey,
} from '../../domain/index.js';
import type { BuildRepository } from '../../ports/index.js';
import type { ManualDeploymentRefusal, ManualDeploymentResult } from './manual-deployment-result.js';

/** A step of a request: its value, or the refusal that ends the request. */
export type Step<Value> = { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly error: ManualDeploymentRefusal };

export function refusal(error: ManualDeploymentRefusal): Extract<ManualDeploymentResult, { ok: false }> {
  return { ok: false, error };
}

/** The request's build key and caller, validated; a bad one is a `ValidationError` naming the field. */
export function parseRequest(build: unknown, requestedBy: unknown): Step<{ key: BuildKey; requestedBy: string | undefined }> {
  try {
    const key = parseRecordedBuildKey(build);
    return { ok: true, value: { key, requestedBy: parseRequestedBy(requestedBy) } };
  } catch (error) {
    if (error instanceof ValidationError) return { ok: false, error };
    throw error;
  }
}

/** `requestedBy`, validated (absent or visible text up to 2,048 characters). */
export function parseRequestedBy(requestedBy: unknown): string | undefined {
  if (requestedBy === undefined) return undefined;
  try {
    return parseWith(requestedBySchema, requestedBy);
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError('requestedBy', error.reason);
    throw error;
  }
}

/** The build as recorded now, or why there is none to act on (missing, or its item does not read as a build). */
export async function readBuild(builds: BuildRepository, key: BuildKey): Promise<Step<Build>> {
  try {
    const build = await builds.get(key);
    return build === undefined ? { ok: false, error: new BuildNotFoundError(key) } : { ok: true, value: build };
  } catch (error) {
    if (error instanceof ValidationError) return { ok: false, error: new BuildUnreadableError(key, error.message, { cause: error }) };
    throw error;
  }
}
