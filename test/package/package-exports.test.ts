import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

describe('the built package', () => {
  beforeAll(async () => {
    await run('npm', ['run', 'build'], { cwd: root });
  }, 120_000);

  it('serves its entry points to an ESM consumer importing it by name', async () => {
    const { stdout } = await run(process.execPath, [path.join(import.meta.dirname, 'consumer.fixture.mjs')], { cwd: root });
    expect(JSON.parse(stdout)).toEqual({
      arn: 'arn:aws:states:us-east-1:123456789012:execution:deployment:myapp-prd-2HFj3kLmNoPqRsTuVwXy',
      status: 'IN_PROGRESS',
      name: 'myapp-prd-2HFj3kLmNoPqRsTuVwXy',
      executions: 1,
    });
  }, 30_000);

  it('still exports every name 0.1.0 exported, and says what each entry point added since', async () => {
    const { stdout } = await run(process.execPath, [path.join(import.meta.dirname, 'exports.fixture.mjs')], { cwd: root });
    const exported = JSON.parse(stdout) as Record<string, string[]>;
    const entryPoints = new Set([...Object.keys(EXPORTS_OF_0_1_0), ...Object.keys(ADDED_SINCE_0_1_0)]);
    const expected = Object.fromEntries(
      [...entryPoints].map((entryPoint) => [entryPoint, [...(EXPORTS_OF_0_1_0[entryPoint] ?? []), ...(ADDED_SINCE_0_1_0[entryPoint] ?? [])].sort()]),
    );
    expect(exported).toEqual(expected);
  }, 30_000);

  it('serves the same names to require() as to import, from its CommonJS build', async () => {
    const names = async (fixture: string) =>
      JSON.parse((await run(process.execPath, [path.join(import.meta.dirname, fixture)], { cwd: root })).stdout) as Record<string, string[]>;
    const [imported, required] = [await names('exports.fixture.mjs'), await names('exports-required.fixture.cjs')];
    expect(required).toEqual(imported);
  }, 30_000);

  it("ships every file README.md links to, so the links hold in the installed package", async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    const shipped = new Set(packed.files.map((file) => file.path));
    const readme = await readFile(path.join(root, 'README.md'), 'utf8');
    const linked = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((match) => match[1] ?? '').filter((target) => !/^[a-z]+:/.test(target));

    expect(linked.length).toBeGreaterThan(0);
    expect(linked.filter((target) => !shipped.has(target))).toEqual([]);
  }, 60_000);

  it('has JavaScript and type declarations behind every export, for import and for require', async () => {
    type Files = { types: string; default: string };
    const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { import: Files; require: Files }>;
    };
    for (const target of Object.values(manifest.exports)) {
      if (typeof target === 'string') continue;
      await expect(readFile(path.join(root, target.import.default), 'utf8')).resolves.toMatch(/^export /m);
      await expect(readFile(path.join(root, target.require.default), 'utf8')).resolves.toContain('module.exports');
      for (const types of [target.import.types, target.require.types]) {
        await expect(readFile(path.join(root, types), 'utf8')).resolves.toContain('export');
      }
    }
  });
});

/** The value exports of 0.1.0 (read from its built package): none may disappear. */
const EXPORTS_OF_0_1_0: Record<string, string[]> = {
  '@aws-deployer/orchestrator': [
    'BUILD_STATUSES', 'BuildAlreadyExistsError', 'BuildNotFoundError', 'ExecutionStartError', 'IllegalTransitionError',
    'LATEST_POINTER_REPO', 'MAX_ERROR_MESSAGE_LENGTH', 'MAX_EXECUTION_INPUT_BYTES', 'MAX_EXECUTION_NAME_LENGTH', 'Orchestrator',
    'OrchestratorError', 'PERMANENT_START_ERROR_CODES', 'PermanentExecutionStartError', 'PowertoolsLogger',
    'ReconcileExecutionService', 'RecordCompletionService', 'SystemClock', 'TERMINAL_STATUSES', 'TOKENS',
    'TRANSIENT_START_ERROR_CODES', 'TransientExecutionStartError', 'TriggerBuildService', 'ValidationError',
    'boundErrorMessage', 'buildIdOf', 'buildKeyOf', 'buildKeyOfSerializedInput', 'buildKeySchema', 'canTransition',
    'completionEffect', 'completionSchema', 'createContainer', 'deserializeStepFunctionInput', 'executionArnFor',
    'executionInputFor', 'executionName', 'executionStartError', 'fromEpochSeconds', 'isBuildStatus',
    'isPermanentStartErrorCode', 'isTerminal', 'isValidExecutionName', 'mayFollowAnEarlierStart', 'newBuildSchema',
    'parseBuildId', 'parseBuildKey', 'parseCompletion', 'parseStateMachineArn', 'parseStepFunctionInput', 'parseWith',
    'partitionKeyOf', 'pendingBuild', 'serializeStepFunctionInput', 'startEffect', 'statusesThatMayBecome',
    'stepFunctionInputSchema', 'toEpochSeconds', 'toWholeSecond',
  ],
  '@aws-deployer/orchestrator/testing': [
    'InMemoryBuildRepository', 'InMemoryExecutionInspector', 'InMemoryExecutionStarter', 'ManualClock', 'RecordingLogger',
  ],
  '@aws-deployer/orchestrator/dynamodb': ['DynamoDbBuildRepository', 'fromBuildItem', 'isLatestPointerPartition', 'toBuildItem'],
  '@aws-deployer/orchestrator/sfn': ['SfnExecutionInspector', 'SfnExecutionStarter'],
  '@aws-deployer/orchestrator/lambda': [
    'EnvironmentVariableError', 'createAwsContainer', 'createExecutionStatusChangeHandler', 'createSweeperHandler',
    'createTriggerBuildHandler', 'createUpdateBuildStatusHandler', 'executionStatusChangeHandlerFromEnvironment',
    'sweeperHandlerFromEnvironment', 'triggerBuildHandlerFromEnvironment', 'updateBuildStatusHandlerFromEnvironment',
  ],
};

/** What was added since 0.1.0 (see CHANGELOG.md). */
const ADDED_SINCE_0_1_0: Record<string, string[]> = {
  '@aws-deployer/orchestrator': [
    'BuildItemTooLargeError', 'StatusIndexMissingError', 'SweepOpenBuildsService', 'TRUNCATION_MARK', 'executionNameOfArn',
    'parseRecordedBuildKey', 'recordedBuildKeySchema',
    // 0.3.0
    'BuildRecordTooLargeError', 'BuildsByStatusUnavailableError', 'ERROR_CATALOGUE', 'isClosedExecutionStatus',
    'MissingBindingError', 'isLatestPointerPartition', 'orchestratorModule', 'BuildUnreadableError', 'isLatestPointerKey',
    'ksuidOf', 'newKsuid', 'CONCURRENCY_POLICIES', 'DEFAULT_CONCURRENCY_POLICY', 'parseConcurrencyPolicy', 'locksEnvironment',
    'EnvironmentBusyError', 'ENVIRONMENT_LOCK_PARTITION', 'isEnvironmentLockKey', 'environmentOfLockKey', 'environmentIdOf', 'holderIdOf',
    // 0.3.0, manual deployments
    'RedeployBuildService', 'RollBackEnvironmentService', 'RedriveBuildService', 'CancelBuildService', 'CANCELLED_ERROR',
    'IDEMPOTENCY_HOLD_SECONDS', 'IDEMPOTENCY_KEY_LIFETIME_SECONDS', 'NothingToRollBackToError', 'NotRedrivableError',
    'IdempotencyKeyReusedError', 'IdempotentRequestInProgressError', 'DEPLOYMENT_KINDS', 'MAX_REQUESTED_BY_LENGTH',
    'requestedBySchema', 'redeploymentOf', 'rollbackTargetIn', 'whyNotRollbackTarget', 'cancellationReason',
    'rolledBackOverReason', 'parseEnvironment', 'ksuidSecond', 'newKsuidAfter',
  ],
  '@aws-deployer/orchestrator/dynamodb': ['DEFAULT_STATUS_INDEX_NAME', /* 0.3.0 */ 'dynamoDbModule', 'DynamoDbIdempotencyStore'],
  '@aws-deployer/orchestrator/sfn': [/* 0.3.0 */ 'sfnModule', 'SfnExecutionController'],
  '@aws-deployer/orchestrator/testing': [/* 0.3.0 */ 'inMemoryModule', 'InMemoryIdempotencyStore', 'InMemoryExecutionController'],
  '@aws-deployer/orchestrator/lambda': ['LAMBDA_FUNCTIONS', /* 0.3.0 */ 'createHttpApiHandler', 'httpApiServicesOf', 'httpApiHandlerFromEnvironment'],
  '@aws-deployer/orchestrator/cdk': ['BuildOrchestrator', 'BuildsTable', 'LAMBDA_FUNCTIONS', 'shippedBundlesDirectory'],
};
