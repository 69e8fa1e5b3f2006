import {
  BuildNotFoundError,
  BuildRecordTooLargeError,
  TRUNCATION_MARK,
  buildIdOf,
  completionEffect,
  parseCompletion,
  parseRecordedBuildKey,
  toEpochSeconds,
  type BuildKey,
  type Completion,
} from '../../../domain/index.js';
import type { CompletionRecord, Logger, StartFailureRecord } from '../../../ports/index.js';
import { buildItemKey, latestPointerItem } from '../builds-table/build-item.js';
import type { BuildsTable } from './builds-table-access.js';
import { existingBuild, writeWithPointer, type BuildWrite, type WriteResult } from './conditional-writes.js';
import { MAX_RESOLUTION_ROUNDS, mayBecome, type Condition } from './status-conditions.js';

// An error_msg cut to this many characters when the whole one does not fit the item.
const SHORT_ERROR_MESSAGE_LENGTH = 256;
// The reason a FAILED build keeps when not even the short one fits: a failure always says something.
const REASON_DID_NOT_FIT = 'reason left out: the item is at the 400 KB limit';

/**
 * The writes that end a build (`SUCCESS` or `FAILED`), each with the latest
 * pointer, in the first shape the item has room for.
 */
export class CompletionWrites {
  constructor(
    private readonly table: BuildsTable,
    private readonly logger: Logger | undefined,
  ) {}

  async recordCompletion(key: BuildKey, value: Completion, at: Date): Promise<CompletionRecord> {
    const valid = parseRecordedBuildKey(key);
    const completion = parseCompletion(value);
    for (let round = 0; round < MAX_RESOLUTION_ROUNDS; round += 1) {
      const result = await this.writeCompletionThatFits(valid, completion, (shape) =>
        writeWithPointer(this.table, valid, this.completionWrite(valid, shape, at), latestPointerItem(valid, completion.status, at)),
      );
      if (result.written) return { outcome: 'completed', status: completion.status };
      const build = existingBuild(valid, result.existing);
      const effect = completionEffect(build, completion);
      if (effect.kind === 'unchanged') return { outcome: 'already-completed', status: completion.status };
      if (effect.kind === 'illegal') return { outcome: 'refused', status: build.status, build, reason: effect.reason };
    }
    throw new Error(`Build ${buildIdOf(valid)} kept changing while its completion was recorded`);
  }

  /** `PENDING -> FAILED` with the reason, under `guard`; `superseded` when the guard no longer holds. */
  async failPendingBuild(key: BuildKey, reason: string, at: Date, guard: Condition): Promise<StartFailureRecord> {
    const valid = parseRecordedBuildKey(key);
    const completion = parseCompletion({ status: 'FAILED', errorMsg: reason });
    const result = await this.writeCompletionThatFits(valid, completion, (shape) =>
      writeWithPointer(this.table, valid, this.completionWrite(valid, shape, at, guard), latestPointerItem(valid, 'FAILED', at)),
    );
    if (result.written) return { outcome: 'failed' };
    if (!result.existing) throw new BuildNotFoundError(valid);
    return { outcome: 'superseded' };
  }

  /**
   * Writes a completion in the first shape the item has room for: the status
   * must land even when the item is near DynamoDB's 400 KB limit, so the
   * reason is cut short, then replaced by a few words saying it did not fit,
   * then left out, and last `finished_at` is left out.
   */
  private async writeCompletionThatFits(
    key: BuildKey,
    completion: Completion,
    write: (shape: CompletionShape) => Promise<WriteResult>,
  ): Promise<WriteResult> {
    const shapes = completionShapes(completion);
    for (const [index, shape] of shapes.entries()) {
      try {
        return await write(shape);
      } catch (error) {
        if (!(error instanceof BuildRecordTooLargeError) || index === shapes.length - 1) throw error;
        this.logger?.warn('Build item too large for the completion; writing a smaller one', {
          buildId: buildIdOf(key),
          status: completion.status,
        });
      }
    }
    throw new Error('unreachable: completionShapes is never empty');
  }

  private completionWrite(
    key: BuildKey,
    shape: CompletionShape,
    at: Date,
    // Guards by default: the table allows the terminal status from the build's current one.
    guard: Condition = mayBecome(shape.status, { redriven: shape.redriven === true }),
  ): BuildWrite {
    const set = ['#status = :to', 'updated_at = :at'];
    const values: Record<string, unknown> = { ...guard.values, ':to': shape.status, ':at': toEpochSeconds(at) };
    if (shape.finishedAt) set.push('finished_at = :at');
    if (shape.executionArn !== undefined) {
      // Only a build that records no execution gains this one.
      set.push('execution_arn = if_not_exists(execution_arn, :arn)');
      values[':arn'] = shape.executionArn;
    }
    if (shape.errorMsg !== undefined) {
      set.push('error_msg = :error');
      values[':error'] = shape.errorMsg;
    }
    return {
      Update: {
        TableName: this.table.tableName,
        Key: buildItemKey(key),
        UpdateExpression: `SET ${set.join(', ')}${shape.errorMsg === undefined ? ' REMOVE error_msg' : ''}`,
        ConditionExpression: guard.expression,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      },
    };
  }
}

/** One form of a completion write; see `writeCompletionThatFits`. */
interface CompletionShape extends Completion {
  readonly finishedAt: boolean;
}

/** The completion as asked, then smaller and smaller forms of it, each written only if the one before did not fit. */
function completionShapes(completion: Completion): CompletionShape[] {
  const { errorMsg, ...withoutReason } = completion;
  const shapes: CompletionShape[] = [];
  if (errorMsg !== undefined) {
    shapes.push({ ...completion, finishedAt: true });
    if (errorMsg.length > SHORT_ERROR_MESSAGE_LENGTH) {
      const short = errorMsg.slice(0, SHORT_ERROR_MESSAGE_LENGTH - TRUNCATION_MARK.length) + TRUNCATION_MARK;
      shapes.push({ ...completion, errorMsg: short, finishedAt: true });
    }
    if (errorMsg.length > REASON_DID_NOT_FIT.length) shapes.push({ ...completion, errorMsg: REASON_DID_NOT_FIT, finishedAt: true });
  }
  shapes.push({ ...withoutReason, finishedAt: true }, { ...withoutReason, finishedAt: false });
  return shapes;
}
