import { CONCURRENCY_POLICIES, DEFAULT_CONCURRENCY_POLICY, type ConcurrencyPolicy } from '../../src/index.js';

/** What `npm start -- [options]` asks for. */
export interface MainOptions {
  /** `--keep`: leave the stack running after the scenario, until Ctrl-C. */
  readonly keep: boolean;
  /** `--concurrency`: the policy every Lambda function of the stack runs under (default `queue`). */
  readonly concurrency: ConcurrencyPolicy;
  readonly help: boolean;
}

export const USAGE = `Usage: npm start -- [--keep] [--concurrency queue|supersede|parallel]

Brings up a local stack (DynamoDB Local, a local Step Functions endpoint running
state-machine/deployment.asl.json, the stream poller, the Lambda handlers and
the HTTP API's handler on 127.0.0.1), drives a few builds through it (among them
a burst of three builds to one environment) and prints their lifecycle and a
summary; then asks the HTTP API for a redeploy and a rollback and follows both
until they have deployed.
Exits 0 when every build ended as the policy expects and both HTTP deployments
succeeded, 1 otherwise.

  --concurrency <policy>  how the builds of one environment share it (default: queue)
                            queue      one deployment at a time; the burst deploys one after another
                            supersede  one at a time; of the builds that waited, only the newest deploys
                            parallel   no lock; the burst's later builds find the stack busy and fail
  --keep                  leave the stack running afterwards and print how to point the CLI
                          and curl at it; stop it with Ctrl-C
  --help                  show this text

Environment: DYNAMODB_LOCAL (jvm | testcontainers), DYNAMODB_LOCAL_IMAGE, DYNAMODB_ENDPOINT
(see docs/testing.md).
`;

/**
 * Reads `npm start -- [--keep] [--concurrency <policy>] [--help]`
 * (`--concurrency=<policy>` too).
 *
 * @throws Error naming an argument it does not know, or a policy it does not know.
 */
export function parseMainArgs(argv: readonly string[]): MainOptions {
  let keep = false;
  let help = false;
  let concurrency: ConcurrencyPolicy = DEFAULT_CONCURRENCY_POLICY;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg === '--keep') keep = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--concurrency') {
      index += 1;
      concurrency = concurrencyPolicyOf(argv[index]);
    } else if (arg.startsWith('--concurrency=')) concurrency = concurrencyPolicyOf(arg.slice('--concurrency='.length));
    else throw new Error(`unknown argument "${arg}"`);
  }
  return { keep, concurrency, help };
}

function concurrencyPolicyOf(value: string | undefined): ConcurrencyPolicy {
  const policy = CONCURRENCY_POLICIES.find((candidate) => candidate === value);
  if (policy === undefined) {
    throw new Error(`--concurrency needs one of ${CONCURRENCY_POLICIES.join(', ')}${value === undefined ? '' : `, got "${value}"`}`);
  }
  return policy;
}
