import { createContainer, type ContainerOptions } from '../../src/index.js';
import {
  InMemoryBuildRepository,
  InMemoryExecutionController,
  InMemoryExecutionInspector,
  InMemoryIdempotencyStore,
  InMemoryExecutionStarter,
  ManualClock,
  RecordingLogger,
} from '../../src/testing.js';
import { STATE_MACHINE_ARN } from './mothers/build.mother.js';

/** A container on the in-memory adapters, with every adapter at hand for assertions. */
export function anInMemoryContainer(overrides: Partial<ContainerOptions> = {}) {
  const buildRepository = new InMemoryBuildRepository();
  const executionStarter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
  const executionInspector = new InMemoryExecutionInspector(executionStarter);
  const executionController = new InMemoryExecutionController(executionStarter);
  const idempotencyStore = new InMemoryIdempotencyStore();
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const logger = new RecordingLogger();
  const container = createContainer({ buildRepository, executionStarter, executionInspector, executionController, idempotencyStore, clock, logger, ...overrides });
  return { container, buildRepository, executionStarter, executionInspector, executionController, idempotencyStore, clock, logger };
}
