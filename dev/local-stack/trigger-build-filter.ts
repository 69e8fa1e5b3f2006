/**
 * The filter criteria of trigger-build's event source mapping, as the
 * construct sets them (src/cdk/build-orchestrator.ts, `triggerBuildFilters`),
 * for the local stream poller.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { ENVIRONMENT_LOCK_PARTITION, locksEnvironment, type ConcurrencyPolicy } from '../../src/index.js';

/**
 * What trigger-build is given of the stream under `concurrency`: the INSERTs
 * (new builds); under `queue` and `supersede` also the REMOVEs of the
 * environment locks (`pk = lock`), each a release that hands the
 * environment on to its next build. Everything else (MODIFYs, other
 * REMOVEs) is dropped before the handler, as Lambda's filters drop it.
 */
export function triggerBuildFilter(concurrency: ConcurrencyPolicy): (record: DynamoDBRecord) => boolean {
  const lockReleases = locksEnvironment(concurrency);
  return (record) =>
    record.eventName === 'INSERT' ||
    (lockReleases && record.eventName === 'REMOVE' && record.dynamodb?.Keys?.pk?.S === ENVIRONMENT_LOCK_PARTITION);
}
