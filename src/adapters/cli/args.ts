import { parseArgs } from 'node:util';

export const PROGRAM = 'aws-deployer-orchestrator';

/** The command line is wrong: exit code 2, with a pointer to `--help`. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Shown in the usage text: `--limit <n>`. */
  readonly valueName?: string;
  readonly description: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  /** May be left out (only after every required one); its value is then `''`. */
  readonly optional?: boolean;
}

/** What a command accepts, and everything its `--help` shows. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly description?: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: OptionSpecs;
  readonly examples: readonly string[];
}

export interface ParsedArgs {
  /** Positional arguments by their spec name. */
  readonly positionals: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
}

/** Flags every command accepts. */
export const OUTPUT_OPTIONS: OptionSpecs = {
  json: { type: 'boolean', description: 'Print one JSON document on stdout instead of text.' },
  verbose: { type: 'boolean', short: 'v', description: 'Log the library at info level (JSON lines on stderr; default: warn).' },
  help: { type: 'boolean', short: 'h', description: 'Show this help.' },
};

/**
 * Where the builds and executions live. Every command accepts all of them
 * (so one alias or wrapper serves every command); only `start` and
 * `reconcile` use the state machine.
 */
export const CONNECTION_OPTIONS: OptionSpecs = {
  table: { type: 'string', valueName: 'name', description: 'Builds table (default: $BUILDS_TABLE_NAME).' },
  'state-machine-arn': {
    type: 'string',
    valueName: 'arn',
    description: 'STANDARD deployment state machine, for start and reconcile (default: $STATE_MACHINE_ARN).',
  },
  region: { type: 'string', valueName: 'region', description: 'AWS region (default: $AWS_REGION, then the SDK profile).' },
  'dynamodb-endpoint': { type: 'string', valueName: 'url', description: 'DynamoDB endpoint, e.g. http://localhost:8000 for DynamoDB Local.' },
  'sfn-endpoint': { type: 'string', valueName: 'url', description: 'Step Functions endpoint, for a local one.' },
};

/**
 * Parses one command's arguments strictly: unknown flags, missing values and
 * extra or missing positionals are {@link UsageError}s.
 */
export function parseCommandArgs(spec: CommandSpec, args: readonly string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...args],
      options: toParseArgsOptions(spec.options),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(parseArgsMessage(error));
  }
  const given = parsed.positionals;
  const missing = spec.positionals[given.length];
  if (missing && !missing.optional) throw new UsageError(`missing argument <${missing.name}>`);
  if (given.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument "${given[spec.positionals.length] ?? ''}"`);
  }
  const positionals = Object.fromEntries(spec.positionals.map((positional, index) => [positional.name, given[index] ?? '']));
  return { positionals, values: parsed.values as ParsedArgs['values'] };
}

/**
 * Finds the command name in a command line whose flags may come before it:
 * the first positional, reading flags with every command's option specs.
 */
export function locateCommand(args: readonly string[], allOptions: OptionSpecs): { name?: string; rest: string[] } {
  const { tokens } = parseArgs({
    args: [...args],
    options: toParseArgsOptions(allOptions),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const first = tokens.find((token) => token.kind === 'positional');
  if (!first) return { rest: [...args] };
  return { name: first.value, rest: args.filter((_, index) => index !== first.index) };
}

export function stringValue(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** A numeric flag within bounds; the error names the flag. */
export function numberValue(
  args: ParsedArgs,
  name: string,
  rule: { readonly min: number; readonly max: number; readonly integer?: boolean; readonly default: number },
): number {
  const raw = stringValue(args, name);
  if (raw === undefined) return rule.default;
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  const kind = rule.integer ? 'an integer' : 'a number';
  if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value)) || value < rule.min || value > rule.max) {
    throw new UsageError(`--${name} must be ${kind} from ${rule.min} to ${rule.max}, got "${raw}"`);
  }
  return value;
}

/** `aws-deployer-orchestrator <command> --help`. */
export function commandUsage(spec: CommandSpec): string {
  const positionals = spec.positionals
    .map((positional) => (positional.optional ? ` [${positional.name}]` : ` <${positional.name}>`))
    .join('');
  const lines = [`Usage: ${PROGRAM} ${spec.name}${positionals} [options]`, '', spec.summary];
  if (spec.description) lines.push('', spec.description);
  if (spec.positionals.length > 0) {
    lines.push('', 'Arguments:');
    const width = Math.max(...spec.positionals.map((positional) => positional.name.length + 2));
    for (const positional of spec.positionals) {
      lines.push(`  ${`<${positional.name}>`.padEnd(width)}  ${positional.description}`);
    }
  }
  lines.push('', 'Options:');
  const rows = Object.entries(spec.options).map(([name, option]) => {
    const short = option.short ? `-${option.short}, ` : '    ';
    const value = option.type === 'string' ? ` <${option.valueName ?? 'value'}>` : '';
    return [`${short}--${name}${value}`, option.description] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  for (const [left, description] of rows) lines.push(`  ${left.padEnd(width)}  ${description}`);
  if (spec.examples.length > 0) {
    lines.push('', 'Examples:');
    for (const example of spec.examples) lines.push(`  ${example}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `aws-deployer-orchestrator --help`. */
export function programUsage(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    `Usage: ${PROGRAM} <command> [arguments] [options]`,
    '',
    'Operate the deployment orchestrator: start, inspect and complete builds.',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Every command takes --help, --json (machine-readable output) and --verbose.',
    'Environment: BUILDS_TABLE_NAME, STATE_MACHINE_ARN, ARTIFACT_BUCKET, AWS_REGION',
    '(flags --table, --state-machine-arn, --s3-bucket, --region win over them).',
    '',
    'Exit codes: 0 ok, 1 the operation failed, 2 usage error.',
    `Run '${PROGRAM} <command> --help' for a command's arguments and options.`,
    '',
  ].join('\n');
}

function toParseArgsOptions(specs: OptionSpecs): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [name, spec.short ? { type: spec.type, short: spec.short } : { type: spec.type }]),
  );
}

/** node's parseArgs messages carry advice for script authors; keep the first sentence. */
function parseArgsMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1];
    return option ? `unknown option ${option}` : message;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /Option '(?:-\w, )?(--[\w-]+)/.exec(message)?.[1];
    if (option && message.includes('argument missing')) return `${option} needs a value`;
    if (option) return `${option} does not take a value`;
  }
  return message.split('\n')[0] ?? message;
}
