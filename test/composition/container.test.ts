import { describe, expect, it } from 'vitest';
import { Orchestrator, SystemClock, TOKENS, createContainer, type Clock, type Logger } from '../../src/index.js';
import { InMemoryBuildRepository, InMemoryExecutionStarter, ManualClock, RecordingLogger } from '../../src/testing.js';
import { STATE_MACHINE_ARN } from '../support/mothers/build.mother.js';

const adapters = () => ({
  buildRepository: new InMemoryBuildRepository(),
  executionStarter: new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN }),
});

describe('createContainer', () => {
  it('binds the adapters it is given', () => {
    const options = { ...adapters(), clock: new ManualClock(), logger: new RecordingLogger() };
    const container = createContainer(options);
    expect(container.get(TOKENS.BuildRepository)).toBe(options.buildRepository);
    expect(container.get(TOKENS.ExecutionStarter)).toBe(options.executionStarter);
    expect(container.get(TOKENS.Clock)).toBe(options.clock);
    expect(container.get(TOKENS.Logger)).toBe(options.logger);
  });

  it('defaults to the system clock and a logger', () => {
    const container = createContainer(adapters());
    expect(container.get<Clock>(TOKENS.Clock)).toBeInstanceOf(SystemClock);
    expect(typeof container.get<Logger>(TOKENS.Logger).info).toBe('function');
  });

  it('gives out one Orchestrator per container', () => {
    const container = createContainer(adapters());
    expect(container.get(Orchestrator)).toBeInstanceOf(Orchestrator);
    expect(container.get(Orchestrator)).toBe(container.get(Orchestrator));
  });
});
