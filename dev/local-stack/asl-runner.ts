/**
 * Runs executions of the local Step Functions endpoint through a real Amazon
 * States Language engine (aws-local-stepfunctions): every state of the
 * definition is interpreted as Step Functions would; only Task states call
 * local handlers instead of Lambda, and Wait and Retry intervals are shortened.
 */
import './promise-with-resolvers.js';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import type { ExecutionOutcome, ExecutionRecord, ExecutionRunner } from '../local-sfn/local-sfn-server.js';

type JsonValue = Parameters<StateMachine['run']>[0];

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

export interface AslRunner {
  /** For `startLocalStepFunctions({ runner })`: runs each new execution to its end. */
  readonly runner: ExecutionRunner;
  /**
   * Runs one execution to its end, `tasks` standing in for the runner's own
   * handlers of the Task states they name, for this execution only: one
   * validated definition serves many runs with different stand-ins.
   */
  run(execution: ExecutionRecord, tasks?: Readonly<Record<string, TaskHandler>>): Promise<ExecutionOutcome>;
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
  const definition = JSON.parse(options.definition) as ConstructorParameters<typeof StateMachine>[0];
  // Validates the definition (states, transitions, paths) as the engine understands it.
  const stateMachine = new StateMachine(definition);
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
  const running = new Map<string, { abort: () => void; done: Promise<unknown> }>();

  const run = async (execution: ExecutionRecord, tasks: Readonly<Record<string, TaskHandler>> = {}): Promise<ExecutionOutcome> => {
    const handlers = { ...overrides.taskResourceLocalHandlers };
    for (const [name, task] of Object.entries(tasks)) {
      if (!taskStates.includes(name)) throw new Error(`No Task state named ${name}`);
      handlers[name] = async (input: JsonValue) => (await task(input)) as JsonValue;
    }
    const started = stateMachine.run(JSON.parse(execution.input) as JsonValue, {
      overrides: { ...overrides, taskResourceLocalHandlers: handlers },
      context: contextOf(execution),
    });
    const done = outcomeOf(started.result);
    running.set(execution.executionArn, { abort: started.abort, done });
    try {
      return await done;
    } finally {
      running.delete(execution.executionArn);
    }
  };

  return {
    runner: (execution) => run(execution),
    run,
    running: () => running.size,
    abortAll: async () => {
      const executions = [...running.values()];
      for (const execution of executions) execution.abort();
      await Promise.allSettled(executions.map((execution) => execution.done));
    },
  };
}

function contextOf(execution: ExecutionRecord): NonNullable<RunOptions['context']> {
  return {
    Execution: {
      Id: execution.executionArn,
      Name: execution.name,
      StartTime: execution.startDate.toISOString(),
      Input: JSON.parse(execution.input) as JsonValue,
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
