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

/**
 * Parses one command's arguments strictly: unknown flags, missing values and
 * extra or missing positionals are {@link UsageError}s.
 */
export function parseCommandArgs(spec: CommandSpec, args: readonly string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: withNegativeNumbersAttached(args, spec.options),
      options: toParseArgsOptions(spec.options),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(parseArgsMessage(error, spec.options));
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

function toParseArgsOptions(specs: OptionSpecs): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [name, spec.short ? { type: spec.type, short: spec.short } : { type: spec.type }]),
  );
}

/**
 * parseArgs refuses a value that starts with a dash (`--limit -5` is
 * "ambiguous"), so a flag's own check, which says what it expects, would
 * never run. No flag starts with a digit: a negative number after a flag that
 * takes a value is that value, and is attached to it (`--limit=-5`).
 */
function withNegativeNumbersAttached(args: readonly string[], specs: OptionSpecs): string[] {
  const attached: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    const next = args[index + 1];
    if (arg === '--') return [...attached, ...args.slice(index)];
    const option = optionSpecOf(arg, specs);
    if (option?.spec.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      // parseArgs reads `--name=value`, and a short flag's value written right after it.
      attached.push(arg.startsWith('--') ? `${arg}=${next}` : `${arg}${next}`);
      index += 1;
    } else {
      attached.push(arg);
    }
  }
  return attached;
}

const NEGATIVE_NUMBER = /^-\.?\d/;

/** The spec of `--name` or `-n`, with its long name. */
function optionSpecOf(arg: string, specs: OptionSpecs): { name: string; spec: OptionSpec } | undefined {
  const entry = arg.startsWith('--')
    ? Object.entries(specs).find(([name]) => `--${name}` === arg)
    : Object.entries(specs).find(([, spec]) => spec.short !== undefined && `-${spec.short}` === arg);
  return entry && { name: entry[0], spec: entry[1] };
}

/** node's parseArgs messages carry advice for script authors; say what is wrong in this CLI's terms. */
function parseArgsMessage(error: unknown, specs: OptionSpecs): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  // The option as parseArgs quotes it: "'--limit'", "'-l'" or "'-l, --limit <value>'".
  const quoted = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return quoted ? `unknown option ${quoted}` : message;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted) {
    const option = longOptionIn(quoted, specs);
    if (message.includes('argument missing')) return `${option} needs a value`;
    // The next argument starts with a dash (and is no number): a flag, most likely.
    if (message.includes('ambiguous')) return `${option} needs a value (one that starts with "-" goes as ${option}=VALUE)`;
    return `${option} does not take a value`;
  }
  return message.split('\n')[0] ?? message;
}

/** `--limit` from "--limit", "-l, --limit <value>" or "-l". */
function longOptionIn(quoted: string, specs: OptionSpecs): string {
  const long = /--[\w-]+/.exec(quoted)?.[0];
  if (long) return long;
  const short = optionSpecOf(quoted, specs);
  return short ? `--${short.name}` : quoted;
}
