// The handler factories ./lambda exports still take the deprecated 0.2.0 form,
// a container, and resolve the same services from it; the HTTP API's takes the
// services httpApiServicesOf finds in a container.
import { describe, expect, it } from 'vitest';
import { createContainer } from '../../../src/index.js';
import { createHttpApiHandler, createUpdateBuildStatusHandler, httpApiServicesOf } from '../../../src/lambda.js';
import {
  InMemoryBuildRepository,
  InMemoryExecutionController,
  InMemoryExecutionInspector,
  InMemoryExecutionStarter,
  InMemoryIdempotencyStore,
  ManualClock,
  RecordingLogger,
} from '../../../src/testing.js';
import { CALLER_ARN, anHttpApiEvent } from '../../support/mothers/http-api-event.mother.js';
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

describe('httpApiServicesOf', () => {
  it("gives the HTTP API handler a container's build reads and manual deployment services", async () => {
    const builds = new InMemoryBuildRepository();
    const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
    const container = createContainer({
      buildRepository: builds,
      executionStarter: starter,
      executionInspector: new InMemoryExecutionInspector(starter),
      executionController: new InMemoryExecutionController(starter),
      idempotencyStore: new InMemoryIdempotencyStore(),
      clock: new ManualClock(),
      logger: new RecordingLogger(),
    });
    const source = await builds.create(aNewBuild());
    const handler = invokedByLambda(createHttpApiHandler({ services: httpApiServicesOf(container), logger: new RecordingLogger() }));
    const path = `/repos/${source.repo}/envs/${source.env}/builds/${source.sk}`;

    const redeployed = await handler(anHttpApiEvent({ method: 'POST', path: `${path}/redeploy`, headers: { 'idempotency-key': 'k-1' } }));
    const read = await handler(anHttpApiEvent({ method: 'GET', path }));

    expect(redeployed.statusCode).toBe(202);
    expect(JSON.parse(redeployed.body ?? '{}')).toMatchObject({ kind: 'redeploy', redeployOf: `${source.repo}/${source.env}:${source.sk}`, requestedBy: CALLER_ARN });
    expect(read.statusCode).toBe(200);
    expect(starter.executions).toHaveLength(0);
  });
});
