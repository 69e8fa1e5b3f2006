import { ValidationError, buildIdOf, newBuildSchema, newKsuid, parseWith, type NewBuild } from '../../../../domain/index.js';
import { stringValue, UsageError, type ParsedArgs } from '../args.js';
import { CONFIGURATION_OPTIONS, OUTPUT_OPTIONS } from '../common-options.js';
import type { Command } from '../command.js';
import { buildView } from '../format.js';
import { EXIT } from '../io.js';

export const createCommand: Command = {
  spec: {
    name: 'create',
    summary: "Record a new PENDING build, as AWS Deployer's upload function does for an artifact.",
    description:
      'Writes the build with a new KSUID as its sk, build_number the part of --version before its first dot\n' +
      'and stack_name {env}-{repo}; prints its id. On a table with its stream wired to trigger-build, the new\n' +
      'build is then deployed as any other; elsewhere, start it with the start command.',
    positionals: [
      { name: 'repo', description: 'The repository.' },
      { name: 'env', description: 'The environment.' },
    ],
    options: {
      branch: { type: 'string', valueName: 'branch', description: 'The git branch the artifact was built from (required).' },
      version: { type: 'string', valueName: 'version', description: 'The artifact version, {build_number}.{commit_hash} in Go\'s uploads (required).' },
      'commit-hash': { type: 'string', valueName: 'hash', description: 'The git commit (required).' },
      ...CONFIGURATION_OPTIONS,
      ...OUTPUT_OPTIONS,
    },
    examples: [
      'aws-deployer-orchestrator create myapp prd --branch main --version 42.abc1234 --commit-hash abc1234',
      'aws-deployer-orchestrator create myapp prd --branch main --version 42.abc1234 --commit-hash abc1234 --json',
    ],
  },
  stateMachine: 'unused',
  parse(args) {
    const fields = {
      repo: args.positionals.repo ?? '',
      env: args.positionals.env ?? '',
      branch: required(args, 'branch'),
      version: required(args, 'version'),
      commitHash: required(args, 'commit-hash'),
    };
    // Checked now, so a bad value is a usage error and nothing is written; the sk comes at run time
    // (a KSUID holds the second the build is created in).
    const newBuild = (sk: string): NewBuild => {
      const build: NewBuild = { ...fields, sk, ...derivedFields(fields) };
      try {
        parseWith(newBuildSchema, build);
      } catch (error) {
        const flag = error instanceof ValidationError ? FLAG_OF_FIELD[error.field] : undefined;
        if (flag !== undefined) throw new ValidationError(flag, (error as ValidationError).reason);
        throw error;
      }
      return build;
    };
    newBuild(newKsuid());
    return async ({ services, output, io }) => {
      const now = io.now();
      const build = await services().builds.create(newBuild(newKsuid(now)), now);
      output.result(buildView(build), `${buildIdOf(build)}\n`);
      return EXIT.OK;
    };
  },
};

/**
 * What Go's upload function derives from the others: `build_number`, the part
 * of the version before its first dot (left out when that is empty, as Go's
 * `omitempty` leaves it), and `stack_name`, `{env}-{repo}`.
 */
function derivedFields({ repo, env, version }: { repo: string; env: string; version: string }): Pick<NewBuild, 'buildNumber' | 'stackName'> {
  const buildNumber = version.split('.')[0] ?? '';
  return { ...(buildNumber.trim() === '' ? {} : { buildNumber }), stackName: `${env}-${repo}` };
}

/** The flag each field comes from, as a validation error names it. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = { commitHash: 'commit-hash', buildNumber: 'version', stackName: 'repo' };

function required(args: ParsedArgs, name: string): string {
  const value = stringValue(args, name);
  if (value === undefined) throw new UsageError(`missing --${name}`);
  return value;
}
