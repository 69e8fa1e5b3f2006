/**
 * In-memory model of the Step Functions operations the orchestrator uses, with
 * the semantics of STANDARD workflows (see docs/DESIGN "Step Functions facts").
 * It knows nothing about HTTP: `local-sfn-server.ts` puts it on the wire.
 */
import { randomUUID } from 'node:crypto';
import {
  describeInvalidName,
  expressExecutionArnFor,
  isExpressExecutionArn,
  isStandardExecutionArn,
  isStateMachineArn,
  standardExecutionArnFor,
  stateMachineArnFor,
} from './sfn-names.js';

/** Largest execution input Step Functions accepts, in UTF-8 bytes. */
export const MAX_INPUT_BYTES = 262_144;

/** StopExecution's limits (its API reference): `error` at most 256 characters, `cause` at most 32768. */
const MAX_STOP_ERROR_LENGTH = 256;
const MAX_STOP_CAUSE_LENGTH = 32_768;
/** RedriveExecution's `clientToken` (the API model's ClientToken): 1 to 64 of printable ASCII but the space. */
const CLIENT_TOKEN = /^[!-~]+$/;
const MAX_CLIENT_TOKEN_LENGTH = 64;
/** A redrive answers a repeated client token with its first answer: the last 10 tokens, each for 15 minutes. */
const REMEMBERED_CLIENT_TOKENS = 10;
const CLIENT_TOKEN_VALIDITY_MS = 15 * 60 * 1000;
/** An execution can be redriven for 14 days after it closed, and not once it is a year old (the maximum run time). */
const REDRIVABLE_PERIOD_MS = 14 * 24 * 60 * 60 * 1000;
const MAX_EXECUTION_TIME_MS = 365 * 24 * 60 * 60 * 1000;

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;

/** A Step Functions error as the service reports it: an error code (`__type`), a message and an HTTP status. */
export class SfnServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export type StateMachineType = 'STANDARD' | 'EXPRESS';
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
export type ClosedExecutionStatus = Exclude<ExecutionStatus, 'RUNNING'>;

/** One execution as the endpoint recorded it. */
export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineType: StateMachineType;
  readonly name: string;
  /** The input exactly as sent (a JSON text). */
  readonly input: string;
  readonly traceHeader: string | undefined;
  readonly status: ExecutionStatus;
  readonly startDate: Date;
  readonly stopDate: Date | undefined;
  readonly output: string | undefined;
  readonly error: string | undefined;
  readonly cause: string | undefined;
  /** How many times RedriveExecution ran it again. */
  readonly redriveCount: number;
  readonly redriveDate: Date | undefined;
  /**
   * The state it failed (timed out, was aborted) in, as its runner or
   * `completeExecution` reported it: where a redrive resumes. A runner
   * handed a record with `redriveCount > 0` resumes there; absent when
   * nobody said.
   */
  readonly failedState?: string | undefined;
}

/** How an execution ends. `output` must be a JSON text when given. */
export interface ExecutionOutcome {
  status: ClosedExecutionStatus;
  output?: string | undefined;
  error?: string | undefined;
  cause?: string | undefined;
  /** The state it failed in (not for SUCCEEDED): a redrive resumes there (see {@link ExecutionRecord.failedState}). */
  failedState?: string | undefined;
}

/**
 * Drives a newly started execution (for example with a real ASL engine). It is
 * called once per new execution, after StartExecution has answered, and again
 * after each RedriveExecution (the record then has `redriveCount > 0` and the
 * `failedState` to resume from). Resolving with an outcome closes the
 * execution (unless it was closed, or redriven, meanwhile); returning nothing
 * leaves it RUNNING; rejecting fails it with `States.Runtime`. `signal` aborts
 * when StopExecution closes the execution: the outcome the runner then
 * resolves with closes nothing, but its `failedState` (the state the run was
 * stopped in) is kept, for a redrive to resume there.
 */
export type ExecutionRunner = (execution: ExecutionRecord, signal?: AbortSignal) => Promise<ExecutionOutcome> | void;

/** A request or response body of the JSON protocol. */
export type JsonObject = Record<string, unknown>;

interface StateMachine {
  readonly arn: string;
  readonly name: string;
  readonly type: StateMachineType;
  readonly definition: string;
  readonly roleArn: string;
  readonly creationDate: Date;
  status: 'ACTIVE' | 'DELETING';
}

type StoredExecution = { -readonly [K in keyof ExecutionRecord]: ExecutionRecord[K] } & {
  /** Start order, used to list newest first and as the pagination cursor. */
  readonly sequence: number;
  /** Client tokens that redrove it, oldest first. */
  clientTokens: { readonly clientToken: string; readonly firstUsed: number; readonly redriveDate: Date }[];
  /** Aborts the runner of the current run. */
  abort: AbortController | undefined;
};

/** The state and operations of the local Step Functions service. */
export class SimulatedStepFunctions {
  private readonly stateMachines = new Map<string, StateMachine>();
  private readonly executionsByArn = new Map<string, StoredExecution>();
  private nextSequence = 0;

  constructor(private readonly runner: ExecutionRunner | undefined) {}

  private readonly operations: Readonly<Record<string, (request: JsonObject) => JsonObject>> = {
    CreateStateMachine: (request) => this.createStateMachine(request),
    DescribeStateMachine: (request) => this.describeStateMachine(request),
    DeleteStateMachine: (request) => this.deleteStateMachine(request),
    StartExecution: (request) => this.startExecution(request),
    DescribeExecution: (request) => this.describeExecution(request),
    StopExecution: (request) => this.stopExecution(request),
    ListExecutions: (request) => this.listExecutions(request),
    RedriveExecution: (request) => this.redriveExecution(request),
  };

  /**
   * Runs `operation` (its protocol name, the part after `AWSStepFunctions.`) and
   * returns the response body; failures are thrown as {@link SfnServiceError}.
   */
  perform(operation: string, request: JsonObject): JsonObject {
    // hasOwn: a target such as `AWSStepFunctions.toString` must not reach Object.prototype.
    const handler = Object.hasOwn(this.operations, operation) ? this.operations[operation] : undefined;
    if (handler === undefined) {
      throw new SfnServiceError('UnknownOperationException', `Unknown operation: '${operation}'`);
    }
    return handler(request);
  }

  /** Snapshots of every execution, oldest first. */
  executions(): ExecutionRecord[] {
    return [...this.executionsByArn.values()].map(snapshotOf);
  }

  /** Closes a RUNNING execution; throws (a test mistake) when it is unknown or already closed. */
  completeExecution(executionArn: string, outcome: ExecutionOutcome): void {
    const execution = this.executionsByArn.get(executionArn);
    if (execution === undefined) {
      throw new Error(`No execution ${executionArn}`);
    }
    if (execution.status !== 'RUNNING') {
      throw new Error(`Execution ${executionArn} is already ${execution.status}`);
    }
    close(execution, outcome);
  }

  /** Moves an execution's start into the past, as if it had started then. */
  backdateExecution(executionArn: string, startDate: Date): void {
    const execution = this.executionsByArn.get(executionArn);
    if (execution === undefined) throw new Error(`No execution ${executionArn}`);
    execution.startDate = startDate;
  }

  /** Forgets every state machine and execution. */
  clear(): void {
    this.stateMachines.clear();
    this.executionsByArn.clear();
  }

  private createStateMachine(request: JsonObject): JsonObject {
    const name = requiredString(request, 'name');
    const definition = requiredString(request, 'definition');
    const roleArn = requiredString(request, 'roleArn');
    const type = stateMachineType(optionalString(request, 'type'));
    rejectInvalidName(name);
    rejectInvalidDefinition(definition);
    if (!IAM_ROLE_ARN.test(roleArn)) {
      throw new SfnServiceError('InvalidArn', `Invalid Arn: '${roleArn}'`);
    }
    const machine = this.existingOrNewStateMachine({ name, definition, roleArn, type });
    return { stateMachineArn: machine.arn, creationDate: epochSeconds(machine.creationDate) };
  }

  // Creating an identical state machine again succeeds with the original, as on the real service.
  private existingOrNewStateMachine(wanted: Pick<StateMachine, 'name' | 'definition' | 'roleArn' | 'type'>): StateMachine {
    const arn = stateMachineArnFor(wanted.name);
    const existing = this.stateMachines.get(arn);
    if (existing === undefined) {
      const created: StateMachine = { ...wanted, arn, creationDate: new Date(), status: 'ACTIVE' };
      this.stateMachines.set(arn, created);
      return created;
    }
    if (existing.status === 'DELETING') {
      throw new SfnServiceError('StateMachineDeleting', `State Machine is being deleted: '${arn}'`);
    }
    const identical =
      existing.definition === wanted.definition && existing.roleArn === wanted.roleArn && existing.type === wanted.type;
    if (!identical) {
      throw new SfnServiceError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    return existing;
  }

  private describeStateMachine(request: JsonObject): JsonObject {
    const machine = this.stateMachine(requiredString(request, 'stateMachineArn'));
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: machine.status,
      definition: machine.definition,
      roleArn: machine.roleArn,
      type: machine.type,
      creationDate: epochSeconds(machine.creationDate),
    };
  }

  // Deletion is asynchronous on the real service: the machine stays visible as
  // DELETING (here until `clear`) and refuses new executions.
  private deleteStateMachine(request: JsonObject): JsonObject {
    const arn = requiredString(request, 'stateMachineArn');
    rejectMalformedStateMachineArn(arn);
    const machine = this.stateMachines.get(arn);
    if (machine !== undefined) {
      machine.status = 'DELETING';
    }
    return {};
  }

  private startExecution(request: JsonObject): JsonObject {
    const machine = this.stateMachine(requiredString(request, 'stateMachineArn'));
    if (machine.status === 'DELETING') {
      throw new SfnServiceError('StateMachineDeleting', `State Machine is being deleted: '${machine.arn}'`);
    }
    const name = optionalString(request, 'name') ?? randomUUID();
    rejectInvalidName(name);
    const input = optionalString(request, 'input') ?? '{}';
    rejectInvalidInput(input);
    const traceHeader = optionalString(request, 'traceHeader');
    const execution =
      machine.type === 'STANDARD'
        ? this.startStandardExecution(machine, name, input, traceHeader)
        : this.recordNewExecution(machine, expressExecutionArnFor(machine.name, name, randomUUID()), name, input, traceHeader);
    return { executionArn: execution.executionArn, startDate: epochSeconds(execution.startDate) };
  }

  // STANDARD names are idempotency keys: a repeat with the same input while the
  // first execution runs is answered with that execution; anything else is refused.
  private startStandardExecution(
    machine: StateMachine,
    name: string,
    input: string,
    traceHeader: string | undefined,
  ): StoredExecution {
    const executionArn = standardExecutionArnFor(machine.name, name);
    const existing = this.executionsByArn.get(executionArn);
    if (existing === undefined) {
      return this.recordNewExecution(machine, executionArn, name, input, traceHeader);
    }
    if (existing.status === 'RUNNING' && existing.input === input) {
      return existing;
    }
    throw new SfnServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
  }

  private recordNewExecution(
    machine: StateMachine,
    executionArn: string,
    name: string,
    input: string,
    traceHeader: string | undefined,
  ): StoredExecution {
    const execution: StoredExecution = {
      executionArn,
      stateMachineArn: machine.arn,
      stateMachineType: machine.type,
      name,
      input,
      traceHeader,
      status: 'RUNNING',
      startDate: new Date(),
      stopDate: undefined,
      output: undefined,
      error: undefined,
      cause: undefined,
      redriveCount: 0,
      redriveDate: undefined,
      failedState: undefined,
      sequence: this.nextSequence++,
      clientTokens: [],
      abort: undefined,
    };
    this.executionsByArn.set(executionArn, execution);
    this.handToRunner(execution);
    return execution;
  }

  private handToRunner(execution: StoredExecution): void {
    if (this.runner !== undefined) {
      const abort = new AbortController();
      execution.abort = abort;
      void this.runToCompletion(execution, this.runner, abort);
    }
  }

  private async runToCompletion(execution: StoredExecution, runner: ExecutionRunner, abort: AbortController): Promise<void> {
    const outcome = await outcomeOfRunner(runner, snapshotOf(execution), abort.signal);
    // A test may have completed or stopped the execution meanwhile (the first
    // close wins), and a redrive may have started another run of it since.
    if (outcome === undefined || execution.abort !== abort) return;
    if (execution.status === 'RUNNING') {
      close(execution, outcome);
    } else if (abort.signal.aborted && execution.status === 'ABORTED' && outcome.failedState !== undefined) {
      // StopExecution closed it at once; the runner it aborted then says the state it stopped in: where a redrive resumes.
      execution.failedState = outcome.failedState;
    }
  }

  private describeExecution(request: JsonObject): JsonObject {
    const execution = this.standardExecution(requiredString(request, 'executionArn'));
    return {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: epochSeconds(execution.startDate),
      stopDate: execution.stopDate && epochSeconds(execution.stopDate),
      input: execution.input,
      output: execution.output,
      error: execution.error,
      cause: execution.cause,
      traceHeader: execution.traceHeader,
      redriveCount: execution.redriveCount,
      redriveDate: execution.redriveDate && epochSeconds(execution.redriveDate),
      ...this.redriveStatusOf(execution),
    };
  }

  // DescribeExecution's redriveStatus, and for NOT_REDRIVABLE its
  // redriveStatusReason in the service's words (the DescribeExecution API
  // reference lists them for STANDARD executions): "State machine is in
  // DELETING status.", "Execution is RUNNING and cannot be redriven.",
  // "Execution is SUCCEEDED and cannot be redriven.", "Execution has exceeded
  // the max execution time.", "Execution redrivable period exceeded." (and two
  // this endpoint never meets: started before RedriveExecution existed, and
  // the history event limit). NOT_REDRIVABLE is exactly when RedriveExecution
  // would answer ExecutionNotRedrivable.
  private redriveStatusOf(execution: StoredExecution): { redriveStatus: string; redriveStatusReason?: string } {
    const now = Date.now();
    const reason =
      execution.status === 'RUNNING' || execution.status === 'SUCCEEDED'
        ? `Execution is ${execution.status} and cannot be redriven.`
        : this.stateMachines.get(execution.stateMachineArn)?.status === 'DELETING'
          ? 'State machine is in DELETING status.'
          : now - execution.startDate.getTime() > MAX_EXECUTION_TIME_MS
            ? 'Execution has exceeded the max execution time.'
            : execution.stopDate !== undefined && now - execution.stopDate.getTime() > REDRIVABLE_PERIOD_MS
              ? 'Execution redrivable period exceeded.'
              : undefined;
    return reason === undefined ? { redriveStatus: 'REDRIVABLE' } : { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: reason };
  }

  // Redrive runs a FAILED, TIMED_OUT or ABORTED STANDARD execution that
  // closed in the last 14 days again from its failed state, under the same
  // ARN and with the same input: it is RUNNING again, its redriveCount says it
  // was redriven, and the runner drives it again from `failedState`. A client
  // token that redrove it in the last 15 minutes (one of its last 10) gets the
  // first answer again and redrives nothing. A refusal is ExecutionNotRedrivable
  // with the reason DescribeExecution gives.
  private redriveExecution(request: JsonObject): JsonObject {
    const executionArn = requiredString(request, 'executionArn');
    const clientToken = optionalString(request, 'clientToken');
    if (clientToken !== undefined) rejectInvalidClientToken(clientToken);
    const execution = this.standardExecution(executionArn);
    const now = Date.now();
    execution.clientTokens = execution.clientTokens.filter((used) => now - used.firstUsed < CLIENT_TOKEN_VALIDITY_MS);
    const repeated = execution.clientTokens.find((used) => used.clientToken === clientToken);
    if (repeated !== undefined) {
      return { redriveDate: epochSeconds(repeated.redriveDate) };
    }
    const { redriveStatusReason } = this.redriveStatusOf(execution);
    if (redriveStatusReason !== undefined) {
      throw new SfnServiceError('ExecutionNotRedrivable', redriveStatusReason);
    }
    execution.status = 'RUNNING';
    execution.stopDate = undefined;
    execution.output = undefined;
    execution.error = undefined;
    execution.cause = undefined;
    execution.redriveCount += 1;
    execution.redriveDate = new Date(now);
    if (clientToken !== undefined) {
      execution.clientTokens = [...execution.clientTokens, { clientToken, firstUsed: now, redriveDate: execution.redriveDate }].slice(
        -REMEMBERED_CLIENT_TOKENS,
      );
    }
    this.handToRunner(execution);
    return { redriveDate: epochSeconds(execution.redriveDate) };
  }

  // Stopping an execution that has already closed changes nothing and reports
  // when it stopped (the service answers it with success too). A stop without
  // error or cause leaves them out of DescribeExecution.
  private stopExecution(request: JsonObject): JsonObject {
    const executionArn = requiredString(request, 'executionArn');
    const error = optionalString(request, 'error');
    const cause = optionalString(request, 'cause');
    rejectTooLong('error', error, MAX_STOP_ERROR_LENGTH);
    rejectTooLong('cause', cause, MAX_STOP_CAUSE_LENGTH);
    const execution = this.standardExecution(executionArn);
    if (execution.status === 'RUNNING') {
      // Redrive resumes where it was stopped: the runner, aborted below, reports that state (runToCompletion);
      // until it does (or without a runner), where it failed before, as far as this endpoint knows.
      close(execution, { status: 'ABORTED', error, cause, failedState: execution.failedState });
      execution.abort?.abort();
    }
    return { stopDate: epochSeconds(execution.stopDate ?? new Date()) };
  }

  private listExecutions(request: JsonObject): JsonObject {
    const machine = this.stateMachine(requiredString(request, 'stateMachineArn'));
    if (machine.type === 'EXPRESS') {
      throw new SfnServiceError('StateMachineTypeNotSupported', 'This operation is not supported by EXPRESS state machines');
    }
    const statusFilter = optionalString(request, 'statusFilter');
    const pageSize = pageSizeOf(optionalInteger(request, 'maxResults'));
    const nextToken = optionalString(request, 'nextToken');
    const startedBefore = nextToken === undefined ? Number.POSITIVE_INFINITY : decodePageToken(nextToken);
    const matching = [...this.executionsByArn.values()]
      .filter((execution) => execution.stateMachineArn === machine.arn)
      .filter((execution) => statusFilter === undefined || execution.status === statusFilter)
      .filter((execution) => execution.sequence < startedBefore)
      .sort((a, b) => b.sequence - a.sequence);
    const page = matching.slice(0, pageSize);
    const last = page.at(-1);
    return {
      executions: page.map(listItemOf),
      nextToken: matching.length > pageSize && last !== undefined ? encodePageToken(last.sequence) : undefined,
    };
  }

  private stateMachine(arn: string): StateMachine {
    rejectMalformedStateMachineArn(arn);
    const machine = this.stateMachines.get(arn);
    if (machine === undefined) {
      throw new SfnServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    }
    return machine;
  }

  // Describe and Stop are STANDARD-only operations; the real service refuses EXPRESS ARNs as invalid here.
  private standardExecution(arn: string): StoredExecution {
    if (isExpressExecutionArn(arn)) {
      throw new SfnServiceError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: express'`);
    }
    if (!isStandardExecutionArn(arn)) {
      throw new SfnServiceError('InvalidArn', `Invalid Arn: '${arn}'`);
    }
    const execution = this.executionsByArn.get(arn);
    if (execution === undefined) {
      throw new SfnServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    }
    return execution;
  }
}

function close(execution: StoredExecution, outcome: ExecutionOutcome): void {
  if (outcome.output !== undefined && !isJson(outcome.output)) {
    throw new Error(`Execution output must be JSON, got ${outcome.output.slice(0, 80)}`);
  }
  execution.status = outcome.status;
  execution.output = outcome.output;
  execution.error = outcome.error;
  execution.cause = outcome.cause;
  execution.failedState = outcome.status === 'SUCCEEDED' ? undefined : outcome.failedState;
  execution.stopDate = new Date();
}

async function outcomeOfRunner(runner: ExecutionRunner, execution: ExecutionRecord, signal: AbortSignal): Promise<ExecutionOutcome | void> {
  try {
    // Yield first so the runner starts after StartExecution has answered, like a real execution.
    await Promise.resolve();
    const outcome = await runner(execution, signal);
    if (outcome?.output !== undefined && !isJson(outcome.output)) {
      throw new Error('the runner returned an output that is not JSON');
    }
    return outcome;
  } catch (error) {
    return { status: 'FAILED', error: 'States.Runtime', cause: String(error) };
  }
}

function snapshotOf(execution: StoredExecution): ExecutionRecord {
  const { sequence: _sequence, clientTokens: _clientTokens, abort: _abort, ...record } = execution;
  return Object.freeze(record);
}

function listItemOf(execution: StoredExecution): JsonObject {
  return {
    executionArn: execution.executionArn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: epochSeconds(execution.startDate),
    stopDate: execution.stopDate && epochSeconds(execution.stopDate),
  };
}

// The JSON protocol carries timestamps as epoch seconds (fractions allowed).
function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

function rejectInvalidName(name: string): void {
  const problem = describeInvalidName(name);
  if (problem !== undefined) {
    throw new SfnServiceError('InvalidName', `Invalid Name: '${name}' (${problem})`);
  }
}

function rejectInvalidDefinition(definition: string): void {
  if (!isJson(definition)) {
    throw new SfnServiceError('InvalidDefinition', 'Invalid State Machine Definition: definition is not valid JSON');
  }
}

function rejectInvalidInput(input: string): void {
  const bytes = Buffer.byteLength(input, 'utf8');
  if (bytes > MAX_INPUT_BYTES) {
    throw new SfnServiceError('InvalidExecutionInput', `Input is ${bytes} bytes, more than the ${MAX_INPUT_BYTES} allowed`);
  }
  if (!isJson(input)) {
    throw new SfnServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: input is not valid JSON');
  }
}

// The service measures these lengths in characters (code points).
function rejectTooLong(field: string, value: string | undefined, maxLength: number): void {
  if (value !== undefined && Array.from(value).length > maxLength) {
    throw new SfnServiceError(
      'ValidationException',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${maxLength}`,
    );
  }
}

function rejectInvalidClientToken(clientToken: string): void {
  if (clientToken.length === 0 || clientToken.length > MAX_CLIENT_TOKEN_LENGTH) {
    throw new SfnServiceError(
      'ValidationException',
      `1 validation error detected: Value '${clientToken}' at 'clientToken' failed to satisfy constraint: Member must have length between 1 and ${MAX_CLIENT_TOKEN_LENGTH}`,
    );
  }
  if (!CLIENT_TOKEN.test(clientToken)) {
    throw new SfnServiceError(
      'ValidationException',
      `1 validation error detected: Value '${clientToken}' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [!-~]+`,
    );
  }
}

function rejectMalformedStateMachineArn(arn: string): void {
  if (!isStateMachineArn(arn)) {
    throw new SfnServiceError('InvalidArn', `Invalid Arn: '${arn}'`);
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function stateMachineType(type: string | undefined): StateMachineType {
  if (type === undefined || type === 'STANDARD' || type === 'EXPRESS') {
    return type ?? 'STANDARD';
  }
  throw new SfnServiceError('ValidationException', `Value '${type}' at 'type' failed to satisfy constraint`);
}

function pageSizeOf(maxResults: number | undefined): number {
  if (maxResults === undefined || maxResults === 0) {
    return DEFAULT_PAGE_SIZE;
  }
  if (maxResults < 0 || maxResults > MAX_PAGE_SIZE) {
    throw new SfnServiceError('ValidationException', `maxResults must be between 0 and ${MAX_PAGE_SIZE}`);
  }
  return maxResults;
}

// The token is a cursor on start order, so executions started while a client
// pages (they sort first) never shift the pages it has yet to read.
function encodePageToken(lastSequence: number): string {
  return Buffer.from(JSON.stringify({ startedBefore: lastSequence })).toString('base64url');
}

function decodePageToken(token: string): number {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const startedBefore = (decoded as { startedBefore?: unknown } | null)?.startedBefore;
    if (typeof startedBefore === 'number') {
      return startedBefore;
    }
  } catch {
    // Fall through: any undecodable token is invalid.
  }
  throw new SfnServiceError('InvalidToken', `Invalid Token: '${token}'`);
}

function requiredString(request: JsonObject, field: string): string {
  const value = optionalString(request, field);
  if (value === undefined) {
    throw new SfnServiceError(
      'ValidationException',
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function optionalString(request: JsonObject, field: string): string | undefined {
  const value = request[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new SfnServiceError('SerializationException', `'${field}' must be a string`);
  }
  return value;
}

function optionalInteger(request: JsonObject, field: string): number | undefined {
  const value = request[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new SfnServiceError('SerializationException', `'${field}' must be an integer`);
  }
  return value;
}
