/**
 * Fault and latency injection shared by the local endpoints that speak AWS
 * JSON protocols (the Step Functions endpoint, the DynamoDB fault proxy).
 * Faults are keyed by protocol operation name (`StartExecution`,
 * `TransactWriteItems`, ...), consumed first-in first-out by matching calls.
 */
import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What an injected fault does. An error code is answered as that service
 * error; `ConnectionReset` destroys the connection without an answer (the SDK
 * sees a network error); `Timeout` never answers (the client's own timeout fires).
 */
export type InjectedFault =
  | 'ThrottlingException'
  | 'InternalServerError'
  | 'ServiceUnavailable'
  | 'ExecutionLimitExceeded'
  | 'KmsThrottlingException'
  | 'KmsAccessDeniedException'
  | 'KmsInvalidStateException'
  | 'ProvisionedThroughputExceededException'
  | 'ConnectionReset'
  | 'Timeout'
  | (string & {});

/** A fault to answer matching calls with, in place of (or after) the real operation. */
export interface FaultInjection {
  /** Operation to fault, e.g. `StartExecution`; every operation when omitted. */
  operation?: string;
  fault: InjectedFault;
  /** How many matching calls the fault answers (default 1). SDK retries are calls too. */
  times?: number;
  /**
   * When true the operation takes effect first and only its response is
   * replaced by the fault: "the write happened but the answer was lost".
   */
  afterApply?: boolean;
  /** Error message (default names the fault). */
  message?: string;
  /** HTTP status for an error-code fault (default 500/503 for server faults, 400 otherwise). */
  httpStatus?: number;
}

export interface PendingFault {
  readonly operation: string | undefined;
  readonly fault: InjectedFault;
  readonly afterApply: boolean;
  readonly message: string;
  readonly httpStatus: number;
  remaining: number;
}

// Codes the services answer with a 5xx; every other injected code is a 400,
// which is how AWS JSON services report throttling and their modelled errors.
const SERVER_FAULT_STATUS: Readonly<Record<string, number>> = {
  InternalServerError: 500,
  InternalFailure: 500,
  ServiceUnavailable: 503,
};

/** The faults, latencies and call counts of one endpoint. */
export class WireFaults {
  private readonly callCounts = new Map<string, number>();
  private readonly latencies = new Map<string | undefined, number>();
  private faults: PendingFault[] = [];

  constructor(private readonly errorType: (code: string) => string = (code) => code) {}

  inject(injection: FaultInjection): void {
    this.faults.push({
      operation: injection.operation,
      fault: injection.fault,
      afterApply: injection.afterApply ?? false,
      message: injection.message ?? `Injected fault: ${injection.fault}`,
      httpStatus: injection.httpStatus ?? SERVER_FAULT_STATUS[injection.fault] ?? 400,
      remaining: injection.times ?? 1,
    });
  }

  setLatency(ms: number, operation?: string): void {
    this.latencies.set(operation, ms);
  }

  callCount(operation?: string): number {
    if (operation !== undefined) return this.callCounts.get(operation) ?? 0;
    return [...this.callCounts.values()].reduce((total, count) => total + count, 0);
  }

  reset(): void {
    this.faults = [];
    this.latencies.clear();
    this.callCounts.clear();
  }

  /** Counts the call, waits its latency, and takes the fault it must answer with, if any. */
  async arrive(operation: string): Promise<PendingFault | undefined> {
    this.callCounts.set(operation, this.callCount(operation) + 1);
    const latency = this.latencies.get(operation) ?? this.latencies.get(undefined) ?? 0;
    if (latency > 0) await sleep(latency);
    const fault = this.faults.find((candidate) => candidate.operation === undefined || candidate.operation === operation);
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((candidate) => candidate !== fault);
    return fault;
  }

  /** Answers with the fault: an AWS JSON error, a dropped connection, or silence. */
  deliver(fault: PendingFault, response: ServerResponse, contentType: string): void {
    switch (fault.fault) {
      case 'ConnectionReset':
        response.socket?.destroy();
        return;
      case 'Timeout':
        return;
      default:
        sendJson(response, fault.httpStatus, { __type: this.errorType(fault.fault), message: fault.message }, contentType);
    }
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown, contentType: string): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(payload),
    // The SDK reads this into `$metadata.requestId`.
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(payload);
}
