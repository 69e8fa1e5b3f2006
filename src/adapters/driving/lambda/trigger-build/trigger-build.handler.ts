import type { Context, DynamoDBBatchItemFailure, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { TriggerBuildService } from '../../../../app/index.js';
import { ValidationError } from '../../../../domain/index.js';
import type { Logger } from '../../../../ports/index.js';
import { processInItemOrder } from '../batch/item-ordered-batch.js';
import { BuildMetric } from '../observability/build-metrics.js';
import { observed, type HandlerObservability } from '../observability/observed-handler.js';
import { itemKeyOf } from './stream-record.js';
import { createRecordProcessor } from './trigger-record.js';

export interface TriggerBuildHandlerDeps extends HandlerObservability {
  /** Starts a build as its stream record asks (`container.get(TriggerBuildService)`). */
  readonly trigger: TriggerBuildService;
  /** The logger the services log to: a Powertools logger gets each invocation's Lambda context. */
  readonly logger: Logger;
  /** The artifacts bucket; each build's artifacts are at `{repo}/{branch}/{version}`. */
  readonly s3Bucket: string;
  /** Items processed at the same time (default 10); records of one item are always processed in order. */
  readonly concurrency?: number | undefined;
}

export type TriggerBuildHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

const DEFAULT_CONCURRENCY = 10;

/**
 * The trigger-build Lambda handler for the builds table's DynamoDB stream:
 * starts one Step Functions execution per new build (INSERT) and, under the
 * `queue` and `supersede` policies, the next build of an environment whose
 * lock was released (the REMOVE of the lock item: the hand-off); ignores
 * everything else (MODIFY, other REMOVEs, latest pointers). A build whose
 * environment is busy stays `PENDING` and its record is done: the hand-off
 * starts it.
 *
 * Answers with a partial batch response (the event source mapping needs
 * `FunctionResponseTypes: ["ReportBatchItemFailures"]`): a record that failed
 * transiently is reported by its sequence number and its build stays
 * `PENDING`; a build that can never start is recorded `FAILED` with the reason
 * and its record succeeds.
 *
 * Counts `BuildsStarted`, `BuildStartFailuresPermanent` and
 * `BuildStartFailuresTransient` when given `metrics`.
 *
 * Call it once, outside the Lambda handler.
 *
 * @example
 * ```ts
 * import { TOKENS, TriggerBuildService } from '@aws-deployer/orchestrator';
 * import { createAwsContainer, createTriggerBuildHandler } from '@aws-deployer/orchestrator/lambda';
 *
 * const container = createAwsContainer({ tableName: 'prd-aws-deployer--builds', stateMachineArn });
 * export const handler = createTriggerBuildHandler({
 *   trigger: container.get(TriggerBuildService),
 *   logger: container.get(TOKENS.Logger),
 *   s3Bucket: 'my-artifacts-bucket',
 * });
 * // const { batchItemFailures } = await handler(dynamoDbStreamEvent, context);
 * ```
 */
export function createTriggerBuildHandler(deps: TriggerBuildHandlerDeps): TriggerBuildHandler {
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new ValidationError('concurrency', 'must be a positive integer');
  }
  if (typeof deps.s3Bucket !== 'string' || deps.s3Bucket.length === 0) {
    throw new ValidationError('s3Bucket', 'must not be empty');
  }
  const { logger } = deps;
  const process = createRecordProcessor({
    trigger: deps.trigger,
    logger,
    s3Bucket: deps.s3Bucket,
  });
  const counted = [BuildMetric.Started, BuildMetric.StartFailedPermanently, BuildMetric.StartFailedTransiently];

  return observed({ logger, metrics: deps.metrics, counted }, async (event: DynamoDBStreamEvent, _context, counts) => {
    const records = event.Records;
    const retry = await processInItemOrder(records, { concurrency, itemKeyOf, process: (record) => process(record, counts) });
    const batchItemFailures = retry.flatMap((record) => batchItemFailureOf(record, logger));
    logger.info('Batch done', { records: records.length, retried: batchItemFailures.length });
    return { batchItemFailures };
  });
}

/**
 * An empty identifier would fail the whole batch, so a record without a
 * sequence number cannot be retried: it is logged, with its event id, and dropped.
 */
function batchItemFailureOf(record: DynamoDBRecord, logger: Logger): DynamoDBBatchItemFailure[] {
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  if (sequenceNumber) return [{ itemIdentifier: sequenceNumber }];
  logger.error('Record dropped: it must be delivered again but has no sequence number', { eventId: record.eventID });
  return [];
}
