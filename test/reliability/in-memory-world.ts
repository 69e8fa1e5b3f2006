import type { ServiceContainer } from '../../src/composition/service-container.js';
import {
  buildKeyOfSerializedInput,
  canTransition,
  createContainer,
  pendingBuild,
  type BuildKey,
  type ConcurrencyPolicy,
  type NewBuild,
} from '../../src/index.js';
import {
  InMemoryBuildRepository,
  InMemoryExecutionController,
  InMemoryExecutionInspector,
  InMemoryExecutionStarter,
  InMemoryIdempotencyStore,
  RecordingLogger,
} from '../../src/testing.js';
import { FaultyBuildRepository } from '../support/faulty-build-repository.js';
import { STATE_MACHINE_ARN } from '../support/mothers/build.mother.js';
import type { Fault, LifecycleWorld } from './lifecycle-world.js';

/** The lifecycle on the in-memory adapters, DynamoDB faults injected by a wrapping repository. */
export function anInMemoryWorld(): LifecycleWorld {
  const store = new InMemoryBuildRepository();
  const repository = new FaultyBuildRepository(store);
  const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
  // Idempotency keys outlive a process, as their table does.
  const idempotencyStore = new InMemoryIdempotencyStore();
  let policy: ConcurrencyPolicy = 'queue';
  const aProcess = (): ServiceContainer =>
    createContainer({
      buildRepository: repository,
      executionStarter: starter,
      executionInspector: new InMemoryExecutionInspector(starter),
      executionController: new InMemoryExecutionController(starter),
      idempotencyStore,
      logger: new RecordingLogger(),
      concurrency: policy,
    });
  let container = aProcess();

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

  // What Go's create writes: build_number (the part of version before its first dot) and stack_name.
  const asGoCreatesIt = (build: NewBuild) =>
    pendingBuild({ ...build, buildNumber: build.version.split('.')[0] ?? '', stackName: `${build.env}-${build.repo}` }, new Date());

  return {
    get container() {
      return container;
    },
    repository,
    stateMachineArn: STATE_MACHINE_ARN,
    inject,
    createAsGo: async (build) => store.seed(asGoCreatesIt(build)),
    reinsert: async (build) => store.seed(asGoCreatesIt(build)),
    // Memory has no item size limit: the DynamoDB world exercises this step.
    bloat: async () => undefined,
    startForeignExecution: async (name, input) => (await starter.startByHand({ name, input })).executionArn,
    coldStart: (describeFails) => {
      // The starter stands for Step Functions itself and outlives the process; a
      // failed check acts as a permanent start error on the next start.
      if (describeFails) starter.failNext('KmsAccessDeniedException');
      container = aProcess();
    },
    usePolicy: (next) => {
      policy = next;
      container = aProcess();
    },
    endExecution: async (executionArn, status) => starter.complete(executionArn, { status, ...(status === 'SUCCEEDED' ? {} : { error: `States.${status}` }) }),
    executions: async () =>
      starter.executions.map((execution) => ({
        executionArn: execution.executionArn,
        name: execution.name,
        input: execution.input,
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
