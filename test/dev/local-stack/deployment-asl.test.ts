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
import { CloudFormationStandIn, type StackStatus } from '../../../dev/local-stack/cloudformation-stand-ins.js';
import {
  DEPLOYMENT_TASKS,
  LOCAL_SUBSTITUTIONS,
  SETTLE_WAIT_STATE,
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
/** Looks at a stack on the failure path before the failure is reported all the same. */
const SETTLE_LOOKS = 120;
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

/** The stack the build deploys on the stand-in. */
const STACK = CloudFormationStandIn.stackNameOf(input);

/** One Task invocation, as the stand-ins saw it: the call log the ordering claims are read from. */
interface Call {
  readonly task: string;
  /** The stack named `stack_name` in the call's input, if any. */
  readonly stackName: string | undefined;
  /** The stand-in stack's status when the call began and when it ended. */
  readonly before: StackStatus | undefined;
  readonly after: StackStatus | undefined;
  /** The `stack_status` it answered, `ok`, or what it threw (`{name}: {message}`). */
  readonly answer: string;
}

/** An error as a Lambda function would fail a Task with it: `name` is the Task's error. */
const failure = (name: string, message: string): Error => Object.assign(new Error(message), { name });

/**
 * Runs the real definition with the CloudFormation stand-in and a recording
 * update-build-status; every Task invocation (the test's own handlers too)
 * goes into `log`, in order.
 */
async function runDeployment(
  options: {
    brokenStacks?: string[];
    existingStacks?: string[];
    settleAfterPolls?: number;
    /** The failure path's Wait between two looks, in ms (default 1). */
    settleWaitMs?: number;
    tasks?: (cloudFormation: CloudFormationStandIn) => Record<string, TaskHandler>;
  } = {},
) {
  const reports: unknown[] = [];
  const log: Call[] = [];
  const cloudFormation = new CloudFormationStandIn({
    brokenStacks: options.brokenStacks ?? [],
    existingStacks: options.existingStacks ?? [],
    settleAfterPolls: options.settleAfterPolls ?? 3,
  });
  const tasks: Record<string, TaskHandler> = {
    ...deploymentTasks({
      cloudFormation,
      updateBuildStatus: async (payload) => {
        reports.push(payload);
        const { completion } = parseCallbackPayload(payload);
        return { outcome: 'completed', status: completion.status };
      },
    }),
    ...options.tasks?.(cloudFormation),
  };
  const logged = (task: string, handler: TaskHandler): TaskHandler => async (stateInput) => {
    const stackName = (stateInput as { stack_name?: string }).stack_name;
    const before = cloudFormation.statusOf(STACK);
    const record = (answer: string) => log.push({ task, stackName, before, after: cloudFormation.statusOf(STACK), answer });
    try {
      const result = await handler(stateInput);
      record((result as { stack_status?: string }).stack_status ?? 'ok');
      return result;
    } catch (error) {
      record(`${(error as Error).name}: ${(error as Error).message}`);
      throw error;
    }
  };
  const asl = createAslRunner({
    definition: substituteDefinition(text),
    tasks: Object.fromEntries(Object.entries(tasks).map(([task, handler]) => [task, logged(task, handler)])),
    waitMs: { [STACK_POLL_WAIT_STATE]: 1, [SETTLE_WAIT_STATE]: options.settleWaitMs ?? 1 },
    retryIntervalMs: 1,
  });
  const outcome = await asl.runner(anExecution());
  const calls = (task: string) => log.filter((call) => call.task === task);
  return {
    outcome: outcome ?? undefined,
    reports,
    log,
    describes: calls(DEPLOYMENT_TASKS.describeStack).length,
    /** The failure path's looks at the stack, in order. */
    settleLooks: calls(DEPLOYMENT_TASKS.describeSettlingStack),
    cloudFormation,
  };
}

/** A deployment whose stack settles at once, its success report answered by `answer(call)` (1, 2...). */
async function runWithSuccessReport(answer: (call: number) => unknown) {
  let calls = 0;
  const { outcome } = await runDeployment({
    settleAfterPolls: 1,
    tasks: () => ({
      [DEPLOYMENT_TASKS.reportSuccess]: async () => {
        calls += 1;
        return answer(calls);
      },
    }),
  });
  return { outcome, calls };
}

describe('state-machine/deployment.asl.json', () => {
  it('is a valid ASL definition for the engine, as written and after substitution', () => {
    expect(() => new StateMachine(definition)).not.toThrow();
    expect(() => new StateMachine(JSON.parse(substituteDefinition(text)) as Definition)).not.toThrow();
  });

  it('has the deployment states: deploy, wait/describe until settled, report success or failure, settle before a failure report', () => {
    expect(definition.StartAt).toBe('DeployStack');
    const types = Object.fromEntries(Object.entries(definition.States).map(([name, s]) => [name, s.Type]));
    expect(types).toEqual({
      DeployStack: 'Task',
      WaitForStack: 'Wait',
      DescribeStack: 'Task',
      IsStackSettled: 'Choice',
      StackFailed: 'Pass',
      SettleAfterDeployError: 'Pass',
      SettleAfterDescribeError: 'Pass',
      DescribeSettlingStack: 'Task',
      IsStackSettling: 'Choice',
      HasSettledStackDeployed: 'Choice',
      IsSettlingStackGone: 'Choice',
      CountSettleLook: 'Pass',
      IsSettleBoundReached: 'Choice',
      WaitForSettle: 'Wait',
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
    expect(state('SettleAfterDeployError').Next).toBe('DescribeSettlingStack');
    expect(state('SettleAfterDescribeError').Next).toBe('DescribeSettlingStack');
    expect(state('DescribeSettlingStack').Next).toBe('IsStackSettling');
    expect((state('IsStackSettling') as { Default: string }).Default).toBe('HasSettledStackDeployed');
    expect((state('HasSettledStackDeployed') as { Default: string }).Default).toBe('ReportFailure');
    expect(state('CountSettleLook').Next).toBe('IsSettleBoundReached');
    expect(state('WaitForSettle').Next).toBe('DescribeSettlingStack');
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

  it('catches every error of the CloudFormation steps into $.error, then waits for the stack to settle before the failure report', () => {
    expect(state('DeployStack').Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'SettleAfterDeployError' }]);
    expect(state('DescribeStack').Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'SettleAfterDescribeError' }]);
    // The stack looked at: the one DeployStack named, or (DeployStack returned nothing) the one it deploys for the build.
    expect(state('SettleAfterDescribeError')).toMatchObject({ ResultPath: '$.settle', Parameters: { 'stack_name.$': '$.deployment.stack_name', looks: 0 } });
    expect(state('SettleAfterDeployError')).toMatchObject({
      ResultPath: '$.settle',
      Parameters: { 'stack_name.$': "States.Format('{}-{}', $.env, $.repo)", looks: 0 },
    });
  });

  it('settles with the describe-stack function, its answers and errors kept apart from the deployment error in $.error', () => {
    expect(state('DescribeSettlingStack')).toMatchObject({
      Resource: state('DescribeStack').Resource,
      Parameters: { 'stack_name.$': '$.settle.stack_name' },
      ResultPath: '$.settle.stack',
      Retry: state('DescribeStack').Retry,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.settle.error', Next: 'IsSettlingStackGone' }],
    });
    const writers = Object.entries(definition.States).filter(([, s]) => JSON.stringify(s).includes('"$.error"'));
    expect(writers.map(([name]) => name).sort()).toEqual(['DeployStack', 'DescribeStack', 'StackFailed']);
  });

  it('is bounded: about 60 minutes of looks, counted with States.MathAdd, failed looks counted too', () => {
    const bound = state('IsSettleBoundReached') as { Choices: Array<Record<string, unknown>>; Default: string };
    expect(bound.Choices).toEqual([{ Variable: '$.settle.looks', NumericGreaterThanEquals: SETTLE_LOOKS, Next: 'ReportFailure' }]);
    expect(bound.Default).toBe('WaitForSettle');
    const seconds = state('WaitForSettle').Seconds as number;
    // The first look is at once: the last one comes after SETTLE_LOOKS - 1 waits.
    expect((SETTLE_LOOKS - 1) * seconds).toBeLessThanOrEqual(60 * 60);
    expect(SETTLE_LOOKS * seconds).toBeGreaterThanOrEqual(60 * 60);
    expect(state('CountSettleLook').Parameters).toEqual({
      'stack_name.$': '$.settle.stack_name',
      'after.$': '$.settle.after',
      'looks.$': 'States.MathAdd($.settle.looks, 1)',
    });
    expect((state('IsSettlingStackGone') as { Default: string }).Default).toBe('CountSettleLook');
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
    expect(resources).toHaveLength(5);
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
      deployment: { stack_name: 'dev-web' },
      stack: { stack_status: 'CREATE_COMPLETE' },
      report: { outcome: 'completed', status: 'SUCCESS' },
    });
  });

  it('reports FAILED with the stack reason when the stack rolls back, and fails the execution', async () => {
    const { outcome, reports } = await runDeployment({ brokenStacks: ['dev-web'] });

    const reason =
      'Stack dev-web ended ROLLBACK_COMPLETE: The following resource(s) failed to create: [AppBucket]. Rollback requested by user.';
    expect(reports).toEqual([{ repo: 'web', env: 'dev', sk: input.sk, status: 'FAILED', error_msg: reason, execution_arn: expect.stringContaining(':execution:') }]);
    expect(outcome).toEqual({ status: 'FAILED', error: 'StackDeploymentFailed', cause: reason, failedState: 'DeploymentFailed' });
  });

  it('catches a failing deploy step into the failure report at once when no stack exists (one look, no wait)', async () => {
    const started = Date.now();
    const { outcome, reports, describes, log } = await runDeployment({
      // Were the failure path to wait, each wait would take a minute.
      settleWaitMs: 60_000,
      tasks: () => ({
        [DEPLOYMENT_TASKS.deployStack]: async () => {
          throw Object.assign(new Error('Template format error: unsupported structure.'), { name: 'ValidationError' });
        },
      }),
    });

    expect(describes).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(log.map(({ task, answer }) => [task, answer])).toEqual([
      ['DeployStack', 'ValidationError: Template format error: unsupported structure.'],
      ['DescribeSettlingStack', `ValidationError: Stack with id ${STACK} does not exist`],
      ['ReportFailure', 'ok'],
    ]);
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
    expect(outcome).toEqual({ status: 'FAILED', error: 'ValidationError', cause: 'Template format error: unsupported structure.', failedState: 'DeploymentFailed' });
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
      brokenStacks: ['dev-web'],
      tasks: () => ({
        [DEPLOYMENT_TASKS.reportFailure]: async () => {
          calls += 1;
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        },
      }),
    });

    expect(calls).toBe(6);
    expect(outcome).toEqual({
      status: 'FAILED',
      error: 'StackDeploymentFailed',
      cause: 'Stack dev-web ended ROLLBACK_COMPLETE: The following resource(s) failed to create: [AppBucket]. Rollback requested by user.',
      failedState: 'DeploymentFailed',
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

describe('the failure path holds the stack until it settles (the report releases the environment lock)', () => {
  /** DeployStack as when its task times out after CloudFormation accepted the update: the stack changes, the task fails. */
  const deployThatTimesOutAfterTheUpdateBegan = (cloudFormation: CloudFormationStandIn): Record<string, TaskHandler> => ({
    [DEPLOYMENT_TASKS.deployStack]: async (stateInput) => {
      cloudFormation.deployStack(stateInput);
      throw failure('States.Timeout', 'Task timed out after 300 seconds');
    },
  });

  /** The ordering claim, read from the call log: the failure report ran once, after the stack left *_IN_PROGRESS. */
  function expectReportAfterTheStackSettled(log: readonly Call[]): Call {
    const reports = log.filter((call) => call.task === DEPLOYMENT_TASKS.reportFailure);
    expect(reports).toHaveLength(1);
    const report = reports[0]!;
    expect(report.before).toBeDefined();
    expect(report.before).not.toMatch(/_IN_PROGRESS$/);
    // The last look before the report saw the status the stack still had when the report ran.
    const looks = log.slice(0, log.indexOf(report)).filter((call) => call.task === DEPLOYMENT_TASKS.describeSettlingStack);
    expect(looks.at(-1)?.answer).toBe(report.before);
    expect(log.indexOf(report)).toBe(log.length - 1);
    return report;
  }

  it("waits after DeployStack times out mid-update until the stack settles (UPDATE_ROLLBACK_COMPLETE), then reports DeployStack's error", async () => {
    const { outcome, reports, log, describes, settleLooks } = await runDeployment({
      existingStacks: [STACK],
      brokenStacks: [STACK],
      settleAfterPolls: 4,
      tasks: deployThatTimesOutAfterTheUpdateBegan,
    });

    // The update began (CREATE_COMPLETE -> UPDATE_IN_PROGRESS) in the failed DeployStack call.
    expect(log[0]).toMatchObject({ task: 'DeployStack', before: 'CREATE_COMPLETE', after: 'UPDATE_IN_PROGRESS', answer: 'States.Timeout: Task timed out after 300 seconds' });
    expect(describes).toBe(0);
    expect(settleLooks.map((look) => [look.stackName, look.answer])).toEqual([
      [STACK, 'UPDATE_IN_PROGRESS'],
      [STACK, 'UPDATE_ROLLBACK_IN_PROGRESS'],
      [STACK, 'UPDATE_ROLLBACK_IN_PROGRESS'],
      [STACK, 'UPDATE_ROLLBACK_COMPLETE'],
    ]);
    expect(expectReportAfterTheStackSettled(log).before).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(reports).toEqual([
      { repo: 'web', env: 'dev', sk: input.sk, status: 'FAILED', error_msg: 'Task timed out after 300 seconds', execution_arn: expect.stringContaining(':execution:') },
    ]);
    expect(outcome).toEqual({ status: 'FAILED', error: 'States.Timeout', cause: 'Task timed out after 300 seconds', failedState: 'DeploymentFailed' });
  });

  it("waits when DescribeStack throws while the stack is UPDATE_IN_PROGRESS, then reports DescribeStack's error", async () => {
    const { outcome, reports, log, settleLooks } = await runDeployment({
      existingStacks: [STACK],
      brokenStacks: [STACK],
      settleAfterPolls: 2,
      tasks: () => ({
        [DEPLOYMENT_TASKS.describeStack]: async () => {
          throw failure('ThrottlingException', 'Rate exceeded');
        },
      }),
    });

    expect(log.slice(0, 2).map(({ task, before, after, answer }) => [task, before, after, answer])).toEqual([
      ['DeployStack', 'CREATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'ok'],
      ['DescribeStack', 'UPDATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'ThrottlingException: Rate exceeded'],
    ]);
    expect(settleLooks.map((look) => look.answer)).toEqual(['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE']);
    expect(expectReportAfterTheStackSettled(log).before).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(reports).toEqual([expect.objectContaining({ status: 'FAILED', error_msg: 'Rate exceeded' })]);
    expect(outcome).toEqual({ status: 'FAILED', error: 'ThrottlingException', cause: 'Rate exceeded', failedState: 'DeploymentFailed' });
  });

  it('reports SUCCESS when DescribeStack throws while the update it follows is UPDATE_IN_PROGRESS and the stack then completes: the deployment did deploy', async () => {
    const { outcome, reports, log, settleLooks } = await runDeployment({
      existingStacks: [STACK],
      settleAfterPolls: 2,
      tasks: () => ({
        [DEPLOYMENT_TASKS.describeStack]: async () => {
          throw failure('ThrottlingException', 'Rate exceeded');
        },
      }),
    });

    expect(log[0]).toMatchObject({ task: 'DeployStack', before: 'CREATE_COMPLETE', after: 'UPDATE_IN_PROGRESS', answer: 'ok' });
    expect(settleLooks.map((look) => look.answer).at(-1)).toBe('UPDATE_COMPLETE');
    expect(reports).toEqual([expect.objectContaining({ status: 'SUCCESS' })]);
    expect(outcome?.status).toBe('SUCCEEDED');
  });

  it('waits when DeployStack is refused because the stack is still changing (a deployment the lock did not cover), then reports the refusal', async () => {
    const { outcome, log, settleLooks } = await runDeployment({
      existingStacks: [STACK],
      settleAfterPolls: 3,
      tasks: (cloudFormation) => {
        // An earlier execution's update, still running: its execution ended without waiting (aborted).
        cloudFormation.deployStack(input);
        return {};
      },
    });

    expect(log[0]).toMatchObject({ task: 'DeployStack', before: 'UPDATE_IN_PROGRESS', answer: expect.stringMatching(/is in UPDATE_IN_PROGRESS state and can not be updated/) });
    expect(settleLooks.map((look) => look.answer)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
    expectReportAfterTheStackSettled(log);
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'ValidationError', cause: expect.stringMatching(/can not be updated/) });
  });

  it("reports after the bound when the stack never settles: 120 looks, then the deployment's own error", async () => {
    const started = Date.now();
    const { outcome, reports, log, settleLooks } = await runDeployment({
      existingStacks: [STACK],
      settleAfterPolls: 1_000_000,
      tasks: deployThatTimesOutAfterTheUpdateBegan,
    });

    expect(settleLooks).toHaveLength(SETTLE_LOOKS);
    expect(new Set(settleLooks.map((look) => look.answer))).toEqual(new Set(['UPDATE_IN_PROGRESS']));
    // The bound, not the stack, ended the wait: the report runs with the stack still changing.
    expect(log.at(-1)).toMatchObject({ task: 'ReportFailure', before: 'UPDATE_IN_PROGRESS' });
    expect(reports).toEqual([expect.objectContaining({ status: 'FAILED', error_msg: 'Task timed out after 300 seconds' })]);
    expect(outcome).toEqual({ status: 'FAILED', error: 'States.Timeout', cause: 'Task timed out after 300 seconds', failedState: 'DeploymentFailed' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('counts a look that fails against the same bound: a describe that keeps failing ends the wait, with the original error', async () => {
    const { outcome, reports, settleLooks } = await runDeployment({
      existingStacks: [STACK],
      tasks: (cloudFormation) => ({
        ...deployThatTimesOutAfterTheUpdateBegan(cloudFormation),
        [DEPLOYMENT_TASKS.describeSettlingStack]: async () => {
          throw failure('AccessDeniedException', 'User is not authorized to perform: cloudformation:DescribeStacks');
        },
      }),
    });

    expect(settleLooks).toHaveLength(SETTLE_LOOKS);
    expect(reports).toEqual([expect.objectContaining({ status: 'FAILED', error_msg: 'Task timed out after 300 seconds' })]);
    expect(outcome).toEqual({ status: 'FAILED', error: 'States.Timeout', cause: 'Task timed out after 300 seconds', failedState: 'DeploymentFailed' });
  });

  it('looks again after a look that fails, and reports once the stack settled', async () => {
    let failed = false;
    const { log, settleLooks } = await runDeployment({
      existingStacks: [STACK],
      settleAfterPolls: 2,
      tasks: (cloudFormation) => ({
        ...deployThatTimesOutAfterTheUpdateBegan(cloudFormation),
        [DEPLOYMENT_TASKS.describeSettlingStack]: async (stateInput) => {
          if (!failed) {
            failed = true;
            throw failure('ThrottlingException', 'Rate exceeded');
          }
          return cloudFormation.describeStack(stateInput);
        },
      }),
    });

    expect(settleLooks.map((look) => look.answer)).toEqual(['ThrottlingException: Rate exceeded', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
    expectReportAfterTheStackSettled(log);
  });

  it('reports at once when DeployStack fails on a stack that exists and is not changing (one look, no wait)', async () => {
    const started = Date.now();
    const { outcome, log } = await runDeployment({
      existingStacks: [STACK],
      settleWaitMs: 60_000,
      tasks: () => ({
        [DEPLOYMENT_TASKS.deployStack]: async () => {
          throw failure('ValidationError', 'Template format error: unsupported structure.');
        },
      }),
    });

    expect(log.map(({ task, answer }) => [task, answer])).toEqual([
      ['DeployStack', 'ValidationError: Template format error: unsupported structure.'],
      ['DescribeSettlingStack', 'CREATE_COMPLETE'],
      ['ReportFailure', 'ok'],
    ]);
    expect(outcome).toEqual({ status: 'FAILED', error: 'ValidationError', cause: 'Template format error: unsupported structure.', failedState: 'DeploymentFailed' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each([
    ['the stand-in (CloudFormation ValidationError)', 'ValidationError', 'Stack with id dev-web does not exist'],
    [
      "Go's describe (a wrapped CloudFormation error)",
      'wrapError',
      'failed to describe stack dev-web: operation error CloudFormation: DescribeStacks, https response error StatusCode: 400, RequestID: 0f6c, api error ValidationError: Stack with id dev-web does not exist',
    ],
    ["Go's describe (no stack in the answer)", 'wrapError', 'stack not found: web-dev'],
  ])('reports at once when the describe says the stack does not exist, as %s says it', async (_, name, message) => {
    const { outcome, settleLooks } = await runDeployment({
      settleWaitMs: 60_000,
      tasks: () => ({
        [DEPLOYMENT_TASKS.deployStack]: async () => {
          throw failure('Lambda.Unknown', 'The function ran out of memory');
        },
        [DEPLOYMENT_TASKS.describeSettlingStack]: async () => {
          throw failure(name, message);
        },
      }),
    });

    expect(settleLooks).toHaveLength(1);
    expect(outcome).toEqual({ status: 'FAILED', error: 'Lambda.Unknown', cause: 'The function ran out of memory', failedState: 'DeploymentFailed' });
  });

  it("keeps the deployment's own error when the failure report also fails through all its retries after the wait", async () => {
    let reports = 0;
    const { outcome, settleLooks } = await runDeployment({
      existingStacks: [STACK],
      brokenStacks: [STACK],
      settleAfterPolls: 2,
      tasks: (cloudFormation) => ({
        ...deployThatTimesOutAfterTheUpdateBegan(cloudFormation),
        [DEPLOYMENT_TASKS.reportFailure]: async () => {
          reports += 1;
          throw failure('ThrottlingException', 'Rate exceeded');
        },
      }),
    });

    expect(settleLooks.map((look) => look.answer)).toEqual(['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE']);
    expect(reports).toBe(6);
    expect(outcome).toEqual({ status: 'FAILED', error: 'States.Timeout', cause: 'Task timed out after 300 seconds', failedState: 'DeploymentFailed' });
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
      const reason = 'Stack {env}-{repo} ended ROLLBACK_COMPLETE: The following resource(s) failed to create: [AppBucket]. Rollback requested by user.'
        .replace('{repo}', build.repo)
        .replace('{env}', build.env);

      expect(reports).toHaveLength(6);
      expect(outcome).toEqual({ status: 'FAILED', error: 'StackDeploymentFailed', cause: reason, failedState: 'DeploymentFailed' });

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
