// The wiring table resolved without a container, as the Lambda entry points do.
import { describe, expect, it } from 'vitest';
import { MissingBindingError, Orchestrator, TOKENS, TriggerBuildService } from '../../src/index.js';
import { InMemoryBuildRepository, InMemoryExecutionStarter, ManualClock, RecordingLogger } from '../../src/testing.js';
import { portBinding, resolveServices } from '../../src/composition/resolve-services.js';
import { SERVICE_WIRING, orchestratorWiring, triggerBuildWiring } from '../../src/composition/wiring.js';
import { STATE_MACHINE_ARN } from '../support/mothers/build.mother.js';

const ports = () => [
  portBinding(TOKENS.BuildRepository, new InMemoryBuildRepository()),
  portBinding(TOKENS.ExecutionStarter, new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN })),
  portBinding(TOKENS.Clock, new ManualClock()),
  portBinding(TOKENS.Logger, new RecordingLogger()),
  portBinding(TOKENS.ConcurrencyPolicy, 'queue'),
];

describe('resolveServices', () => {
  it('makes the services asked for, each once, on the ports given', () => {
    const services = resolveServices(ports(), [orchestratorWiring, triggerBuildWiring]);
    expect(services.get(TOKENS.TriggerBuildService)).toBeInstanceOf(TriggerBuildService);
    expect(services.get(TOKENS.Orchestrator)).toBeInstanceOf(Orchestrator);
    expect(services.get(TOKENS.Orchestrator)).toBe(services.get(TOKENS.Orchestrator));
  });

  it('fails when it is built, naming a port nothing binds and what needs it', () => {
    expect(() => resolveServices(ports(), SERVICE_WIRING)).toThrow(MissingBindingError);
    expect(() => resolveServices(ports(), SERVICE_WIRING)).toThrow(/ReconcileExecutionService needs ExecutionInspector/);
  });

  it('fails when it is built, naming a service whose wiring was not given', () => {
    expect(() => resolveServices(ports(), [triggerBuildWiring])).toThrow(/TriggerBuildService needs Orchestrator/);
  });

  it('refuses a service it did not make', () => {
    const services = resolveServices(ports(), [orchestratorWiring]);
    expect(() => services.get(TOKENS.SweepOpenBuildsService)).toThrow(MissingBindingError);
  });
});
