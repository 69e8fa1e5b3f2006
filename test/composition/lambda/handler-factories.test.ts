// The handler factories ./lambda exports still take the deprecated 0.2.0 form,
// a container, and resolve the same services from it.
import { describe, expect, it } from 'vitest';
import { createContainer } from '../../../src/index.js';
import { createUpdateBuildStatusHandler } from '../../../src/lambda.js';
import { InMemoryBuildRepository, InMemoryExecutionStarter, ManualClock, RecordingLogger } from '../../../src/testing.js';
import { invokedByLambda } from '../../support/mothers/lambda-context.mother.js';
import { STATE_MACHINE_ARN, aNewBuild } from '../../support/mothers/build.mother.js';
import { updateBuildStatusDeps } from '../../support/handler-deps.js';

describe('the deprecated container form of the handler factories', () => {
  it('records a build end as the services form does', async () => {
    const builds = new InMemoryBuildRepository();
    const container = createContainer({
      buildRepository: builds,
      executionStarter: new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN }),
      clock: new ManualClock(),
      logger: new RecordingLogger(),
    });
    const [viaContainer, viaServices] = [aNewBuild(), aNewBuild()];
    await builds.create(viaContainer);
    await builds.create(viaServices);

    const deprecated = invokedByLambda(createUpdateBuildStatusHandler({ container }));
    const current = invokedByLambda(createUpdateBuildStatusHandler(updateBuildStatusDeps(container)));
    const payload = (build: typeof viaContainer) => ({ repo: build.repo, env: build.env, sk: build.sk, status: 'SUCCESS' });

    await expect(deprecated(payload(viaContainer))).resolves.toEqual({ outcome: 'completed', status: 'SUCCESS' });
    await expect(current(payload(viaServices))).resolves.toEqual({ outcome: 'completed', status: 'SUCCESS' });
    await expect(builds.get(viaContainer)).resolves.toMatchObject({ status: 'SUCCESS' });
  });
});
