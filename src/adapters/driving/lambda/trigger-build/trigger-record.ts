import type { DynamoDBRecord } from 'aws-lambda';
import type { TriggerBuildService, TriggerOutcome } from '../../../../app/index.js';
import { IllegalTransitionError, OrchestratorError, buildIdOf, environmentIdOf, type BuildKey } from '../../../../domain/index.js';
import type { LogAttributes, Logger } from '../../../../ports/index.js';
import { BuildMetric, type InvocationCounts } from '../observability/build-metrics.js';
import { parseStreamRecord } from './stream-record.js';

export interface TriggerRecordDeps {
  readonly trigger: TriggerBuildService;
  readonly logger: Logger;
  readonly s3Bucket: string;
}

/**
 * Handles one stream record and maps what happened to the stream's two
 * answers: done (`true`), or deliver again (`false`); counts started builds
 * and start failures into the invocation's counts.
 *
 * Done: ignored records, started, waiting or skipped builds, builds recorded
 * FAILED (permanent start errors, items that do not read as builds), records
 * that name no build, and refused transitions (a redelivery would be refused
 * the same way). Deliver again: anything else thrown (transient start
 * errors, DynamoDB errors): the build stays PENDING.
 *
 * The release of an environment's lock (a REMOVE of its item) is the
 * hand-off: the environment's next build starts. A hand-off that fails is
 * delivered again like a build's record; the sweeper is the safety net.
 */
export function createRecordProcessor(deps: TriggerRecordDeps): (record: DynamoDBRecord, counts: InvocationCounts) => Promise<boolean> {
  const { trigger, logger, s3Bucket } = deps;
  return async (record, counts) => {
    const context = { eventId: record.eventID, sequenceNumber: record.dynamodb?.SequenceNumber };
    let buildId: string | undefined;
    try {
      const work = parseStreamRecord(record);
      switch (work.kind) {
        case 'ignore':
          logger.debug('Record ignored', { ...context, reason: work.reason });
          return true;
        case 'unidentifiable':
          logger.error('Record skipped: it names no build', { ...context, reason: work.reason });
          return true;
        case 'trigger': {
          buildId = buildIdOf(work.key);
          const outcome = await trigger.trigger(work.key, { s3Bucket });
          countOutcome(counts, outcome);
          logOutcome(logger, work.key, outcome, context);
          return true;
        }
        case 'hand-off': {
          const handedOff = await trigger.triggerNext(work.environment, { s3Bucket });
          if (handedOff.build === undefined) {
            logger.info('Environment released; no build waits', { ...context, environment: environmentIdOf(work.environment) });
            return true;
          }
          buildId = buildIdOf(handedOff.build);
          countOutcome(counts, handedOff.outcome);
          logOutcome(logger, handedOff.build, handedOff.outcome, { ...context, handOff: environmentIdOf(work.environment) });
          return true;
        }
      }
    } catch (error) {
      if (error instanceof IllegalTransitionError) {
        logger.warn('Build not started: its record refused the start', { ...context, buildId, ...errorAttributes(error) });
        return true;
      }
      counts.add(BuildMetric.StartFailedTransiently);
      logger.warn('Record will be delivered again; the build stays PENDING', { ...context, buildId, ...errorAttributes(error) });
      return false;
    }
  };
}

function countOutcome(counts: InvocationCounts, outcome: TriggerOutcome): void {
  if (outcome.outcome === 'started' && outcome.transitioned) counts.add(BuildMetric.Started);
  if (outcome.outcome === 'failed') counts.add(BuildMetric.StartFailedPermanently);
}

function logOutcome(logger: Logger, build: BuildKey, outcome: TriggerOutcome, context: LogAttributes): void {
  const attributes = { ...context, buildId: buildIdOf(build), ...outcome };
  // A failed start was already logged as an error, with its reason, when the build was marked FAILED.
  if (outcome.outcome === 'failed' || outcome.outcome === 'superseded') logger.info('Build recorded FAILED', attributes);
  else if (outcome.outcome === 'ended') logger.warn('Build not started: its execution had already ended', attributes);
  else if (outcome.outcome === 'waiting') logger.info('Build waits for its environment', attributes);
  else logger.info(outcome.outcome === 'started' ? 'Build started' : 'Build skipped', attributes);
}

/** What an error says about itself; SDK errors carry no request data, so no secrets. */
function errorAttributes(error: unknown): LogAttributes {
  if (!(error instanceof Error)) return { error: String(error) };
  return {
    errorName: error.name,
    errorMessage: error.message,
    ...(error instanceof OrchestratorError ? { errorCode: error.code } : {}),
  };
}
