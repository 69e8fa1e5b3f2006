import { ValidationError } from '../../../domain/index.js';
import { flag, locateCommand, parseCommandArgs, UsageError, type OptionSpecs, type ParsedArgs } from './args.js';
import { isInfrastructureError, restateAwsError } from './aws-problems.js';
import type { Command } from './command.js';
import { cancelCommand } from './commands/cancel.js';
import { completeCommand } from './commands/complete.js';
import { createCommand } from './commands/create.js';
import { getCommand } from './commands/get.js';
import { latestCommand } from './commands/latest.js';
import { listCommand } from './commands/list.js';
import { locksCommand } from './commands/locks.js';
import { reconcileCommand } from './commands/reconcile.js';
import { redeployCommand } from './commands/redeploy.js';
import { redriveCommand } from './commands/redrive.js';
import { rollbackCommand } from './commands/rollback.js';
import { startCommand } from './commands/start.js';
import { sweepCommand } from './commands/sweep.js';
import { unlockCommand } from './commands/unlock.js';
import { waitCommand } from './commands/wait.js';
import { PROGRAM_OPTIONS } from './common-options.js';
import type { CliServices, ComposeServices } from './cli-services.js';
import { resolveConnection, type ConnectionConfig } from './config.js';
import { EXIT, type CliIo, type ExitCode } from './io.js';
import { Output } from './output.js';
import { StderrJsonLogger } from './stderr-logger.js';
import { commandUsage, programUsage } from './usage.js';
import { packageVersion } from './version.js';

export const COMMANDS: readonly Command[] = [
  createCommand,
  startCommand,
  waitCommand,
  getCommand,
  listCommand,
  latestCommand,
  completeCommand,
  reconcileCommand,
  sweepCommand,
  locksCommand,
  unlockCommand,
  redeployCommand,
  rollbackCommand,
  redriveCommand,
  cancelCommand,
];

const ALL_OPTIONS: OptionSpecs = Object.assign({}, PROGRAM_OPTIONS, ...COMMANDS.map((command) => command.spec.options)) as OptionSpecs;

export interface RunOptions {
  /**
   * Loads the composition of the services. It is called only once the
   * command line is valid, so help and usage errors stay fast without the AWS SDK.
   */
  readonly loadComposition: () => Promise<ComposeServices>;
}

/**
 * The whole CLI: parses `argv` (without node and the script), runs the
 * command and resolves to the exit code. Never throws, never exits the process.
 */
export async function run(argv: readonly string[], io: CliIo, options: RunOptions): Promise<ExitCode> {
  const wantsJson = argv.includes('--json');
  const { name, rest } = locateCommand(argv, ALL_OPTIONS);
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  const usage = programUsage(COMMANDS.map((command) => command.spec));

  if (name === undefined || name === 'help') {
    const topic = name === 'help' ? rest.find((arg) => !arg.startsWith('-')) : undefined;
    const command = COMMANDS.find((candidate) => candidate.spec.name === topic);
    if (command) {
      io.stdout.write(commandUsage(command.spec));
      return EXIT.OK;
    }
    if (wantsHelp || name === 'help') {
      io.stdout.write(usage);
      return EXIT.OK;
    }
    if (rest.includes('--version')) {
      const version = packageVersion();
      new Output(io, wantsJson).result({ version }, `${version}\n`);
      return EXIT.OK;
    }
    new Output(io, wantsJson).error(new UsageError('missing command'));
    if (!wantsJson) io.stderr.write(`\n${usage}`);
    return EXIT.USAGE;
  }

  const command = COMMANDS.find((candidate) => candidate.spec.name === name);
  if (!command) {
    const known = COMMANDS.map((candidate) => candidate.spec.name).join(', ');
    new Output(io, wantsJson).error(new UsageError(`unknown command "${name}" (commands: ${known})`));
    return EXIT.USAGE;
  }
  if (wantsHelp) {
    io.stdout.write(commandUsage(command.spec));
    return EXIT.OK;
  }
  return runCommand(command, rest, io, wantsJson, options.loadComposition);
}

async function runCommand(
  command: Command,
  args: readonly string[],
  io: CliIo,
  wantsJson: boolean,
  loadComposition: () => Promise<ComposeServices>,
): Promise<ExitCode> {
  let output = new Output(io, wantsJson);
  let action;
  let connection: ConnectionConfig;
  let services: () => CliServices;
  try {
    const parsed: ParsedArgs = parseCommandArgs(command.spec, args);
    output = new Output(io, flag(parsed, 'json'));
    action = command.parse(parsed, io.env);
    // A command that starts or ends builds takes --concurrency: its services follow the policy.
    const stateMachine = typeof command.stateMachine === 'function' ? command.stateMachine(parsed) : command.stateMachine;
    connection = resolveConnection(parsed, io.env, { stateMachine, concurrency: 'concurrency' in command.spec.options });
    const composeWith = await loadComposition();
    const logger = new StderrJsonLogger(io.stderr, flag(parsed, 'verbose') ? 'info' : 'warn', io.now);
    let composed: CliServices | undefined;
    services = () => (composed ??= composeWith(connection, logger));
  } catch (error) {
    // Everything so far came from the command line.
    output.error(error, command.spec.name);
    return isUsageProblem(error) ? EXIT.USAGE : EXIT.FAILED;
  }

  try {
    return await action({ io, output, services, connection });
  } catch (caught) {
    const error = restateAwsError(caught, connection, io.env) ?? caught;
    output.error(error, command.spec.name);
    if (error instanceof UsageError) return EXIT.USAGE;
    // AWS could not be used: says nothing of the build, unlike FAILED (1).
    return isInfrastructureError(error) ? EXIT.INFRASTRUCTURE : EXIT.FAILED;
  }
}

function isUsageProblem(error: unknown): boolean {
  return error instanceof UsageError || error instanceof ValidationError;
}
