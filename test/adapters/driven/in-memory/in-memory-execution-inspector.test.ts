import { InMemoryExecutionInspector, InMemoryExecutionStarter } from '../../../../src/testing.js';
import { describeExecutionInspectorContract } from '../../../ports/execution-inspector.contract.js';
import { STATE_MACHINE_ARN } from '../../../support/mothers/build.mother.js';

describeExecutionInspectorContract('in memory', async () => {
  const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
  return {
    inspector: new InMemoryExecutionInspector(starter),
    starter,
    end: async (executionArn, status, error, cause) =>
      starter.complete(executionArn, { status, ...(error ? { error } : {}), ...(cause ? { cause } : {}) }),
    unknownExecutionArn: 'arn:aws:states:us-east-1:123456789012:execution:deployment:never-started',
  };
});
