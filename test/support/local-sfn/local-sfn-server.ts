/**
 * A local Step Functions endpoint for tests.
 *
 * It speaks the service's real wire protocol (awsJson1_0: `POST /` with
 * `X-Amz-Target: AWSStepFunctions.<Operation>`, errors as `{"__type", "message"}`,
 * timestamps as epoch seconds), so an unmodified `SFNClient` pointed at
 * {@link LocalStepFunctions.endpoint} talks to it exactly as to AWS, retries
 * included. Tests steer it through the control API: complete executions,
 * inject faults and latency, count calls.
 *
 * @example
 * const sfn = await startLocalStepFunctions();
 * const client = new SFNClient({ endpoint: sfn.endpoint, region: 'us-east-1',
 *   credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
 * const stateMachineArn = sfn.createStateMachine('deploy');
 * sfn.injectFault({ operation: 'StartExecution', fault: 'ThrottlingException' });
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ExecutionOutcome,
  type ExecutionRecord,
  type ExecutionRunner,
  type JsonObject,
  SfnServiceError,
  SimulatedStepFunctions,
  type StateMachineType,
} from './simulated-step-functions.js';

export type {
  ClosedExecutionStatus,
  ExecutionOutcome,
  ExecutionRecord,
  ExecutionRunner,
  ExecutionStatus,
  StateMachineType,
} from './simulated-step-functions.js';
export { MAX_INPUT_BYTES } from './simulated-step-functions.js';

const TARGET_PREFIX = 'AWSStepFunctions.';
const JSON_1_0 = 'application/x-amz-json-1.0';
const DEFAULT_ROLE_ARN = 'arn:aws:iam::123456789012:role/local-sfn';
const PASS_THROUGH_DEFINITION = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });

// Codes the service answers with a 5xx; every other injected code is a 400,
// which is how Step Functions reports throttling and its modelled errors.
const SERVER_FAULT_STATUS: Readonly<Record<string, number>> = {
  InternalServerError: 500,
  InternalFailure: 500,
  ServiceUnavailable: 503,
};

/**
 * What an injected fault does. An error code is answered as that service error;
 * `ConnectionReset` destroys the connection without an answer (the SDK sees a
 * network error); `Timeout` never answers (the client's own timeout fires).
 */
export type InjectedFault =
  | 'ThrottlingException'
  | 'InternalServerError'
  | 'ServiceUnavailable'
  | 'ExecutionLimitExceeded'
  | 'KmsThrottlingException'
  | 'KmsAccessDeniedException'
  | 'KmsInvalidStateException'
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
   * replaced by the fault: "the execution started but the answer was lost".
   */
  afterApply?: boolean;
  /** Error message (default names the fault). */
  message?: string;
  /** HTTP status for an error-code fault (default 500/503 for server faults, 400 otherwise). */
  httpStatus?: number;
}

/** The control surface of a running local endpoint. */
export interface LocalStepFunctions {
  /** Base URL for `new SFNClient({ endpoint })`, e.g. `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  /** Snapshots of every execution started since the last reset, oldest first. */
  readonly executions: readonly ExecutionRecord[];
  /** Stops the server and drops open connections (including held `Timeout` calls). */
  close(): Promise<void>;
  /**
   * Creates (or returns, when it already exists) a state machine with a trivial
   * definition, without going over the wire, and returns its ARN.
   */
  createStateMachine(name: string, type?: StateMachineType): string;
  /** Calls received for `operation` (its protocol name, e.g. `StartExecution`), or for all operations. */
  callCount(operation?: string): number;
  /** Closes a RUNNING execution as the state machine would; throws if it is unknown or closed. */
  completeExecution(executionArn: string, outcome: ExecutionOutcome): void;
  /** Queues a fault; faults are consumed first-in first-out by matching calls. */
  injectFault(injection: FaultInjection): void;
  /** Delays every answer (or only `operation`'s) by `ms` before the operation runs; 0 removes it. */
  setLatency(ms: number, operation?: string): void;
  /** Forgets state machines, executions, faults, latencies and call counts. */
  reset(): void;
}

/** Options of {@link startLocalStepFunctions}. */
export interface LocalStepFunctionsOptions {
  /** Drives new executions; without it they stay RUNNING until completed or stopped. */
  runner?: ExecutionRunner;
}

/** Starts a local Step Functions endpoint on 127.0.0.1 with an ephemeral port. */
export async function startLocalStepFunctions(options: LocalStepFunctionsOptions = {}): Promise<LocalStepFunctions> {
  const endpoint = new LocalStepFunctionsEndpoint(new SimulatedStepFunctions(options.runner));
  await endpoint.listen();
  return endpoint;
}

interface PendingFault {
  readonly operation: string | undefined;
  readonly fault: InjectedFault;
  readonly afterApply: boolean;
  readonly message: string;
  readonly httpStatus: number;
  remaining: number;
}

interface Reply {
  readonly status: number;
  readonly body: JsonObject;
}

class LocalStepFunctionsEndpoint implements LocalStepFunctions {
  private readonly server: Server;
  private readonly callCounts = new Map<string, number>();
  private readonly latencies = new Map<string | undefined, number>();
  private faults: PendingFault[] = [];
  private port = 0;

  constructor(private readonly service: SimulatedStepFunctions) {
    // A client that hangs up mid-request makes reading fail; there is nobody left to answer.
    this.server = createServer((request, response) => {
      this.handle(request, response).catch(() => response.destroy());
    });
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get executions(): readonly ExecutionRecord[] {
    return this.service.executions();
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', resolve);
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // The SDK keeps connections alive; without this, close() would wait for them to idle out.
    this.server.closeAllConnections();
    await closed;
  }

  createStateMachine(name: string, type: StateMachineType = 'STANDARD'): string {
    const created = this.service.perform('CreateStateMachine', {
      name,
      type,
      definition: PASS_THROUGH_DEFINITION,
      roleArn: DEFAULT_ROLE_ARN,
    });
    return String(created.stateMachineArn);
  }

  callCount(operation?: string): number {
    if (operation !== undefined) {
      return this.callCounts.get(operation) ?? 0;
    }
    return [...this.callCounts.values()].reduce((total, count) => total + count, 0);
  }

  completeExecution(executionArn: string, outcome: ExecutionOutcome): void {
    this.service.completeExecution(executionArn, outcome);
  }

  injectFault(injection: FaultInjection): void {
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

  reset(): void {
    this.service.clear();
    this.faults = [];
    this.latencies.clear();
    this.callCounts.clear();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const operation = operationOf(request);
    this.callCounts.set(operation, this.callCount(operation) + 1);
    await this.delay(operation);
    const fault = this.takeFault(operation);
    if (fault !== undefined && !fault.afterApply) {
      deliverFault(fault, response);
      return;
    }
    const reply = this.invoke(operation, body);
    if (fault !== undefined) {
      deliverFault(fault, response);
      return;
    }
    send(response, reply);
  }

  private async delay(operation: string): Promise<void> {
    const latency = this.latencies.get(operation) ?? this.latencies.get(undefined) ?? 0;
    if (latency > 0) {
      await sleep(latency);
    }
  }

  private takeFault(operation: string): PendingFault | undefined {
    const fault = this.faults.find((candidate) => candidate.operation === undefined || candidate.operation === operation);
    if (fault === undefined) {
      return undefined;
    }
    fault.remaining -= 1;
    if (fault.remaining <= 0) {
      this.faults = this.faults.filter((candidate) => candidate !== fault);
    }
    return fault;
  }

  private invoke(operation: string, body: string): Reply {
    try {
      return { status: 200, body: this.service.perform(operation, parseRequest(body)) };
    } catch (error) {
      return errorReply(error);
    }
  }
}

function operationOf(request: IncomingMessage): string {
  const target = request.headers['x-amz-target'];
  return typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseRequest(body: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body === '' ? '{}' : body);
  } catch {
    throw new SfnServiceError('SerializationException', 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SfnServiceError('SerializationException', 'Request body must be a JSON object');
  }
  return parsed as JsonObject;
}

function errorReply(error: unknown): Reply {
  if (error instanceof SfnServiceError) {
    return { status: error.httpStatus, body: { __type: error.code, message: error.message } };
  }
  // A bug in the simulation: report it as the service's internal failure, with the reason.
  return { status: 500, body: { __type: 'InternalFailure', message: String(error) } };
}

function deliverFault(fault: PendingFault, response: ServerResponse): void {
  switch (fault.fault) {
    case 'ConnectionReset':
      response.socket?.destroy();
      return;
    case 'Timeout':
      // Never answer; the client's timeout (or close()) ends the call.
      return;
    default:
      send(response, { status: fault.httpStatus, body: { __type: fault.fault, message: fault.message } });
  }
}

function send(response: ServerResponse, reply: Reply): void {
  const payload = JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    'Content-Type': JSON_1_0,
    'Content-Length': Buffer.byteLength(payload),
    // The SDK reads this into `$metadata.requestId`.
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(payload);
}
