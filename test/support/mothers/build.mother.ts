import type { BuildKey, NewBuild, StepFunctionInput } from '../../../src/index.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
let sequence = 0;
const runPrefix = Date.now().toString(36);

/**
 * A KSUID-shaped sort key (27 base62 characters). Keys made later sort after
 * keys made earlier, as real KSUIDs do.
 */
export function aSortKey(): string {
  sequence += 1;
  let n = BigInt(Date.now()) * 1_000_000n + BigInt(sequence);
  let encoded = '';
  while (n > 0n) {
    encoded = BASE62[Number(n % 62n)] + encoded;
    n /= 62n;
  }
  return encoded.padStart(27, '0');
}

/** A repo/env pair no other test uses, so tests can share a table. */
export function aUniqueScope(): { repo: string; env: string } {
  sequence += 1;
  return { repo: `app-${runPrefix}-${sequence}`, env: `env-${runPrefix}-${sequence}` };
}

export function aBuildKey(overrides: Partial<BuildKey> = {}): BuildKey {
  return { ...aUniqueScope(), sk: aSortKey(), ...overrides };
}

export function aNewBuild(overrides: Partial<NewBuild> = {}): NewBuild {
  return { ...aBuildKey(), branch: 'main', version: '1.2.3', commitHash: 'abc123', ...overrides };
}

/** The execution input of a build, as trigger-build would derive it. */
export function anInputFor(build: NewBuild, overrides: Partial<StepFunctionInput> = {}): StepFunctionInput {
  return {
    repo: build.repo,
    env: build.env,
    sk: build.sk,
    branch: build.branch,
    version: build.version,
    commitHash: build.commitHash,
    s3Bucket: 'my-artifacts-bucket',
    s3Key: `${build.repo}/${build.branch}/${build.version}`,
    ...overrides,
  };
}

export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:deployment';
