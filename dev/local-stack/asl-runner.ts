/**
 * Runs executions of the local Step Functions endpoint through a real Amazon
 * States Language engine (aws-local-stepfunctions): every state of the
 * definition is interpreted as Step Functions would; only Task states call
 * local handlers instead of Lambda, and Wait and Retry intervals are shortened.
 *
 * A redriven execution resumes as Step Functions' RedriveExecution does: at
 * the state it failed (timed out, was stopped) in, with the input that state
 * had, the earlier states' results kept and not run again. An execution that
 * ended in a `Fail` state fails there again: its redrive enters that state
 * and nothing before it. StopExecution aborts the run at once.
 */
import './promise-with-resolvers.js';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import type { ExecutionOutcome, ExecutionRecord, ExecutionRunner } from '../local-sfn/local-sfn-server.js';

type JsonValue = Parameters<StateMachine['run']>[0];
type Definition = ConstructorParameters<typeof StateMachine>[0];
type EventLogs = ReturnType<StateMachine['run']>['eventLogs'];

/** What a Task state calls locally instead of its Lambda: the state's input in, its result out. */
export type TaskHandler = (input: unknown) => Promise<unknown>;

export interface AslRunnerOptions {
  /** The state machine definition (ASL JSON text), validated here. */
  readonly definition: string;
  /** A handler for every Task state, by state name. */
  readonly tasks: Readonly<Record<string, TaskHandler>>;
  /** Milliseconds each named Wait state waits instead of its `Seconds`. */
  readonly waitMs?: Readonly<Record<string, number>>;
  /** Milliseconds between Retry attempts of every Task state (default 10). */
  readonly retryIntervalMs?: number;
}

/** Where a run of an execution begins: the state, and the input it gets. */
export interface RunStart {
  readonly state: string;
  readonly input: unknown;
}

export interface AslRunner {
  /**
   * For `startLocalStepFunctions({ runner })`: runs each new execution to its
   * end, and each redriven one from the state it failed in; StopExecution's
   * signal aborts the run.
   */
  readonly runner: ExecutionRunner;
  /**
   * Runs one execution to its end, `tasks` standing in for the runner's own
   * handlers of the Task states they name, for this execution only: one
   * validated definition serves many runs with different stand-ins. A record
   * with `redriveCount > 0` resumes as a redrive ({@link resumeOf}); `signal`
   * aborts the run (it ends `ABORTED`, its `failedState` the state it was in).
   */
  run(execution: ExecutionRecord, tasks?: Readonly<Record<string, TaskHandler>>, signal?: AbortSignal): Promise<ExecutionOutcome>;
  /**
   * Where a run of `execution` begins: the definition's `StartAt` with the
   * execution's input for a new execution; for a redriven one
   * (`redriveCount > 0`) its `failedState`, with the input that state had
   * when this runner last ran it there (the execution's input if it never
   * did). A redriven execution that names no failed state (nobody said
   * where it failed) starts from `StartAt`.
   */
  resumeOf(execution: ExecutionRecord): RunStart;
  /** Executions still running. */
  running(): number;
  /** Aborts every running execution (they end ABORTED) and waits until they have stopped. */
  abortAll(): Promise<void>;
}

/**
 * Builds the runner of the local Step Functions endpoint from an ASL
 * definition.
 *
 * @throws Error when the definition is not valid ASL or a Task state has no handler.
 */
export function createAslRunner(options: AslRunnerOptions): AslRunner {
  const definition = JSON.parse(options.definition) as Definition;
  // Validates the definition (states, transitions, paths) as the engine understands it.
  const stateMachine = new StateMachine(definition);
  // The same definition entered at another state, for redrives: validated above (as a whole, it has no
  // unreachable state; entered elsewhere, the states before are, which the engine's validation refuses).
  const entered = new Map<string, StateMachine>([[definition.StartAt, stateMachine]]);
  const enteredAt = (state: string): StateMachine => {
    let machine = entered.get(state);
    if (machine === undefined) {
      machine = new StateMachine({ ...definition, StartAt: state }, { validationOptions: { noValidate: true } });
      entered.set(state, machine);
    }
    return machine;
  };
  const taskStates = Object.entries(definition.States)
    .filter(([, state]) => state.Type === 'Task')
    .map(([name]) => name);
  const unhandled = taskStates.filter((name) => options.tasks[name] === undefined);
  if (unhandled.length > 0) throw new Error(`No local handler for the Task state(s): ${unhandled.join(', ')}`);

  const overrides: NonNullable<RunOptions['overrides']> = {
    taskResourceLocalHandlers: Object.fromEntries(
      taskStates.map((name) => [name, async (input: JsonValue) => (await options.tasks[name]!(input)) as JsonValue]),
    ),
    waitTimeOverrides: { ...options.waitMs },
    retryIntervalOverrides: Object.fromEntries(taskStates.map((name) => [name, options.retryIntervalMs ?? 10])),
  };
  const running = new Set<{ abort: () => void; done: Promise<unknown> }>();
  // Per execution that has not succeeded: the input each top-level state had when it was last entered (a
  // redrive resumes its failed state with it). Forgotten once the execution succeeds.
  const stateInputs = new Map<string, Map<string, JsonValue>>();

  const resumeOf = (execution: ExecutionRecord): RunStart => {
    const input = JSON.parse(execution.input) as JsonValue;
    const failedState = execution.redriveCount > 0 ? execution.failedState : undefined;
    if (failedState === undefined || !Object.hasOwn(definition.States, failedState)) return { state: definition.StartAt, input };
    return { state: failedState, input: stateInputs.get(execution.executionArn)?.get(failedState) ?? input };
  };

  const run = async (
    execution: ExecutionRecord,
    tasks: Readonly<Record<string, TaskHandler>> = {},
    signal?: AbortSignal,
  ): Promise<ExecutionOutcome> => {
    const handlers = { ...overrides.taskResourceLocalHandlers };
    for (const [name, task] of Object.entries(tasks)) {
      if (!taskStates.includes(name)) throw new Error(`No Task state named ${name}`);
      handlers[name] = async (input: JsonValue) => (await task(input)) as JsonValue;
    }
    const start = resumeOf(execution);
    if (execution.redriveCount === 0) stateInputs.delete(execution.executionArn);
    if (signal?.aborted) return { status: 'ABORTED', failedState: start.state };
    const inputs = stateInputs.get(execution.executionArn) ?? new Map<string, JsonValue>();
    stateInputs.set(execution.executionArn, inputs);

    const started = enteredAt(start.state).run(start.input as JsonValue, {
      overrides: { ...overrides, taskResourceLocalHandlers: handlers },
      context: contextOf(execution),
    });
    const current = { state: start.state };
    const followed = follow(started.eventLogs, (state, input) => {
      current.state = state;
      inputs.set(state, input);
    });
    const onAbort = (): void => started.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = outcomeOf(started.result);
    const entry = { abort: started.abort, done };
    running.add(entry);
    try {
      const outcome = await done;
      // Every state entered is known (the engine's log closes with the execution's end).
      await followed;
      if (outcome.status === 'SUCCEEDED') {
        stateInputs.delete(execution.executionArn);
        return outcome;
      }
      return { ...outcome, failedState: current.state };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      running.delete(entry);
    }
  };

  return {
    runner: (execution, signal) => run(execution, {}, signal),
    run,
    resumeOf,
    running: () => running.size,
    abortAll: async () => {
      const executions = [...running];
      for (const execution of executions) execution.abort();
      await Promise.allSettled(executions.map((execution) => execution.done));
    },
  };
}

/** Calls `onEntered` for every top-level state the run enters, in order, until the run's log closes. */
async function follow(eventLogs: EventLogs, onEntered: (state: string, input: JsonValue) => void): Promise<void> {
  for await (const event of eventLogs) {
    // A Map iteration's states carry an index; a Parallel branch's, the branch's own run: neither is where a redrive resumes.
    if (event.type === 'StateEntered' && event.index === undefined) onEntered(event.state.name, event.state.input);
  }
}

function contextOf(execution: ExecutionRecord): NonNullable<RunOptions['context']> {
  // The engine sets `$$.Execution.Input` to the input of the state a run begins at: for a redrive, that state's.
  return {
    Execution: {
      Id: execution.executionArn,
      Name: execution.name,
      StartTime: execution.startDate.toISOString(),
      Input: JSON.parse(execution.input) as JsonValue,
      RedriveCount: execution.redriveCount,
      ...(execution.redriveDate === undefined ? {} : { RedriveTime: execution.redriveDate.toISOString() }),
    },
    StateMachine: { Id: execution.stateMachineArn },
  };
}

/** How Step Functions would report the run: the Fail state's (or the uncaught) error and cause. */
async function outcomeOf(result: Promise<JsonValue>): Promise<ExecutionOutcome> {
  try {
    return { status: 'SUCCEEDED', output: JSON.stringify(await result) };
  } catch (error) {
    if (error instanceof ExecutionAbortedError) return { status: 'ABORTED' };
    if (error instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', error: 'States.Timeout' };
    if (error instanceof ExecutionError && error.cause instanceof Error) {
      return { status: 'FAILED', error: error.cause.name, cause: error.cause.message };
    }
    return { status: 'FAILED', error: 'States.Runtime', cause: String(error) };
  }
}
