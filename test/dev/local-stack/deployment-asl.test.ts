// The deployment workflow's ASL definition (state-machine/deployment.asl.json):
// valid for a real ASL engine, shaped as the orchestrator expects, and
// behaving as intended when run with stand-ins for its Lambdas.
import '../../../dev/local-stack/promise-with-resolvers.js';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { parseCallbackPayload } from '../../../src/adapters/driving/lambda/update-build-status/callback-payload.js';
import { BuildNotFoundError, ValidationError, createContainer, type BuildRepository, type ServiceContainer } from '../../../src/index.js';
import {
  createExecutionStatusChangeHandler,
  createSweeperHandler,
  createTriggerBuildHandler,
  createUpdateBuildStatusHandler,
} from '../../../src/lambda.js';
import { InMemoryBuildRepository, InMemoryExecutionInspector, InMemoryExecutionStarter, RecordingLogger } from '../../../src/testing.js';
import { withoutUndefined } from '../../../src/domain/without-undefined.js';
import { createAslRunner, type TaskHandler } from '../../../dev/local-stack/asl-runner.js';
import { CloudFormationStandIn } from '../../../dev/local-stack/cloudformation-stand-ins.js';
import {
  DEPLOYMENT_TASKS,
  LOCAL_SUBSTITUTIONS,
  STACK_POLL_WAIT_STATE,
  readDeploymentDefinitionText,
  substituteDefinition,
} from '../../../dev/local-stack/deployment-definition.js';
import { deploymentTasks } from '../../../dev/local-stack/deployment-tasks.js';
import type { ExecutionRecord } from '../../../dev/local-sfn/local-sfn-server.js';
import { aRunningExecution, runShippedWorkflow } from '../../support/deployment-workflow.js';
import { FaultyBuildRepository } from '../../support/faulty-build-repository.js';
import { executionStatusChangeDeps, sweeperDeps, triggerBuildDeps, updateBuildStatusDeps } from '../../support/handler-deps.js';
import { STATE_MACHINE_ARN, aNewBuild } from '../../support/mothers/build.mother.js';
import { aStreamEvent, anInsertOf } from '../../support/mothers/dynamodb-stream-event.mother.js';
import { anExecutionStatusChangeEvent, aScheduledEvent } from '../../support/mothers/eventbridge-event.mother.js';
import { invokedByLambda } from '../../support/mothers/lambda-context.mother.js';

type Definition = ConstructorParameters<typeof StateMachine>[0];
type State = Definition['States'][string];

const text = readDeploymentDefinitionText();
const definition = JSON.parse(text) as Definition;
const state = (name: string): Record<string, unknown> => {
  const found: State | undefined = definition.States[name];
  if (found === undefined) throw new Error(`no state ${name}`);
  return found as unknown as Record<string, unknown>;
};

const input = {
  repo: 'web',
  env: 'dev',
  branch: 'main',
  version: '1.4.0',
  sk: '3MfWWCjyQ36iDNISWHxvNPHHIju',
  commit_hash: 'a1b2c3d',
  s3_bucket: 'artifacts',
  s3_key: 'web/main/1.4.0',
};

function anExecution(): ExecutionRecord {
  return aRunningExecution({
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:deployment:web-dev-${input.sk}`,
    stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:deployment',
    name: `web-dev-${input.sk}`,
    input: JSON.stringify(input),
  });
}

/** Runs the real definition with the CloudFormation stand-in and a recording update-build-status. */
async function runDeployment(options: { brokenStacks?: string[]; settleAfterPolls?: number; tasks?: Record<string, TaskHandler> } = {}) {
  const reports: unknown[] = [];
  const cloudFormation = new CloudFormationStandIn({
    brokenStacks: options.brokenStacks ?? [],
    settleAfterPolls: options.settleAfterPolls ?? 3,
  });
  let describes = 0;
  const tasks = deploymentTasks({
    cloudFormation,
    updateBuildStatus: async (payload) => {
      reports.push(payload);
      const { completion } = parseCallbackPayload(payload);
      return { outcome: 'completed', status: completion.status };
    },
  });
  const describeStack = tasks[DEPLOYMENT_TASKS.describeStack]!;
  const asl = createAslRunner({
    definition: substituteDefinition(text),
    tasks: {
      ...tasks,
      [DEPLOYMENT_TASKS.describeStack]: (stateInput) => {
        describes += 1;
        return describeStack(stateInput);
      },
      ...options.tasks,
    },
    waitMs: { [STACK_POLL_WAIT_STATE]: 1 },
    retryIntervalMs: 1,
  });
  const outcome = await asl.runner(anExecution());
  return { outcome: outcome ?? undefined, reports, describes };
}

/** A deployment whose stack settles at once, its success report answered by `answer(call)` (1, 2...). */
async function runWithSuccessReport(answer: (call: number) => unknown) {
  let calls = 0;
  const { outcome } = await runDeployment({
    settleAfterPolls: 1,
    tasks: {
      [DEPLOYMENT_TASKS.reportSuccess]: async () => {
        calls += 1;
        return answer(calls);
      },
    },
  });
  return { outcome, calls };
}

describe('state-machine/deployment.asl.json', () => {
  it('is a valid ASL definition for the engine, as written and after substitution', () => {
    expect(() => new StateMachine(definition)).not.toThrow();
    expect(() => new StateMachine(JSON.parse(substituteDefinition(text)) as Definition)).not.toThrow();
  });

  it('has the deployment states: deploy, wait/describe until settled, report success or failure', () => {
    expect(definition.StartAt).toBe('DeployStack');
    const types = Object.fromEntries(Object.entries(definition.States).map(([name, s]) => [name, s.Type]));
    expect(types).toEqual({
      DeployStack: 'Task',
      WaitForStack: 'Wait',
      DescribeStack: 'Task',
      IsStackSettled: 'Choice',
      StackFailed: 'Pass',
      ReportSuccess: 'Task',
      Deployed: 'Succeed',
      DeployedUnreported: 'Succeed',
      ReportFailure: 'Task',
      DeploymentFailed: 'Fail',
    });
    expect(state('DeployStack').Next).toBe('WaitForStack');
    expect(state('WaitForStack').Next).toBe('DescribeStack');
    expect(state('DescribeStack').Next).toBe('IsStackSettled');
    expect(state('ReportSuccess').Next).toBe('Deployed');
    expect(state('ReportFailure').Next).toBe('DeploymentFailed');
    expect(state('StackFailed').Next).toBe('ReportFailure');
  });

  it('polls while the stack is in progress, reports success on *_COMPLETE and anything else as a failure', () => {
    const choice = state('IsStackSettled') as { Choices: Array<Record<string, unknown>>; Default: string };
    expect(choice.Default).toBe('StackFailed');
    expect(choice.Choices).toEqual([
      {
        Or: [
          { Variable: '$.stack.stack_status', StringEquals: 'CREATE_COMPLETE' },
          { Variable: '$.stack.stack_status', StringEquals: 'UPDATE_COMPLETE' },
        ],
        Next: 'ReportSuccess',
      },
      { Variable: '$.stack.stack_status', StringMatches: '*_IN_PROGRESS', Next: 'WaitForStack' },
    ]);
  });

  it('catches every error of the CloudFormation steps into the failure report', () => {
    for (const name of ['DeployStack', 'DescribeStack']) {
      expect(state(name).Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ReportFailure' }]);
    }
  });

  it('reports to update-build-status with its payload { repo, env, sk, status, error_msg?, execution_arn }', () => {
    expect(state('ReportSuccess').Parameters).toEqual({
      'repo.$': '$.repo',
      'env.$': '$.env',
      'sk.$': '$.sk',
      status: 'SUCCESS',
      'execution_arn.$': '$$.Execution.Id',
    });
    expect(state('ReportFailure').Parameters).toEqual({
      'repo.$': '$.repo',
      'env.$': '$.env',
      'sk.$': '$.sk',
      status: 'FAILED',
      'error_msg.$': '$.error.Cause',
      'execution_arn.$': '$$.Execution.Id',
    });
  });

  it('catches a report that still fails after its retries: a deployed stack succeeds, a failed one fails with its own error', () => {
    // A report that keeps failing must not turn a deployed build into a failed one: the execution
    // succeeds, and reconciliation (which reads only the execution's status) records SUCCESS.
    expect(state('ReportSuccess').Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.report_error', Next: 'DeployedUnreported' }]);
    expect(state('DeployedUnreported').Type).toBe('Succeed');
    // The deployment's error ($.error) is kept, so the execution fails with the stack's reason, not the report's.
    expect(state('ReportFailure').Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.report_error', Next: 'DeploymentFailed' }]);
    expect(state('DeploymentFailed')).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  it('calls Lambda functions through ARNs whose region, account and names are deployment placeholders', () => {
    const resources = Object.values(definition.States).flatMap((s) => (s.Type === 'Task' ? [s.Resource] : []));
    expect(resources).toHaveLength(4);
    for (const resource of resources) {
      expect(resource).toMatch(/^arn:aws:lambda:\$\{AWS::Region\}:\$\{AWS::AccountId\}:function:\$\{[A-Za-z]+FunctionName\}$/);
    }
    const substituted = substituteDefinition(text);
    expect(substituted).not.toContain('${');
    expect(substituted).toContain(`arn:aws:lambda:us-east-1:123456789012:function:${LOCAL_SUBSTITUTIONS.UpdateBuildStatusFunctionName}`);
  });

  it('refuses to substitute a placeholder it has no value for', () => {
    expect(() => substituteDefinition('{"Resource": "${Unknown}"}')).toThrow(/Unknown/);
  });
});

describe('the deployment workflow run by the ASL engine', () => {
  it('deploys, polls until the stack settles and reports SUCCESS', async () => {
    const { outcome, reports, describes } = await runDeployment({ settleAfterPolls: 3 });

    expect(outcome?.status).toBe('SUCCEEDED');
    expect(describes).toBe(3);
    expect(reports).toEqual([{ repo: 'web', env: 'dev', sk: input.sk, status: 'SUCCESS', execution_arn: expect.stringContaining(':execution:') }]);
    expect(JSON.parse(outcome?.output ?? '{}')).toMatchObject({
      ...input,
      deployment: { stack_name: 'web-dev' },
      stack: { stack_status: 'CREATE_COMPLETE' },
      report: { outcome: 'completed', status: 'SUCCESS' },
    });
  });

  it('reports FAILED with the stack reason when the stack rolls back, and fails the execution', async () => {
    const { outcome, reports } = await runDeployment({ brokenStacks: ['web-dev'] });

    const reason =
      'Stack web-dev ended ROLLBACK_COMPLETE: The following resource(s) failed to create: [AppBucket]. Rollback requested by user.';
    expect(reports).toEqual([{ repo: 'web', env: 'dev', sk: input.sk, status: 'FAILED', error_msg: reason, execution_arn: expect.stringContaining(':execution:') }]);
    expect(outcome).toEqual({ status: 'FAILED', error: 'StackDeploymentFailed', cause: reason });
  });

  it('catches a failing deploy step into the failure report', async () => {
    const { outcome, reports, describes } = await runDeployment({
      tasks: {
        [DEPLOYMENT_TASKS.deployStack]: async () => {
          throw Object.assign(new Error('Template format error: unsupported structure.'), { name: 'ValidationError' });
        },
      },
    });

    expect(describes).toBe(0);
    expect(reports).toEqual([
      {
        repo: 'web',
        env: 'dev',
        sk: input.sk,
        status: 'FAILED',
        error_msg: 'Template format error: unsupported structure.',
        execution_arn: expect.stringContaining(':execution:'),
      },
    ]);
    expect(outcome).toEqual({ status: 'FAILED', error: 'ValidationError', cause: 'Template format error: unsupported structure.' });
  });

  it('retries a failing report before giving up', async () => {
    const { outcome, calls } = await runWithSuccessReport((call) => {
      if (call < 3) throw new Error('ProvisionedThroughputExceededException');
      return { outcome: 'completed', status: 'SUCCESS' };
    });

    expect(calls).toBe(3);
    expect(outcome?.status).toBe('SUCCEEDED');
  });

  it.each([
    ['ValidationError', () => new ValidationError('status', 'must be SUCCESS or FAILED')],
    ['BuildNotFoundError', () => new BuildNotFoundError({ repo: input.repo, env: input.env, sk: input.sk })],
  ])('does not retry a report update-build-status refuses with %s (it would fail the same way); the deployed stack still succeeds', async (name, refusal) => {
    const { outcome, calls } = await runWithSuccessReport(() => {
      throw refusal();
    });

    expect(calls).toBe(1);
    expect(outcome?.status).toBe('SUCCEEDED');
    expect(JSON.parse(outcome?.output ?? '{}')).toMatchObject({ report_error: { Error: name } });
  });

  it('succeeds when the stack deployed and the success report fails through all its retries', async () => {
    const started = Date.now();
    const { outcome, calls } = await runWithSuccessReport(() => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' });
    });

    // The first attempt and five retries, overridden to a millisecond apart (2 + 4 + 8 + 16 + 32 s as deployed).
    expect(calls).toBe(6);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outcome?.status).toBe('SUCCEEDED');
    expect(JSON.parse(outcome?.output ?? '{}')).toMatchObject({
      stack: { stack_status: 'CREATE_COMPLETE' },
      report_error: { Error: 'Lambda.TooManyRequestsException', Cause: 'Rate exceeded' },
    });
  });

  it("fails with the stack's own error and reason when the failure report fails through all its retries", async () => {
    let calls = 0;
    const { outcome } = await runDeployment({
      brokenStacks: ['web-dev'],
      tasks: {
        [DEPLOYMENT_TASKS.reportFailure]: async () => {
          calls += 1;
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        },
      },
    });

    expect(calls).toBe(6);
    expect(outcome).toEqual({
      status: 'FAILED',
      error: 'StackDeploymentFailed',
      cause: 'Stack web-dev ended ROLLBACK_COMPLETE: The following resource(s) failed to create: [AppBucket]. Rollback requested by user.',
    });
  });

  it('refuses an invalid definition and a Task state without a local handler', () => {
    const broken = { ...definition, States: { ...definition.States, WaitForStack: { Type: 'Wait', Seconds: 1, Next: 'Nowhere' } } };
    expect(() => createAslRunner({ definition: JSON.stringify(broken), tasks: {} })).toThrow(/definition is invalid[\s\S]*Nowhere/);
    expect(() => createAslRunner({ definition: substituteDefinition(text), tasks: {} })).toThrow(/DeployStack/);
  });

  it("runs one execution with stand-ins of its own for the Task states they name, and refuses a name that is no Task state", async () => {
    const failing: TaskHandler = () => Promise.reject(new Error('the runner handler ran'));
    const asl = createAslRunner({
      definition: substituteDefinition(text),
      tasks: Object.fromEntries(Object.values(DEPLOYMENT_TASKS).map((name) => [name, failing])),
      waitMs: { [STACK_POLL_WAIT_STATE]: 0 },
      retryIntervalMs: 0,
    });
    const cloudFormation = new CloudFormationStandIn({ settleAfterPolls: 1 });
    const own = {
      [DEPLOYMENT_TASKS.deployStack]: async (stateInput: unknown) => cloudFormation.deployStack(stateInput),
      [DEPLOYMENT_TASKS.describeStack]: async (stateInput: unknown) => cloudFormation.describeStack(stateInput),
      [DEPLOYMENT_TASKS.reportSuccess]: async () => ({ outcome: 'completed', status: 'SUCCESS' }),
    };

    await expect(asl.run(anExecution(), own)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    await expect(asl.run(anExecution(), { WaitForStack: own[DEPLOYMENT_TASKS.deployStack] })).rejects.toThrow(/No Task state named WaitForStack/);
  });
});

describe('a report that keeps failing, then reconciliation (in memory, the real handlers)', () => {
  /**
   * A build started by trigger-build, its execution run by the ASL engine with
   * the real update-build-status handler on a throttled table (DynamoDB refuses
   * every write for as long as the report state retries), then ended in the
   * in-memory Step Functions as the engine ended it.
   */
  async function aDeploymentWhoseReportsFail(stack: 'deploys' | 'rolls back') {
    const store = new InMemoryBuildRepository();
    const throttled = new FaultyBuildRepository(store);
    const starter = new InMemoryExecutionStarter({ stateMachineArn: STATE_MACHINE_ARN });
    const containerOn = (buildRepository: BuildRepository) =>
      createContainer({ buildRepository, executionStarter: starter, executionInspector: new InMemoryExecutionInspector(starter), logger: new RecordingLogger() });
    const healthy = containerOn(store);
    const build = aNewBuild();
    await store.create(build);
    await expect(
      invokedByLambda(createTriggerBuildHandler({ ...triggerBuildDeps(healthy), s3Bucket: 'artifacts' }))(aStreamEvent(anInsertOf(build))),
    ).resolves.toEqual({ batchItemFailures: [] });
    const [execution] = starter.executions;
    if (!execution) throw new Error('trigger-build started no execution');

    const updateBuildStatus = invokedByLambda(createUpdateBuildStatusHandler(updateBuildStatusDeps(containerOn(throttled))));
    const reports: unknown[] = [];
    const outcome = await runShippedWorkflow(execution, {
      stack,
      report: async (payload) => {
        reports.push(payload);
        throttled.failNext('ThrottlingException');
        return updateBuildStatus(payload);
      },
    });
    starter.complete(execution.executionArn, { status: outcome.status, ...withoutUndefined({ error: outcome.error, cause: outcome.cause }) });
    return { build, store, healthy, execution, outcome, reports };
  }

  it.each(['execution-status-change', 'sweeper'] as const)(
    'succeeds when the stack deployed, and %s records the build SUCCESS from the execution',
    async (reconciler) => {
      const { build, store, healthy, execution, outcome, reports } = await aDeploymentWhoseReportsFail('deploys');

      expect(reports).toHaveLength(6);
      expect(outcome.status).toBe('SUCCEEDED');
      expect(JSON.parse(outcome.output ?? '{}')).toMatchObject({ report_error: { Error: 'ThrottlingException' } });
      expect(await store.get(build)).toMatchObject({ status: 'IN_PROGRESS' });

      await reconcile(reconciler, healthy, execution.executionArn, 'SUCCEEDED');

      expect(await store.get(build)).toMatchObject({ status: 'SUCCESS', executionArn: execution.executionArn });
      expect(store.history.filter((change) => change.to === 'FAILED')).toEqual([]);
    },
  );

  it.each(['execution-status-change', 'sweeper'] as const)(
    "fails with the stack's reason when the stack rolled back, and %s records the build FAILED with that reason",
    async (reconciler) => {
      const { build, store, healthy, execution, outcome, reports } = await aDeploymentWhoseReportsFail('rolls back');
      const reason = 'Stack {repo}-{env} ended ROLLBACK_COMPLETE: The following resource(s) failed to create: [AppBucket]. Rollback requested by user.'
        .replace('{repo}', build.repo)
        .replace('{env}', build.env);

      expect(reports).toHaveLength(6);
      expect(outcome).toEqual({ status: 'FAILED', error: 'StackDeploymentFailed', cause: reason });

      await reconcile(reconciler, healthy, execution.executionArn, 'FAILED');

      expect(await store.get(build)).toMatchObject({ status: 'FAILED', errorMsg: `execution FAILED: StackDeploymentFailed: ${reason}` });
    },
  );

  async function reconcile(
    reconciler: 'execution-status-change' | 'sweeper',
    container: ServiceContainer,
    executionArn: string,
    status: 'SUCCEEDED' | 'FAILED',
  ): Promise<void> {
    if (reconciler === 'execution-status-change') {
      const handle = invokedByLambda(createExecutionStatusChangeHandler({ ...executionStatusChangeDeps(container), stateMachineArn: STATE_MACHINE_ARN }));
      await handle(anExecutionStatusChangeEvent({ executionArn, stateMachineArn: STATE_MACHINE_ARN, status }));
    } else {
      // The event was lost too: the next sweep finds the build open in the status index.
      const handle = invokedByLambda(createSweeperHandler({ ...sweeperDeps(container), s3Bucket: 'artifacts', graceMs: 0 }));
      await expect(handle(aScheduledEvent())).resolves.toMatchObject({ completed: 1, failed: 0 });
    }
  }
});
