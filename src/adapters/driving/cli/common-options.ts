import type { OptionSpecs } from './args.js';

/** Flags of the program itself, given without a command. */
export const PROGRAM_OPTIONS: OptionSpecs = {
  // No `-v`: every command already reads it as --verbose.
  version: { type: 'boolean', description: "Print the package's version." },
};

/** Flags every command accepts. */
export const OUTPUT_OPTIONS: OptionSpecs = {
  json: { type: 'boolean', description: 'Print one JSON document on stdout instead of text.' },
  verbose: { type: 'boolean', short: 'v', description: 'Log the library at info level (JSON lines on stderr; default: warn).' },
  help: { type: 'boolean', short: 'h', description: 'Show this help.' },
};

/**
 * Where the builds and executions live (docs/cli.md, "Configuration"). Every
 * command accepts all of them, so one alias or wrapper serves every command;
 * a command ignores those it does not use (`start`, `wait`, `reconcile`,
 * `sweep`, `rollback` and `redrive` use the state machine, `redeploy` and
 * `cancel` with `--wait` (`cancel` also with `--force`), `complete` and
 * `unlock` when it is given; only `start` and `sweep` the artifacts bucket; only the manual
 * deployment commands, with `--idempotency-key`, the idempotency table).
 */
export const CONFIGURATION_OPTIONS: OptionSpecs = {
  table: { type: 'string', valueName: 'name', description: 'Builds table (default: $BUILDS_TABLE_NAME).' },
  'state-machine-arn': {
    type: 'string',
    valueName: 'arn',
    description:
      'STANDARD deployment state machine, for start, wait, reconcile, sweep, rollback, redrive, complete and unlock, and ' +
      'redeploy --wait or cancel --force/--wait (default: $STATE_MACHINE_ARN).',
  },
  's3-bucket': {
    type: 'string',
    valueName: 'bucket',
    description: "Artifacts bucket put in a started execution's input, for start and sweep (default: $ARTIFACT_BUCKET).",
  },
  region: { type: 'string', valueName: 'region', description: 'AWS region (default: $AWS_REGION, then the SDK profile).' },
  'dynamodb-endpoint': { type: 'string', valueName: 'url', description: 'DynamoDB endpoint, e.g. http://localhost:8000 for DynamoDB Local.' },
  'sfn-endpoint': { type: 'string', valueName: 'url', description: 'Step Functions endpoint, for a local one.' },
  'idempotency-table': {
    type: 'string',
    valueName: 'name',
    description: 'Idempotency table, for redeploy, rollback, redrive and cancel with --idempotency-key (default: $IDEMPOTENCY_TABLE_NAME).',
  },
};

/**
 * What makes a manual deployment request (`redeploy`, `rollback`, `redrive`,
 * `cancel`) safe to retry.
 */
export const IDEMPOTENCY_OPTIONS: OptionSpecs = {
  'idempotency-key': {
    type: 'string',
    valueName: 'key',
    description:
      'Makes a retry safe: your same request with the same key within 24 hours gets the first result and does nothing new ' +
      '(1 to 255 visible ASCII characters, e.g. a UUID; needs --idempotency-table).',
  },
};

/**
 * The concurrency policy of the services that start or end builds (`start`,
 * `wait`, `complete`, `reconcile`, `sweep`, and the manual deployment
 * commands `redeploy`, `rollback`, `redrive`, `cancel`): how the builds of one
 * environment share it. It must be the deployment's own (the functions'
 * `DEPLOYMENT_CONCURRENCY`): one policy per table.
 */
export const CONCURRENCY_OPTIONS: OptionSpecs = {
  concurrency: {
    type: 'string',
    valueName: 'policy',
    description: "queue, supersede or parallel: the deployment's policy for starting and ending builds (default: $DEPLOYMENT_CONCURRENCY, then queue).",
  },
};
