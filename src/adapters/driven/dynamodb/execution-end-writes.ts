import {
  BuildRecordTooLargeError,
  buildIdOf,
  completionEffect,
  parseCompletion,
  parseRecordedBuildKey,
  toEpochSeconds,
  type Build,
  type BuildKey,
  type Completion,
} from '../../../domain/index.js';
import type { CompletionRecord, ExecutionEndOptions, Logger } from '../../../ports/index.js';
import { requireText } from '../arguments.js';
import { buildItemKey, latestPointerItem } from '../builds-table/build-item.js';
import type { BuildsTable } from './builds-table-access.js';
import { existingBuild, writeWithPointer, type BuildWrite, type WriteResult } from './conditional-writes.js';
import { WAITING_FOR, releaseWrites } from './environment-locks.js';
import { MAX_RESOLUTION_ROUNDS, mayBecome } from './status-conditions.js';
import { REDRIVE_MARK, START_ATTEMPT, reasonForms, type ReasonForm } from './reason-forms.js';


/**
 * The end of a build recorded from the execution whose ARN it records (the
 * sweeper holds both): the status write is conditional on that ARN, so only
 * the build's own execution ends it, whatever the execution's input says.
 */
export class ExecutionEndWrites {
  constructor(
    private readonly table: BuildsTable,
    private readonly logger: Logger | undefined,
  ) {}

  async recordExecutionEnd(key: BuildKey, executionArn: string, value: Completion, at: Date, options: ExecutionEndOptions = {}): Promise<CompletionRecord> {
    const valid = parseRecordedBuildKey(key);
    requireText('executionArn', executionArn);
    if (options.cancelledBy !== undefined) requireText('cancelledBy', options.cancelledBy);
    // The ARN is the condition here, never a value to attach.
    const { executionArn: _attach, ...completion } = parseCompletion(value);
    const companions = releaseWrites(this.table, valid, options);
    for (let round = 0; round < MAX_RESOLUTION_ROUNDS; round += 1) {
      const result = await this.writeThatFits(valid, executionArn, completion, at, companions, options.cancelledBy);
      if (result.written) return { outcome: 'completed', status: completion.status };
      const build = existingBuild(valid, result.existing);
      if (build.executionArn !== executionArn) return { outcome: 'refused', status: build.status, build, reason: notRecording(build) };
      const effect = completionEffect(build, completion);
      if (effect.kind === 'unchanged') return { outcome: 'already-completed', status: completion.status };
      if (effect.kind === 'illegal') return { outcome: 'refused', status: build.status, build, reason: effect.reason };
      // 'transition': the build changed between the write and the read; write again.
    }
    throw new Error(`Build ${buildIdOf(valid)} kept changing while the end of its execution was recorded`);
  }

  /** The write in its whole form, then smaller ones, each only if the one before did not fit DynamoDB's 400 KB. */
  private async writeThatFits(
    key: BuildKey,
    executionArn: string,
    completion: Completion,
    at: Date,
    companions: readonly BuildWrite[],
    cancelledBy: string | undefined,
  ): Promise<WriteResult> {
    const reasons = reasonForms(completion.errorMsg);
    // Who cancelled goes with the reason while both fit; then the reason's forms are tried alone.
    const shapes: (ReasonForm & { cancelledBy?: string })[] =
      cancelledBy === undefined ? reasons : [...reasons.filter((form) => form.errorMsg !== undefined).map((form) => ({ ...form, cancelledBy })), ...reasons];
    for (const [index, shape] of shapes.entries()) {
      try {
        return await writeWithPointer(
          this.table,
          key,
          this.endWrite(key, executionArn, completion, shape, at),
          latestPointerItem(key, completion.status, at),
          companions,
        );
      } catch (error) {
        if (!(error instanceof BuildRecordTooLargeError) || index === shapes.length - 1) throw error;
        this.logger?.warn('Build item too large for the completion; writing a smaller one', { buildId: buildIdOf(key), status: completion.status });
      }
    }
    throw new Error('unreachable: reasonForms is never empty');
  }

  private endWrite(
    key: BuildKey,
    executionArn: string,
    completion: Completion,
    { errorMsg, finishedAt, cancelledBy }: ReasonForm & { cancelledBy?: string },
    at: Date,
  ): BuildWrite {
    const from = mayBecome(completion.status, { redriven: completion.redriven === true });
    const values: Record<string, unknown> = { ...from.values, ':to': completion.status, ':at': toEpochSeconds(at), ':arn': executionArn };
    const set = ['#status = :to', 'updated_at = :at'];
    if (finishedAt) set.push('finished_at = :at');
    if (cancelledBy !== undefined) {
      set.push('cancelled_by = :cancelled');
      values[':cancelled'] = cancelledBy;
    }
    // The redrive mark has served its purpose once the build records how its execution ended; an
    // ended build waits for nothing.
    const remove: string[] = [REDRIVE_MARK, WAITING_FOR, START_ATTEMPT];
    if (errorMsg === undefined) remove.push('error_msg');
    else {
      set.push('error_msg = :error');
      values[':error'] = errorMsg;
    }
    return {
      Update: {
        TableName: this.table.tableName,
        Key: buildItemKey(key),
        UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
        // Guards: the transition table allows the status from the build's current one (FAILED -> SUCCESS
        // only for a redriven success), and the build records exactly this execution: an execution that
        // merely shares the build's name or input, or a build put back since with another, is never ended.
        ConditionExpression: `${from.expression} AND execution_arn = :arn`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      },
    };
  }
}

function notRecording(build: Build): string {
  return build.executionArn === undefined ? 'it records no execution' : `it records execution ${build.executionArn}`;
}
