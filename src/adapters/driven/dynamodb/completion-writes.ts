import {
  BuildNotFoundError,
  BuildRecordTooLargeError,
  buildIdOf,
  completionEffect,
  parseCompletion,
  parseRecordedBuildKey,
  toEpochSeconds,
  type BuildKey,
  type Completion,
} from '../../../domain/index.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';
import type {
  CompletionRecord,
  Logger,
  PendingCancellation,
  PendingCancellationOptions,
  ReleaseOptions,
  StartFailureOptions,
  StartFailureRecord,
} from '../../../ports/index.js';
import { requireDate, requireText } from '../arguments.js';
import { buildItemKey, latestPointerItem } from '../builds-table/build-item.js';
import { readItem, type BuildsTable } from './builds-table-access.js';
import { existingBuild, writeWithPointer, type BuildWrite, type WriteResult } from './conditional-writes.js';
import { WAITING_FOR, releaseWrites } from './environment-locks.js';
import { MAX_RESOLUTION_ROUNDS, mayBecome, type Condition } from './status-conditions.js';
import { REDRIVE_MARK, START_ATTEMPT, reasonForms, type ReasonForm } from './reason-forms.js';


/**
 * The writes that end a build (`SUCCESS` or `FAILED`), each with the latest
 * pointer (and, when asked, the release of the environment's lock the build
 * holds), in the first shape the item has room for.
 */
export class CompletionWrites {
  constructor(
    private readonly table: BuildsTable,
    private readonly logger: Logger | undefined,
  ) {}

  async recordCompletion(key: BuildKey, value: Completion, at: Date, options: ReleaseOptions = {}): Promise<CompletionRecord> {
    const valid = parseRecordedBuildKey(key);
    const completion = parseCompletion(value);
    const companions = releaseWrites(this.table, valid, options);
    for (let round = 0; round < MAX_RESOLUTION_ROUNDS; round += 1) {
      const result = await this.writeCompletionThatFits(valid, completion, (shape) =>
        writeWithPointer(this.table, valid, this.completionWrite(valid, shape, at), latestPointerItem(valid, completion.status, at), companions),
      );
      if (result.written) return { outcome: 'completed', status: completion.status };
      const build = existingBuild(valid, result.existing);
      const effect = completionEffect(build, completion);
      if (effect.kind === 'unchanged') return { outcome: 'already-completed', status: completion.status };
      if (effect.kind === 'illegal') return { outcome: 'refused', status: build.status, build, reason: effect.reason };
    }
    throw new Error(`Build ${buildIdOf(valid)} kept changing while its completion was recorded`);
  }

  /**
   * `PENDING -> FAILED` with the reason (and, for a stale build, the newer
   * build it was not deployed over), under `guard`; `superseded` when the
   * guard no longer holds. Like every end, it drops the start claim
   * (`START_ATTEMPT`), which leaves room for the reason in an item another
   * writer filled to just past the claim.
   */
  async failPendingBuild(key: BuildKey, reason: string, at: Date, guard: Condition, options: StartFailureOptions = {}): Promise<StartFailureRecord> {
    const valid = parseRecordedBuildKey(key);
    const completion = parseCompletion({ status: 'FAILED', errorMsg: reason });
    const companions = releaseWrites(this.table, valid, options);
    const result = await this.writeCompletionThatFits(
      valid,
      completion,
      (shape) => writeWithPointer(this.table, valid, this.completionWrite(valid, shape, at, guard), latestPointerItem(valid, 'FAILED', at), companions),
      withoutUndefined({ supersededBy: options.supersededBy }),
    );
    if (result.written) return { outcome: 'failed' };
    if (!result.existing) throw new BuildNotFoundError(valid);
    return { outcome: 'superseded' };
  }

  /**
   * A person's cancel (or a rollback's) of a `PENDING` build no start attempt
   * holds: `PENDING -> FAILED` with the reason, who cancelled it, and the
   * build deploying in its place, in the first form the item has room for.
   */
  async cancelPending(key: BuildKey, options: PendingCancellationOptions): Promise<PendingCancellation> {
    const valid = parseRecordedBuildKey(key);
    const completion = parseCompletion({ status: 'FAILED', errorMsg: options.reason });
    requireDate('at', options.at);
    if (options.cancelledBy !== undefined) requireText('cancelledBy', options.cancelledBy);
    if (options.supersededBy !== undefined) requireText('supersededBy', options.supersededBy);
    // Guards: the build is PENDING and no start attempt holds it. A claimed build may be starting its
    // execution right now: ending it here would let that execution deploy a build recorded FAILED.
    const guard: Condition = { expression: `#status = :pending AND attribute_not_exists(${START_ATTEMPT})`, values: { ':pending': 'PENDING' } };
    const result = await this.writeCompletionThatFits(
      valid,
      completion,
      (shape) => writeWithPointer(this.table, valid, this.completionWrite(valid, shape, options.at, guard), latestPointerItem(valid, 'FAILED', options.at)),
      withoutUndefined({ supersededBy: options.supersededBy, cancelledBy: options.cancelledBy }),
    );
    if (result.written) return { outcome: 'cancelled', build: existingBuild(valid, await readItem(this.table, valid)) };
    const build = existingBuild(valid, result.existing);
    if (build.status !== 'PENDING') return { outcome: 'refused', status: build.status, build, reason: `it is ${build.status}` };
    return { outcome: 'starting', build };
  }

  /**
   * Writes a completion in the first shape the item has room for: the status
   * must land even when the item is near DynamoDB's 400 KB limit, so the
   * reason is cut short, then replaced by a few words saying it did not fit,
   * then by fewer words without `finished_at`; each of these is tried with
   * the execution's ARN, then without it (the condition still names it);
   * only then is the reason left out, and `finished_at`.
   */
  private async writeCompletionThatFits(
    key: BuildKey,
    completion: Completion,
    write: (shape: CompletionShape) => Promise<WriteResult>,
    marks: EndMarks = {},
  ): Promise<WriteResult> {
    const shapes = completionShapes(completion, marks);
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
    let condition = guard.expression;
    if (shape.ownExecutionArn !== undefined) {
      // Guards, in a form that leaves the ARN out: a build that records an execution is ended only by that one.
      condition = `(${condition}) AND (attribute_not_exists(execution_arn) OR execution_arn = :own)`;
      values[':own'] = shape.ownExecutionArn;
    }
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
    if (shape.supersededBy !== undefined) {
      set.push('superseded_by = :superseded');
      values[':superseded'] = shape.supersededBy;
    }
    if (shape.cancelledBy !== undefined) {
      set.push('cancelled_by = :cancelled');
      values[':cancelled'] = shape.cancelledBy;
    }
    // The redrive mark has served its purpose once the build records how its execution ended; an
    // ended build waits for nothing.
    const remove: string[] = [REDRIVE_MARK, WAITING_FOR, START_ATTEMPT];
    if (shape.errorMsg === undefined) remove.unshift('error_msg');
    return {
      Update: {
        TableName: this.table.tableName,
        Key: buildItemKey(key),
        UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      },
    };
  }
}

/** What an end records besides its reason: the build deploying in its place, who cancelled it. */
interface EndMarks {
  readonly supersededBy?: string;
  readonly cancelledBy?: string;
}

/** One form of a completion write; see `writeCompletionThatFits`. */
interface CompletionShape extends Completion, EndMarks {
  readonly finishedAt: boolean;
  /** The reporting execution, when this form leaves its ARN out: the write's condition still names it. */
  readonly ownExecutionArn?: string | undefined;
}

/** A form of the reason, and the marks that go with it when they fit with it. */
type ShapeForm = ReasonForm & EndMarks;

/**
 * The completion as asked, then smaller and smaller forms of it, each written
 * only if the one before did not fit. The marks (a stale build's
 * `supersededBy`, a cancel's `cancelledBy`) go with the reason while both
 * fit; then the reason's forms are tried alone.
 */
function completionShapes(completion: Completion, marks: EndMarks): CompletionShape[] {
  const { errorMsg, executionArn, ...status } = completion;
  const reasons = reasonForms(errorMsg);
  const forms: ShapeForm[] =
    marks.supersededBy === undefined && marks.cancelledBy === undefined
      ? reasons
      : [...reasons.filter((form) => form.errorMsg !== undefined).map((form) => ({ ...form, ...marks })), ...reasons];
  const withArn = (form: ShapeForm): CompletionShape => ({ ...status, ...form, ...(executionArn === undefined ? {} : { executionArn }) });
  // The item has no room even for the ARN (its start could not record it either): the end lands
  // without it, the condition still naming the execution.
  const withoutArn = (form: ShapeForm): CompletionShape => ({ ...status, ...form, ownExecutionArn: executionArn });
  const arnForms = (some: readonly ShapeForm[]): CompletionShape[] =>
    executionArn === undefined ? some.map(withArn) : [...some.map(withArn), ...some.map(withoutArn)];
  // A failure keeps a few words of reason before it keeps the ARN: the execution is found by its
  // derived name, a FAILED build without a reason tells nobody anything.
  const reasoned = forms.filter((form) => form.errorMsg !== undefined);
  const unreasoned = forms.filter((form) => form.errorMsg === undefined);
  return [...arnForms(reasoned), ...arnForms(unreasoned)];
}
