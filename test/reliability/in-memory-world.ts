import { buildKeyOfSerializedInput, canTransition, createContainer, type BuildKey } from '../../src/index.js';
import { InMemoryBuildRepository, InMemoryExecutionInspector, InMemoryExecutionStarter, RecordingLogger } from '../../src/testing.js';
import { FaultyBuildRepository } from '../support/faulty-build-repository.js';
import { STATE_MACHINE_ARN } from '../support/mothers/build.mother.js';
import type { Fault, LifecycleWorld } from './lifecycle-world.js';

/** The lifecycle on the in-memory adapters, DynamoDB faults injected by a wrapping repository. */
export function anInMemoryWorld(): LifecycleWorld {
  const store = new InMemoryBuildRepository();
  const repository = new FaultyBuildRepository(store);
  const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
  const container = createContainer({
    buildRepository: repository,
    executionStarter: starter,
    executionInspector: new InMemoryExecutionInspector(starter),
    logger: new RecordingLogger(),
  });

  const inject = (fault: Fault): void => {
    switch (fault) {
      case 'sfn-throttling':
        return starter.failNext('ThrottlingException');
      case 'sfn-5xx':
        return starter.failNext('InternalServerError');
      case 'sfn-execution-limit':
        return starter.failNext('ExecutionLimitExceeded');
      case 'sfn-permanent':
        return starter.failNext('StateMachineDoesNotExist');
      case 'dynamodb-throttling':
        return repository.failNext('ThrottlingException');
      case 'dynamodb-5xx':
        return repository.failNext('InternalServerError');
      case 'dynamodb-lost-answer':
        return repository.failNext('InternalServerError', { afterApply: true });
      case 'crash-between-start-and-write':
        return repository.failNext('InternalServerError', { operation: 'recordStart' });
    }
  };

  return {
    container,
    repository,
    stateMachineArn: STATE_MACHINE_ARN,
    inject,
    endExecution: async (executionArn, status) => starter.complete(executionArn, { status, ...(status === 'SUCCEEDED' ? {} : { error: `States.${status}` }) }),
    executions: async () =>
      starter.executions.map((execution) => ({
        executionArn: execution.executionArn,
        build: buildKeyOfSerializedInput(execution.input),
        status: execution.status,
      })),
    backwardMoves: async (builds: readonly BuildKey[]) => {
      const ids = new Set(builds.map(({ repo, env, sk }) => `${repo}/${env}:${sk}`));
      return store.history
        .filter((change) => ids.has(change.buildId) && change.from !== undefined && !canTransition(change.from, change.to))
        .map((change) => `${change.buildId}: ${change.from} -> ${change.to}`);
    },
    close: async () => undefined,
  };
}
