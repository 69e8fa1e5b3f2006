import type { DynamoDBRecord } from 'aws-lambda';
import {
  ValidationError,
  environmentOfLockKey,
  isEnvironmentLockKey,
  isLatestPointerKey,
  parseRecordedBuildKey,
  type BuildKey,
} from '../../../../domain/index.js';

/** What a stream record asks of trigger-build. */
export type StreamWork =
  /** Not a new build (MODIFY, REMOVE, a latest pointer): nothing to do. */
  | { readonly kind: 'ignore'; readonly reason: string }
  /** Names no build, so there is nothing to start or to mark FAILED. */
  | { readonly kind: 'unidentifiable'; readonly reason: string }
  /** A new build: start it as the table holds it. */
  | { readonly kind: 'trigger'; readonly key: BuildKey }
  /** An environment's lock was released (queue, supersede): start its next build. */
  | { readonly kind: 'hand-off'; readonly environment: { readonly repo: string; readonly env: string } };

/**
 * The record's item, as a grouping key: records with the same key must be
 * handled in stream order. `undefined` when the record names no item.
 */
export function itemKeyOf(record: DynamoDBRecord): string | undefined {
  const { pk, sk } = keysOf(record);
  return pk === undefined || sk === undefined ? undefined : JSON.stringify([pk, sk]);
}

/**
 * Classifies a stream record. Never throws for bad input: every defect is a
 * {@link StreamWork}.
 *
 * An INSERT only says which build is new: the build is read from the table
 * when it is claimed, so a stale, redelivered or odd image never decides
 * what is deployed, and the stream view type may be `KEYS_ONLY`. The REMOVE
 * of an environment lock (its release) names the environment by its key
 * alone, which every stream view type carries.
 */
export function parseStreamRecord(record: DynamoDBRecord): StreamWork {
  const { pk, sk } = keysOf(record);
  if (record.eventName === 'REMOVE' && pk !== undefined && sk !== undefined && isEnvironmentLockKey(pk, sk)) {
    return { kind: 'hand-off', environment: environmentOfLockKey(sk) };
  }
  if (record.eventName !== 'INSERT') {
    return { kind: 'ignore', reason: `${record.eventName ?? 'an unnamed'} event does not create a build` };
  }
  if (pk === undefined || sk === undefined) return { kind: 'unidentifiable', reason: 'the record has no string pk and sk' };
  if (isLatestPointerKey(pk, sk)) return { kind: 'ignore', reason: 'a latest pointer is not a build' };
  if (isEnvironmentLockKey(pk, sk)) return { kind: 'ignore', reason: 'an environment lock is not a build' };

  const key = buildKeyOf(pk, sk);
  if ('reason' in key) return { kind: 'unidentifiable', reason: key.reason };
  return { kind: 'trigger', key };
}

function keysOf(record: DynamoDBRecord): { pk: string | undefined; sk: string | undefined } {
  const keys = record.dynamodb?.Keys ?? record.dynamodb?.NewImage;
  return { pk: keys?.pk?.S, sk: keys?.sk?.S };
}

/**
 * A build's `pk` is `{repo}/{env}`, split at its first `/`. The key only has
 * to address the item (see `parseRecordedBuildKey`): whether the build can be
 * deployed is decided when it is started, and a build that cannot be is
 * recorded FAILED with the reason, never left PENDING.
 */
function buildKeyOf(pk: string, sk: string): BuildKey | { reason: string } {
  const slash = pk.indexOf('/');
  if (slash < 0) return { reason: `pk "${pk}" is not "{repo}/{env}"` };
  try {
    return parseRecordedBuildKey({ repo: pk.slice(0, slash), env: pk.slice(slash + 1), sk });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { reason: `pk "${pk}" and sk "${sk}" name no build: ${error.message}` };
  }
}
