import type { CommandSpec, ParsedArgs } from './args.js';
import type { CliServices } from './cli-services.js';
import type { CliIo, ExitCode } from './io.js';
import type { Output } from './output.js';

export interface CommandContext {
  readonly io: CliIo;
  readonly output: Output;
  /** The services, composed on first use. */
  readonly services: () => CliServices;
}

/** What a command does once its arguments are valid. */
export type Action = (context: CommandContext) => Promise<ExitCode>;

export interface Command {
  readonly spec: CommandSpec;
  /** Whether the command calls Step Functions (then the state machine must be configured). */
  readonly needsStateMachine: boolean;
  /**
   * Validates the arguments. Throws `UsageError` or the domain's
   * `ValidationError` (exit code 2); nothing is read or written yet.
   */
  parse(args: ParsedArgs, env: Readonly<Record<string, string | undefined>>): Action;
}
