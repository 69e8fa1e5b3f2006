/**
 * Counts the AWS calls an SDK client makes, by operation name, with a
 * middleware in the deserialize step: it runs once per attempt (after the
 * retry middleware), so a retried call counts each time it goes on the wire.
 * A `DynamoDBDocumentClient.from(client)` shares the client's middleware
 * stack: its commands count as the DynamoDB operation they wrap
 * (`TransactWriteCommand` as `TransactWriteItems`). The benchmarks do not
 * import test/ (test/support/recording-clients.ts records at the initialize
 * step, once per send, for the IAM tests); the two agree when nothing is
 * retried.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';

/** One call as it went on the wire. */
export interface RecordedCall {
  /** `DynamoDB` or `StepFunctions`. */
  readonly service: string;
  /** `TransactWriteItems`, `Query`, `StartExecution`... */
  readonly operation: string;
  /** Items in a `TransactWriteItems`, with their kinds (`Update`, `Put`, `Delete`, `ConditionCheck`). */
  readonly transactItems?: readonly string[];
}

export class CallRecorder {
  private calls: RecordedCall[] = [];

  /** Records every call `client` sends from now on under `service`. */
  watch(client: DynamoDBClient | SFNClient, service: string): void {
    // The two clients' stacks differ only in their input and output types, which this reads loosely.
    (client as DynamoDBClient).middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName).replace(/Command$/, '');
        const input = args.input as { TransactItems?: Array<Record<string, unknown>> };
        this.calls.push({
          service,
          operation,
          ...(input.TransactItems === undefined ? {} : { transactItems: input.TransactItems.map((item) => Object.keys(item)[0] ?? '?') }),
        });
        return next(args);
      },
      { step: 'deserialize', name: 'benchCallRecorder' },
    );
  }

  /** The calls of `run` alone. */
  async during(run: () => Promise<unknown>): Promise<RecordedCall[]> {
    this.calls = [];
    await run();
    const calls = this.calls;
    this.calls = [];
    return calls;
  }
}

/**
 * The calls as one line, in the order made, repeats folded:
 * `TransactWriteItems(Update+Put) + Query + StartExecution + TransactWriteItems(Update+Put)`.
 */
export function describeCalls(calls: readonly RecordedCall[]): string {
  if (calls.length === 0) return 'none';
  return calls.map((call) => (call.transactItems === undefined ? call.operation : `${call.operation}(${call.transactItems.join('+')})`)).join(' + ');
}

/** Calls per operation name, e.g. `{ TransactWriteItems: 2, Query: 1, StartExecution: 1 }`. */
export function countByOperation(calls: readonly RecordedCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[call.operation] = (counts[call.operation] ?? 0) + 1;
  return counts;
}
