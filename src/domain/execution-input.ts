import * as z from 'zod/mini';
import { buildKeySchema, recordedBuildKeySchema, type BuildKey } from './build-key.js';
import { ValidationError } from './orchestrator.errors.js';
import { nonEmptyText as text, parseWith } from './validation.js';

export const stepFunctionInputSchema = z.extend(buildKeySchema, {
  branch: text,
  version: text,
  commitHash: text,
  s3Bucket: text,
  s3Key: text,
});

/** The input of a deployment execution, in the module's camelCase. */
export type StepFunctionInput = z.output<typeof stepFunctionInputSchema>;

/**
 * The wire form: snake_case keys in exactly this order, every key present.
 * Order matters because Step Functions compares the input byte for byte when
 * an execution name is reused.
 */
const WIRE_KEYS = [
  ['repo', 'repo'],
  ['env', 'env'],
  ['branch', 'branch'],
  ['version', 'version'],
  ['sk', 'sk'],
  ['commit_hash', 'commitHash'],
  ['s3_bucket', 's3Bucket'],
  ['s3_key', 's3Key'],
] as const satisfies ReadonlyArray<readonly [string, keyof StepFunctionInput]>;

/** Validates an execution input, throwing a {@link ValidationError} naming the field. */
export function parseStepFunctionInput(value: unknown): StepFunctionInput {
  return parseWith(stepFunctionInputSchema, value);
}

/**
 * Serialises an input deterministically. Its size is the starter's to check:
 * an input over Step Functions' limit fails the start with a permanent error
 * naming the input and its size.
 */
export function serializeStepFunctionInput(input: StepFunctionInput): string {
  const wire = Object.fromEntries(WIRE_KEYS.map(([wireKey, key]) => [wireKey, input[key]]));
  return JSON.stringify(wire).replace(GO_HTML_ESCAPED, (character) => GO_ESCAPES[character] ?? character);
}

// Go's json.Marshal (what the Go implementation starts executions with) escapes "<", ">", "&",
// U+2028 and U+2029 as \u003c, \u003e, \u0026, \u2028 and \u2029 (its HTMLEscape; encoding/json's
// documentation). Step Functions compares an execution's input byte for byte when a name is reused,
// so the same build must serialise to Go's very bytes. These characters only occur inside strings here.
const GO_HTML_ESCAPED = /[<>&\u2028\u2029]/g;
const GO_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

const wireInputSchema = z.object(
  Object.fromEntries(WIRE_KEYS.map(([wireKey]) => [wireKey, z.string({ error: 'must be a string' })])),
);

/** Reads an execution's input (as Step Functions returns it) back into a validated input. */
export function deserializeStepFunctionInput(json: string): StepFunctionInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ValidationError('input', 'is not JSON');
  }
  const wire = parseWith(wireInputSchema, parsed) as Record<string, string>;
  return parseStepFunctionInput(Object.fromEntries(WIRE_KEYS.map(([wireKey, key]) => [key, wire[wireKey]])));
}

/** The build attributes a deployment needs, by the name they have in the item and the wire input. */
const REQUIRED_BUILD_ATTRIBUTES = [
  ['branch', 'branch'],
  ['version', 'version'],
  ['commit_hash', 'commitHash'],
] as const;

/**
 * The execution input of a build: the artifacts are at
 * `s3://{s3Bucket}/{repo}/{branch}/{version}`, as the Go implementation lays them out.
 *
 * @throws ValidationError naming the attribute (`branch`, `version`,
 *   `commit_hash`) when the build has none: Go leaves an empty value out of
 *   the item (`omitempty`), and such a build cannot be deployed. The caller
 *   records it `FAILED` with this reason rather than deploy `{repo}//`.
 */
export function executionInputFor(
  build: BuildKey & { readonly branch: string; readonly version: string; readonly commitHash: string },
  s3Bucket: string,
): StepFunctionInput {
  for (const [attribute, field] of REQUIRED_BUILD_ATTRIBUTES) {
    if (build[field] === '') {
      throw new ValidationError(attribute, 'is absent or empty in the build record; a build cannot be deployed without it');
    }
  }
  return {
    repo: build.repo,
    env: build.env,
    branch: build.branch,
    version: build.version,
    sk: build.sk,
    commitHash: build.commitHash,
    s3Bucket,
    s3Key: `${build.repo}/${build.branch}/${build.version}`,
  };
}

/** The build an execution input belongs to. */
export function buildKeyOf(input: Pick<StepFunctionInput, 'repo' | 'env' | 'sk'>): BuildKey {
  return { repo: input.repo, env: input.env, sk: input.sk };
}

/**
 * The build a serialised execution input names, or `undefined` when it names
 * none: tells whether an existing execution of the same name is this build's,
 * and which build an execution reconciles. Read as a recorded key, so the
 * executions Go started for builds with odd keys are found too.
 */
export function buildKeyOfSerializedInput(json: string): BuildKey | undefined {
  let wire: unknown;
  try {
    wire = JSON.parse(json);
  } catch {
    return undefined;
  }
  const key = z.safeParse(recordedBuildKeySchema, wire);
  return key.success ? key.data : undefined;
}
