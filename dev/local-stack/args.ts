/** What `npm start -- [options]` asks for. */
export interface MainOptions {
  /** `--keep`: leave the stack running after the scenario, until Ctrl-C. */
  readonly keep: boolean;
  readonly help: boolean;
}

export const USAGE = `Usage: npm start -- [--keep]

Brings up a local stack (DynamoDB Local, a local Step Functions endpoint running
state-machine/deployment.asl.json, the stream poller and the Lambda handlers),
drives a few builds through it and prints their lifecycle and a summary.
Exits 0 when every build ended as expected, 1 otherwise.

  --keep   leave the stack running afterwards and print how to point the CLI at it;
           stop it with Ctrl-C
  --help   show this text

Environment: DYNAMODB_LOCAL (jvm | testcontainers), DYNAMODB_LOCAL_IMAGE, DYNAMODB_ENDPOINT
(see docs/testing.md).
`;

/**
 * Reads `npm start -- [--keep] [--help]`.
 *
 * @throws Error naming an argument it does not know.
 */
export function parseMainArgs(argv: readonly string[]): MainOptions {
  let keep = false;
  let help = false;
  for (const arg of argv) {
    if (arg === '--keep') keep = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else throw new Error(`unknown argument "${arg}"`);
  }
  return { keep, help };
}
