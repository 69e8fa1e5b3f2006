import * as z from 'zod/mini';
import { ValidationError } from './orchestrator.errors.js';
import { nonEmptyText, parseWith } from './validation.js';

/** Identity of a build: `pk = "{repo}/{env}"`, `sk` a KSUID. */
export interface BuildKey {
  readonly repo: string;
  readonly env: string;
  readonly sk: string;
}

// `/` and `:` separate the parts of `pk` and of the build id, so they may not
// appear inside a part; whitespace and control characters never belong in one.
const SEPARATOR_OR_BLANK = /[/:\s\p{Cc}]/u;

const identityPart = z.string({ error: 'must be a string' }).check(
  z.minLength(1, { error: 'must not be empty' }),
  z.maxLength(256, { error: 'must be at most 256 characters' }),
  z.refine((value) => !SEPARATOR_OR_BLANK.test(value), {
    error: 'must not contain "/", ":", whitespace or control characters',
  }),
);

/**
 * A KSUID is 27 base62 characters; letters and digits only are accepted so the
 * execution name can always carry `sk` whole and lexical order stays time order.
 */
const sortKey = z
  .string({ error: 'must be a string' })
  .check(z.regex(/^[0-9A-Za-z]{1,64}$/, { error: 'must be 1 to 64 letters or digits (a KSUID)' }));

/** The partition prefix of the "latest" pointers (`latest/{env}`): a repo of that name would share their partition. */
export const LATEST_POINTER_REPO = 'latest';

/**
 * Whether a partition key is the "latest" pointers' (`latest/{env}`). A build
 * of a repo named `latest` shares it: tell the two apart with
 * {@link isLatestPointerKey}.
 */
export function isLatestPointerPartition(pk: string): boolean {
  return pk.startsWith(`${LATEST_POINTER_REPO}/`);
}

/**
 * Whether an item's key is a "latest" pointer's: partition `latest/{env}` and
 * sort key `{repo}/{env}`. A build's sort key is a KSUID and never holds a
 * `/`, so a build of a repo named `latest` (which another writer may have
 * created, and which can never be deployed) is not taken for a pointer.
 */
export function isLatestPointerKey(pk: string, sk: string): boolean {
  return isLatestPointerPartition(pk) && sk.includes('/');
}

const notLatestPointerRepo = z.refine<string>((repo) => repo !== LATEST_POINTER_REPO, {
  error: `"${LATEST_POINTER_REPO}" is reserved for the latest-build pointers`,
});

export const buildKeySchema = z.object({
  repo: identityPart.check(notLatestPointerRepo),
  env: identityPart,
  sk: sortKey,
});

/** Validates a build key, throwing a {@link ValidationError} that names the field. */
export function parseBuildKey(value: unknown): BuildKey {
  return parseWith(buildKeySchema, value);
}


/**
 * The key of a build that is already in the table. Another writer (the Go
 * implementation, an operator) may have given it parts a new build may not
 * have: a space in `repo`, a UUID as `sk`... Such a build must still be
 * readable, startable or recordable `FAILED`, and finishable, so its key only
 * has to address it unambiguously: `pk` splits at its first `/` (so `repo`
 * holds none) and the build id at the first `:` after it (so `env` holds none).
 * Whether the build can be deployed is the execution input's question.
 */
export const recordedBuildKeySchema = z.object({
  // A repo named "latest" is allowed here when its sk cannot be a pointer's (see the check below
  // and isLatestPointerKey): such a build must be readable to be recorded FAILED.
  repo: nonEmptyText.check(z.refine((repo) => !repo.includes('/'), { error: 'must not contain "/"' })),
  env: nonEmptyText.check(z.refine((env) => !env.includes(':'), { error: 'must not contain ":"' })),
  sk: nonEmptyText,
}).check(
  z.refine((key) => key.repo !== LATEST_POINTER_REPO || !key.sk.includes('/'), {
    error: `"${LATEST_POINTER_REPO}" with an sk holding "/" is a latest-build pointer's key, not a build's`,
    path: ['repo'],
  }),
);

/** Validates the key of a build already recorded (see {@link recordedBuildKeySchema}). */
export function parseRecordedBuildKey(value: unknown): BuildKey {
  return parseWith(recordedBuildKeySchema, value);
}

/** The partition key of a build: `"{repo}/{env}"`. */
export function partitionKeyOf(key: Pick<BuildKey, 'repo' | 'env'>): string {
  return `${key.repo}/${key.env}`;
}

/** The build id: `"{repo}/{env}:{sk}"`. */
export function buildIdOf(key: BuildKey): string {
  return `${partitionKeyOf(key)}:${key.sk}`;
}

/**
 * Reads a build id back into its key. It addresses a recorded build, so its
 * parts follow {@link parseRecordedBuildKey}: a build another writer gave an
 * odd key can still be read and finished by its id.
 */
export function parseBuildId(id: string): BuildKey {
  const match = typeof id === 'string' ? /^([^/]*)\/([^:]*):(.*)$/s.exec(id) : null;
  if (!match) throw new ValidationError('id', 'must look like "{repo}/{env}:{sk}"');
  const [, repo, env, sk] = match;
  return parseRecordedBuildKey({ repo, env, sk });
}

const environmentSchema = z.pick(buildKeySchema, { repo: true, env: true });

/** Validates an environment (a repo and env a new build may have), throwing a {@link ValidationError} that names the field. */
export function parseEnvironment(value: unknown): { readonly repo: string; readonly env: string } {
  return parseWith(environmentSchema, value);
}
