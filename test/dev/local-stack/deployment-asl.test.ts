// The deployment workflow's ASL definition (state-machine/deployment.asl.json):
// valid for a real ASL engine, shaped as the orchestrator expects, and
// behaving as intended when run with stand-ins for its Lambdas.
import '../../../dev/local-stack/promise-with-resolvers.js';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { parseCallbackPayload } from '../../../src/adapters/driving/lambda/update-build-status/callback-payload.js';
import { BuildNotFoundError, ValidationError } from '../../../src/index.js';
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
  return {
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:deployment:web-dev-${input.sk}`,
    stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:deployment',
    stateMachineType: 'STANDARD',
    name: `web-dev-${input.sk}`,
    input: JSON.stringify(input),
    traceHeader: undefined,
    status: 'RUNNING',
    startDate: new Date(),
    stopDate: undefined,
    output: undefined,
    error: undefined,
    cause: undefined,
    redriveCount: 0,
    redriveDate: undefined,
  };
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
    // A report that keeps failing must not turn a deployed build into a failed one.
    expect(state('ReportSuccess').Catch).toBeUndefined();
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
  ])('does not retry a report update-build-status refuses with %s: it would fail the same way', async (name, refusal) => {
    const { outcome, calls } = await runWithSuccessReport(() => {
      throw refusal();
    });

    expect(calls).toBe(1);
    expect(outcome).toMatchObject({ status: 'FAILED', error: name });
  });

  it('refuses an invalid definition and a Task state without a local handler', () => {
    const broken = { ...definition, States: { ...definition.States, WaitForStack: { Type: 'Wait', Seconds: 1, Next: 'Nowhere' } } };
    expect(() => createAslRunner({ definition: JSON.stringify(broken), tasks: {} })).toThrow(/definition is invalid[\s\S]*Nowhere/);
    expect(() => createAslRunner({ definition: substituteDefinition(text), tasks: {} })).toThrow(/DeployStack/);
  });
});
