import type { DynamoDBRecord } from 'aws-lambda';
import { ValidationError, buildIdOf, parseBuildKey, type Build, type BuildKey } from '../../domain/index.js';
import { isLatestPointerPartition } from '../dynamodb/build-item.mapper.js';
import { buildFromImage } from './stream-image.js';

/** What a stream record asks of trigger-build. */
export type StreamWork =
  /** Not a new build (MODIFY, REMOVE, a latest pointer): nothing to do. */
  | { readonly kind: 'ignore'; readonly reason: string }
  /** Names no build, so there is nothing to start or to mark FAILED. */
  | { readonly kind: 'unidentifiable'; readonly reason: string }
  /** A build whose record can never be started: it should become FAILED. */
  | { readonly kind: 'invalid'; readonly key: BuildKey; readonly reason: string }
  | { readonly kind: 'trigger'; readonly build: Build };

/**
 * The record's item, as a grouping key: records with the same key must be
 * handled in stream order. `undefined` when the record names no item.
 */
export function itemKeyOf(record: DynamoDBRecord): string | undefined {
  const { pk, sk } = keysOf(record);
  return pk === undefined || sk === undefined ? undefined : JSON.stringify([pk, sk]);
}

/** Classifies a stream record. Never throws for bad input: every defect is a {@link StreamWork}. */
export function parseStreamRecord(record: DynamoDBRecord): StreamWork {
  if (record.eventName !== 'INSERT') {
    return { kind: 'ignore', reason: `${record.eventName ?? 'an unnamed'} event does not create a build` };
  }
  const { pk, sk } = keysOf(record);
  if (pk !== undefined && isLatestPointerPartition(pk)) return { kind: 'ignore', reason: 'a latest pointer is not a build' };
  if (pk === undefined || sk === undefined) return { kind: 'unidentifiable', reason: 'the record has no string pk and sk' };

  const key = buildKeyOf(pk, sk);
  if ('reason' in key) return { kind: 'unidentifiable', reason: key.reason };

  const image = record.dynamodb?.NewImage;
  if (image === undefined) {
    return { kind: 'invalid', key, reason: 'The stream record has no NewImage: the stream view type must include new images' };
  }
  let build: Build;
  try {
    build = buildFromImage(image);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { kind: 'invalid', key, reason: `The build record is invalid: ${error.message}` };
  }
  if (buildIdOf(build) !== buildIdOf(key)) {
    return {
      kind: 'invalid',
      key,
      reason: `The build record is invalid: its repo, env and sk (${buildIdOf(build)}) do not match its pk and sk`,
    };
  }
  return { kind: 'trigger', build };
}

function keysOf(record: DynamoDBRecord): { pk?: string; sk?: string } {
  const keys = record.dynamodb?.Keys ?? record.dynamodb?.NewImage;
  return { pk: keys?.pk?.S, sk: keys?.sk?.S };
}

/** A build's `pk` is `{repo}/{env}`; neither part may contain `/`. */
function buildKeyOf(pk: string, sk: string): BuildKey | { reason: string } {
  const match = /^([^/]*)\/([^/]*)$/.exec(pk);
  if (!match) return { reason: `pk "${pk}" is not "{repo}/{env}"` };
  try {
    return parseBuildKey({ repo: match[1], env: match[2], sk });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { reason: `pk "${pk}" and sk "${sk}" name no build: ${error.message}` };
  }
}
