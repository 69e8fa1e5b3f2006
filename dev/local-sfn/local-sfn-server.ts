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
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WireFaults, sendJson, type FaultInjection } from '../wire/wire-faults.js';
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
export type { FaultInjection, InjectedFault } from '../wire/wire-faults.js';

const TARGET_PREFIX = 'AWSStepFunctions.';
const JSON_1_0 = 'application/x-amz-json-1.0';
const DEFAULT_ROLE_ARN = 'arn:aws:iam::123456789012:role/local-sfn';
const PASS_THROUGH_DEFINITION = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });

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
  /**
   * Starts an execution without going over the wire (no fault, latency or
   * call count applies), as an operator's run from the console would, and
   * returns its ARN. `startDate` backdates it (an execution started long ago).
   */
  startExecution(stateMachineArn: string, name: string, input: string, options?: { readonly startDate?: Date }): string;
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

interface Reply {
  readonly status: number;
  readonly body: JsonObject;
}

class LocalStepFunctionsEndpoint implements LocalStepFunctions {
  private readonly server: Server;
  private readonly faults = new WireFaults();
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

  startExecution(stateMachineArn: string, name: string, input: string, options: { readonly startDate?: Date } = {}): string {
    const executionArn = String(this.service.perform('StartExecution', { stateMachineArn, name, input }).executionArn);
    if (options.startDate !== undefined) this.service.backdateExecution(executionArn, options.startDate);
    return executionArn;
  }

  callCount(operation?: string): number {
    return this.faults.callCount(operation);
  }

  completeExecution(executionArn: string, outcome: ExecutionOutcome): void {
    this.service.completeExecution(executionArn, outcome);
  }

  injectFault(injection: FaultInjection): void {
    this.faults.inject(injection);
  }

  setLatency(ms: number, operation?: string): void {
    this.faults.setLatency(ms, operation);
  }

  reset(): void {
    this.service.clear();
    this.faults.reset();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const operation = operationOf(request);
    const fault = await this.faults.arrive(operation);
    if (fault !== undefined && !fault.afterApply) {
      this.faults.deliver(fault, response, JSON_1_0);
      return;
    }
    const reply = this.invoke(operation, body);
    if (fault !== undefined) {
      this.faults.deliver(fault, response, JSON_1_0);
      return;
    }
    sendJson(response, reply.status, reply.body, JSON_1_0);
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
