import type { CommandSpec, ParsedArgs } from './args.js';
import type { CliServices } from './cli-services.js';
import type { ConnectionConfig, StateMachineUse } from './config.js';
import type { CliIo, ExitCode } from './io.js';
import type { Output } from './output.js';

export interface CommandContext {
  readonly io: CliIo;
  readonly output: Output;
  /** The services, composed on first use. */
  readonly services: () => CliServices;
  /** Where the table and the state machine are, as configured. */
  readonly connection: ConnectionConfig;
}

/** What a command does once its arguments are valid. */
export type Action = (context: CommandContext) => Promise<ExitCode>;

export interface Command {
  readonly spec: CommandSpec;
  /**
   * Whether the command calls Step Functions: `required` (the state machine
   * must be configured), `optional` (used when configured: `complete` checks
   * the execution of a build that records none by its derived name) or
   * `unused`; or which of these, given the arguments (`cancel` needs it only
   * with `--force` or `--wait`).
   */
  readonly stateMachine: StateMachineUse | ((args: ParsedArgs) => StateMachineUse);
  /**
   * Validates the arguments. Throws `UsageError` or the domain's
   * `ValidationError` (exit code 2); nothing is read or written yet.
   */
  parse(args: ParsedArgs, env: Readonly<Record<string, string | undefined>>): Action;
}
