import * as z from 'zod/mini';

/**
 * Builds a person asks for, beside the ones the upload records: `redeploy`
 * (a build's version deployed again) and `rollback` (an earlier deployed
 * version deployed again). Stored as the build's `kind`; a build the upload
 * recorded has none, as Go's items have none.
 */
export const DEPLOYMENT_KINDS = ['redeploy', 'rollback'] as const;

export type DeploymentKind = (typeof DEPLOYMENT_KINDS)[number];

/**
 * The longest `requestedBy` kept: an IAM ARN is at most 2,048 characters
 * (an assumed role's session ARN included), so every caller fits.
 */
export const MAX_REQUESTED_BY_LENGTH = 2048;

/** Who asked (an IAM ARN, `local`, a user name): visible text, no control characters, 1 to 2,048 characters. */
export const requestedBySchema = z.string({ error: 'must be a string' }).check(
  z.minLength(1, { error: 'must not be empty' }),
  z.maxLength(MAX_REQUESTED_BY_LENGTH, { error: `must be at most ${MAX_REQUESTED_BY_LENGTH} characters` }),
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  z.regex(/^[^\u0000-\u001f\u007f]+$/u, { error: 'must not contain control characters' }),
);
