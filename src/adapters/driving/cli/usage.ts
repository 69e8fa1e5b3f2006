import { PROGRAM, type CommandSpec } from './args.js';
import { CONFIGURATION_OPTIONS } from './common-options.js';

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
  const configurationFlags = Object.keys(CONFIGURATION_OPTIONS).map((name) => `--${name}`);
  return [
    `Usage: ${PROGRAM} <command> [arguments] [options]`,
    `       ${PROGRAM} --version`,
    '',
    'Operate the deployment orchestrator: create, start, inspect and complete builds, sweep open ones,',
    "release an environment's deployment lock by hand, and redeploy, roll back, redrive or cancel builds.",
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Every command takes --help, --json (machine-readable output), --verbose and every',
    'configuration flag (a command ignores those it does not use):',
    `  ${configurationFlags.join(' ')}`,
    'Environment: BUILDS_TABLE_NAME, STATE_MACHINE_ARN, ARTIFACT_BUCKET, IDEMPOTENCY_TABLE_NAME, AWS_REGION',
    '(the flags win).',
    'The commands that start or end builds (start, wait, complete, reconcile, sweep, redeploy, rollback,',
    'redrive, cancel) also take --concurrency queue|supersede|parallel (default: $DEPLOYMENT_CONCURRENCY,',
    "then queue): the deployment's policy.",
    '',
    'Exit codes: 0 ok, 1 the operation failed or was refused (or the build ended FAILED), 2 usage error,',
    '3 a wait gave up before the build ended, 4 AWS could not be used (credentials, profile, network,',
    'region, permissions, throttling, the table not found, STS could not name the caller): the message',
    'names the flag or variable to fix.',
    `Run '${PROGRAM} <command> --help' for a command's arguments and options.`,
    '',
  ].join('\n');
}
