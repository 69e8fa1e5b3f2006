import { describe, expect, it } from 'vitest';
import { BuildNotFoundError, ValidationError, type NewBuild } from '../../../../../src/index.js';
import { createUpdateBuildStatusHandler } from '../../../../../src/lambda.js';
import { anInMemoryContainer } from '../../../../support/in-memory-container.js';
import { aCallbackPayload, aFailureCallback } from '../../../../support/mothers/callback-payload.mother.js';
import { STATE_MACHINE_ARN, aNewBuild } from '../../../../support/mothers/build.mother.js';
import { aLambdaContext } from '../../../../support/mothers/lambda-context.mother.js';
import { updateBuildStatusDeps } from '../../../../support/handler-deps.js';

function anUpdateBuildStatus() {
  const { container, buildRepository } = anInMemoryContainer();
  const startedBuild = async (): Promise<NewBuild> => {
    const build = aNewBuild();
    await buildRepository.create(build);
    await buildRepository.recordStart(build, `${STATE_MACHINE_ARN.replace('stateMachine', 'execution')}:${build.sk}`, new Date());
    return build;
  };
  const handler = createUpdateBuildStatusHandler(updateBuildStatusDeps(container));
  return { handle: (payload: unknown) => handler(payload, aLambdaContext()), buildRepository, startedBuild };
}

describe('update-build-status handler', () => {
  it('records SUCCESS', async () => {
    const { handle, buildRepository, startedBuild } = anUpdateBuildStatus();
    const build = await startedBuild();

    await expect(handle(aCallbackPayload(build))).resolves.toEqual({ outcome: 'completed', status: 'SUCCESS' });
    expect(await buildRepository.get(build)).toMatchObject({ status: 'SUCCESS', finishedAt: expect.any(Date) });
  });

  it('records FAILED with the reason', async () => {
    const { handle, buildRepository, startedBuild } = anUpdateBuildStatus();
    const build = await startedBuild();

    await expect(handle(aFailureCallback(build, 'stack rolled back'))).resolves.toEqual({ outcome: 'completed', status: 'FAILED' });
    expect(await buildRepository.get(build)).toMatchObject({ status: 'FAILED', errorMsg: 'stack rolled back' });
  });

  // The Go workflow's failure state sends the reason camelCase; those builds ended "no reason was reported".
  it("records the reason Go's workflow sends as errorMsg", async () => {
    const { handle, buildRepository, startedBuild } = anUpdateBuildStatus();
    const build = await startedBuild();
    const { repo, env, sk } = build;

    await expect(handle({ repo, env, sk, status: 'FAILED', errorMsg: 'Stack myapp-prd rolled back: UPDATE_ROLLBACK_COMPLETE' })).resolves.toEqual({
      outcome: 'completed',
      status: 'FAILED',
    });
    expect(await buildRepository.get(build)).toMatchObject({ status: 'FAILED', errorMsg: 'Stack myapp-prd rolled back: UPDATE_ROLLBACK_COMPLETE' });
  });

  it('takes error_msg over errorMsg when a payload has both', async () => {
    const { handle, buildRepository, startedBuild } = anUpdateBuildStatus();
    const build = await startedBuild();

    await handle({ ...aFailureCallback(build, 'the snake_case reason'), errorMsg: 'the camelCase reason' });

    expect(await buildRepository.get(build)).toMatchObject({ status: 'FAILED', errorMsg: 'the snake_case reason' });
  });

  it('answers a repeat as already completed', async () => {
    const { handle, startedBuild } = anUpdateBuildStatus();
    const build = await startedBuild();
    await handle(aCallbackPayload(build));

    await expect(handle(aCallbackPayload(build))).resolves.toEqual({ outcome: 'already-completed', status: 'SUCCESS' });
  });

  it('never moves a finished build to another end', async () => {
    const { handle, buildRepository, startedBuild } = anUpdateBuildStatus();
    const build = await startedBuild();
    await handle(aCallbackPayload(build));

    await expect(handle(aFailureCallback(build))).resolves.toEqual({ outcome: 'refused', status: 'SUCCESS' });
    expect(await buildRepository.get(build)).toMatchObject({ status: 'SUCCESS' });
  });

  it.each([
    ['a status that is no end', { status: 'IN_PROGRESS' }, 'status'],
    ['a missing status', { status: undefined }, 'status'],
    ['an error_msg that is no string', { status: 'FAILED', error_msg: 42 }, 'error_msg'],
    ['an errorMsg that is no string', { status: 'FAILED', errorMsg: ['rolled back'] }, 'errorMsg'],
    ['a repo with a separator', { repo: 'my/app' }, 'repo'],
    ['a missing sk', { sk: undefined }, 'sk'],
  ])('refuses a payload with %s, naming the field', async (_, overrides, field) => {
    const { handle, startedBuild } = anUpdateBuildStatus();
    const payload = { ...aCallbackPayload(await startedBuild()), ...overrides };

    await expect(handle(payload)).rejects.toThrow(expect.objectContaining({ constructor: ValidationError, field }));
  });

  it.each([null, 'SUCCESS', ['myapp']])('refuses a payload that is no object (%o)', async (payload) => {
    const { handle } = anUpdateBuildStatus();

    await expect(handle(payload)).rejects.toThrow(expect.objectContaining({ constructor: ValidationError, field: 'payload' }));
  });

  it('throws for a build that does not exist', async () => {
    const { handle } = anUpdateBuildStatus();

    await expect(handle(aCallbackPayload(aNewBuild()))).rejects.toBeInstanceOf(BuildNotFoundError);
  });
});
