import { type SFNClient } from '@aws-sdk/client-sfn';
import { afterAll } from 'vitest';
import { SfnExecutionInspector, SfnExecutionStarter } from '../../../../src/sfn.js';
import { describeExecutionInspectorContract } from '../../../ports/execution-inspector.contract.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../../../dev/local-sfn/local-sfn-server.js';
import { sfnClientFor } from '../../../../dev/local-sfn/sfn-client.js';

const endpoints: LocalStepFunctions[] = [];
const clients: SFNClient[] = [];

afterAll(async () => {
  for (const client of clients) client.destroy();
  await Promise.all(endpoints.map((endpoint) => endpoint.close()));
});

describeExecutionInspectorContract('Step Functions (local endpoint)', async () => {
  const sfn = await startLocalStepFunctions();
  endpoints.push(sfn);
  const client = sfnClientFor(sfn.endpoint);
  clients.push(client);
  const stateMachineArn = sfn.createStateMachine('deployment');
  return {
    inspector: new SfnExecutionInspector({ client, stateMachineArn }),
    starter: new SfnExecutionStarter({ client, stateMachineArn }),
    end: async (executionArn, status, error, cause) =>
      sfn.completeExecution(executionArn, { status, ...(error ? { error } : {}), ...(cause ? { cause } : {}) }),
    unknownExecutionArn: 'arn:aws:states:us-east-1:123456789012:execution:deployment:never-started',
  };
});
