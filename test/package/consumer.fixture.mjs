// An ESM consumer of the built package, importing it by name as users do
// (Node resolves the package's own name through its `exports` map).
import { Orchestrator, createContainer, executionName } from '@aws-deployer/orchestrator';
import { InMemoryBuildRepository, InMemoryExecutionStarter, RecordingLogger } from '@aws-deployer/orchestrator/testing';

const buildRepository = new InMemoryBuildRepository();
const executionStarter = new InMemoryExecutionStarter({
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:deployment',
});
const container = createContainer({ buildRepository, executionStarter, logger: new RecordingLogger() });
const orchestrator = container.get(Orchestrator);

const build = { repo: 'myapp', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy', branch: 'main', version: '1.2.3', commitHash: 'abc123' };
await buildRepository.create(build);
const arn = await orchestrator.startExecution({ ...build, s3Bucket: 'my-artifacts-bucket', s3Key: 'myapp/main/1.2.3' });
const stored = await buildRepository.get(build);

process.stdout.write(
  JSON.stringify({ arn, status: stored.status, name: executionName(build), executions: executionStarter.executions.length }),
);
