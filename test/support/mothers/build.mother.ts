import { randomBytes } from 'node:crypto';
import { ksuidOf } from '../../../dev/ksuid.js';
import type { BuildKey, NewBuild, StepFunctionInput } from '../../../src/index.js';

let sequence = 0;
const runPrefix = Date.now().toString(36);
// Keeps the keys of test processes running side by side apart.
const processBytes = randomBytes(8);

/**
 * A KSUID sort key. Keys made later in a process sort after keys made
 * earlier, as real KSUIDs do across seconds: within one second the payload
 * starts with a counter.
 */
export function aSortKey(): string {
  sequence += 1;
  const payload = Buffer.alloc(16);
  payload.writeBigUInt64BE(BigInt(sequence), 0);
  processBytes.copy(payload, 8);
  return ksuidOf(new Date(), payload);
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
