/**
 * `npm start`: one build's lifecycle through the container, on the in-memory
 * adapters. Creates a PENDING build, starts its execution through the
 * Orchestrator (twice, as a duplicate stream delivery would), lets the
 * execution finish, and prints every status change the repository applied.
 */
import { Orchestrator, createContainer, executionName } from '../src/index.js';
import { InMemoryBuildRepository, InMemoryExecutionStarter, RecordingLogger } from '../src/testing.js';

const stateMachineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:deployment';
const build = { repo: 'myapp', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy', branch: 'main', version: '1.2.3', commitHash: 'abc123' };

const buildRepository = new InMemoryBuildRepository();
const executionStarter = new InMemoryExecutionStarter({ stateMachineArn });
const container = createContainer({ buildRepository, executionStarter, logger: new RecordingLogger() });
const orchestrator = container.get(Orchestrator);

await buildRepository.create(build);
const input = { ...build, s3Bucket: 'my-artifacts-bucket', s3Key: `${build.repo}/${build.branch}/${build.version}` };
const [first, duplicate] = await Promise.all([orchestrator.startExecution(input), orchestrator.startExecution(input)]);
executionStarter.complete(first, 'SUCCEEDED');
await buildRepository.recordCompletion(build, { status: 'SUCCESS' }, new Date());

console.log(`execution name: ${executionName(build)}`);
console.log(`execution ARN:  ${first} (duplicate delivery got ${duplicate === first ? 'the same ARN' : duplicate})`);
console.log(`executions started: ${executionStarter.executions.length}`);
for (const change of buildRepository.history) {
  const from = change.from ?? '(new)';
  console.log(`${change.at.toISOString()}  ${change.buildId}  ${from.padEnd(11)} -> ${change.to}`);
}
const final = await buildRepository.get(build);
console.log(`final: ${final?.status} ${final?.executionArn ?? ''}`);
