import { describe, expect, it } from 'vitest';
import { InMemoryBuildRepository } from '../../../../src/testing.js';
import { describeBuildRepositoryContract } from '../../../ports/build-repository.contract.js';
import { describeEnvironmentLockContract } from '../../../ports/environment-lock.contract.js';
import { describeManualDeploymentContract } from '../../../ports/manual-deployment.contract.js';
import { aNewBuild } from '../../../support/mothers/build.mother.js';

describeBuildRepositoryContract('in memory', () => new InMemoryBuildRepository());
describeBuildRepositoryContract('in memory, with latency', () => new InMemoryBuildRepository({ latencyMs: 1 }));
describeEnvironmentLockContract('in memory', () => new InMemoryBuildRepository());
describeManualDeploymentContract('in memory', () => new InMemoryBuildRepository());
describeEnvironmentLockContract('in memory, with latency', () => new InMemoryBuildRepository({ latencyMs: 1 }));

describe('InMemoryBuildRepository.history', () => {
  it('lists each status change once, in order', async () => {
    const repository = new InMemoryBuildRepository();
    const build = aNewBuild();
    const at = new Date('2026-03-01T10:00:00Z');
    await repository.create(build, at);
    await Promise.all([1, 2, 3].map(() => repository.recordStart(build, 'arn:one', at)));
    await repository.recordCompletion(build, { status: 'SUCCESS' }, at);
    expect(repository.history.map((change) => [change.from, change.to])).toEqual([
      [undefined, 'PENDING'],
      ['PENDING', 'IN_PROGRESS'],
      ['IN_PROGRESS', 'SUCCESS'],
    ]);
  });
});
