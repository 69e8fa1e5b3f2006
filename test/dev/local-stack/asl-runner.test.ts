// The ASL runner of the local Step Functions endpoint on redrives and stops:
// RedriveExecution resumes an execution at the state it failed (or was
// stopped) in, with the input that state had, the earlier states' results
// kept and not run again, as Step Functions does; StopExecution aborts the
// run. Driven through the endpoint's own model (SimulatedStepFunctions), as
// an SDK call would drive it, with the shipped workflow.
import '../../../dev/local-stack/promise-with-resolvers.js';
import { describe, expect, it, vi } from 'vitest';
import { createAslRunner, type TaskHandler } from '../../../dev/local-stack/asl-runner.js';
import { CloudFormationStandIn } from '../../../dev/local-stack/cloudformation-stand-ins.js';
import {
  DEPLOYMENT_TASKS,
  SETTLE_WAIT_STATE,
  STACK_POLL_WAIT_STATE,
  readDeploymentDefinitionText,
  substituteDefinition,
} from '../../../dev/local-stack/deployment-definition.js';
import { deploymentTasks } from '../../../dev/local-stack/deployment-tasks.js';
import { SimulatedStepFunctions, type ExecutionRecord } from '../../../dev/local-sfn/simulated-step-functions.js';

const definition = substituteDefinition(readDeploymentDefinitionText());
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
const STACK = CloudFormationStandIn.stackNameOf(input);

/** A Task call that waits until the test lets it answer. */
interface Gate {
  /** Resolves once the task has been called. */
  readonly reached: Promise<void>;
  /** Lets the call answer (what the real task would have). */
  open(): void;
}

function aGate(): Gate & { readonly wait: () => Promise<void> } {
  const reached = Promise.withResolvers<void>();
  const opened = Promise.withResolvers<void>();
  return {
    reached: reached.promise,
    open: () => opened.resolve(),
    wait: () => {
      reached.resolve();
      return opened.promise;
    },
  };
}

/**
 * The shipped workflow on the endpoint's model: each Task call is logged by
 * name; `gates` hold the n-th call of a task (1-based) until opened.
 */
function aWorkflow(
  options: {
    brokenStacks?: string[];
    deployFails?: boolean;
    /** WaitForStack's wait, in ms (default 0). */
    pollWaitMs?: number;
    gates?: Partial<Record<string, { readonly call: number; readonly gate: ReturnType<typeof aGate> }>>;
  } = {},
) {
  const cloudFormation = new CloudFormationStandIn({ settleAfterPolls: 1, brokenStacks: options.brokenStacks ?? [] });
  const calls: string[] = [];
  const reports: unknown[] = [];
  const real: Record<string, TaskHandler> = deploymentTasks({
    cloudFormation,
    updateBuildStatus: async (payload) => {
      reports.push(payload);
      return { outcome: 'completed', status: (payload as { status: 'SUCCESS' | 'FAILED' }).status };
    },
  });
  if (options.deployFails) {
    real[DEPLOYMENT_TASKS.deployStack] = async () => {
      throw Object.assign(new Error('Template format error: unsupported structure.'), { name: 'ValidationError' });
    };
  }
  const tasks = Object.fromEntries(
    Object.entries(real).map(([name, handler]): [string, TaskHandler] => [
      name,
      async (stateInput) => {
        calls.push(name);
        const gated = options.gates?.[name];
        if (gated !== undefined && calls.filter((call) => call === name).length === gated.call) await gated.gate.wait();
        return handler(stateInput);
      },
    ]),
  );
  const asl = createAslRunner({
    definition,
    tasks,
    waitMs: { [STACK_POLL_WAIT_STATE]: options.pollWaitMs ?? 0, [SETTLE_WAIT_STATE]: 0 },
    retryIntervalMs: 0,
  });
  const sfn = new SimulatedStepFunctions(asl.runner);
  const stateMachineArn = String(
    sfn.perform('CreateStateMachine', { name: 'deployment', definition, roleArn: 'arn:aws:iam::123456789012:role/deployment' }).stateMachineArn,
  );
  const executionArn = String(sfn.perform('StartExecution', { stateMachineArn, name: `web-dev-${input.sk}`, input: JSON.stringify(input) }).executionArn);
  const record = (): ExecutionRecord => {
    const found = sfn.executions().find((execution) => execution.executionArn === executionArn);
    if (found === undefined) throw new Error('the execution is gone');
    return found;
  };
  const closed = async (status: string, redriveCount: number): Promise<ExecutionRecord> => {
    await vi.waitFor(() => expect(record()).toMatchObject({ status, redriveCount }), { timeout: 5_000, interval: 5 });
    return record();
  };
  return {
    asl,
    sfn,
    cloudFormation,
    calls,
    reports,
    executionArn,
    record,
    closed,
    stop: () => sfn.perform('StopExecution', { executionArn, error: 'Cancelled', cause: 'cancelled by local' }),
    redrive: () => sfn.perform('RedriveExecution', { executionArn }),
  };
}

describe('a redriven execution resumes at the state it was stopped in (StopExecution, then RedriveExecution)', () => {
  it('stopped in DescribeStack, it is ABORTED there; redriven, it looks at the stack again, keeps DeployStack\'s result and succeeds', async () => {
    const gate = aGate();
    const workflow = aWorkflow({ gates: { [DEPLOYMENT_TASKS.describeStack]: { call: 1, gate } } });
    await gate.reached;

    workflow.stop();
    // The runner, aborted, reports the state it was in.
    await vi.waitFor(() => expect(workflow.record().failedState).toBe('DescribeStack'), { timeout: 5_000, interval: 5 });
    expect(workflow.record()).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'cancelled by local', redriveCount: 0 });
    expect(workflow.asl.resumeOf({ ...workflow.record(), redriveCount: 1 })).toEqual({
      state: 'DescribeStack',
      input: { ...input, deployment: { stack_name: STACK, stack_id: expect.stringContaining(`:stack/${STACK}/`) } },
    });
    // The stopped call's late answer moves nothing on.
    gate.open();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(workflow.calls).toEqual(['DeployStack', 'DescribeStack']);
    expect(workflow.asl.running()).toBe(0);

    workflow.redrive();
    const redriven = await workflow.closed('SUCCEEDED', 1);

    expect(workflow.calls).toEqual(['DeployStack', 'DescribeStack', 'DescribeStack', 'ReportSuccess']);
    expect(workflow.reports).toEqual([{ repo: 'web', env: 'dev', sk: input.sk, status: 'SUCCESS', execution_arn: workflow.executionArn }]);
    expect(JSON.parse(redriven.output ?? '{}')).toMatchObject({ ...input, deployment: { stack_name: STACK }, stack: { stack_status: 'CREATE_COMPLETE' } });
    expect(redriven.failedState).toBeUndefined();
  });

  it('stopped in a Wait state, it resumes at that Wait', async () => {
    const workflow = aWorkflow({ pollWaitMs: 200 });
    const release = workflow.cloudFormation.hold(STACK);
    // DeployStack, then WaitForStack (200 ms): stopped there.
    await vi.waitFor(() => expect(workflow.calls).toEqual(['DeployStack']), { timeout: 5_000, interval: 2 });
    await new Promise((resolve) => setTimeout(resolve, 50));

    workflow.stop();
    await vi.waitFor(() => expect(workflow.record().failedState).toBe('WaitForStack'), { timeout: 5_000, interval: 5 });
    release();
    workflow.redrive();
    await workflow.closed('SUCCEEDED', 1);

    expect(workflow.calls).toEqual(['DeployStack', 'DescribeStack', 'ReportSuccess']);
  });

  it('stopped again after a redrive, it resumes at the new state, not at the one of its first stop', async () => {
    const describeGate = aGate();
    const reportGate = aGate();
    const workflow = aWorkflow({
      gates: {
        [DEPLOYMENT_TASKS.describeStack]: { call: 1, gate: describeGate },
        [DEPLOYMENT_TASKS.reportSuccess]: { call: 1, gate: reportGate },
      },
    });
    await describeGate.reached;
    workflow.stop();
    await vi.waitFor(() => expect(workflow.record().failedState).toBe('DescribeStack'), { timeout: 5_000, interval: 5 });
    describeGate.open();

    workflow.redrive();
    await reportGate.reached;
    workflow.stop();
    await vi.waitFor(() => expect(workflow.record()).toMatchObject({ status: 'ABORTED', redriveCount: 1, failedState: 'ReportSuccess' }), {
      timeout: 5_000,
      interval: 5,
    });
    reportGate.open();

    workflow.redrive();
    await workflow.closed('SUCCEEDED', 2);

    expect(workflow.calls).toEqual(['DeployStack', 'DescribeStack', 'DescribeStack', 'ReportSuccess', 'ReportSuccess']);
  });
});

describe('a redriven execution that ended in the Fail state (the workflow reported the failure) fails there again', () => {
  it.each([
    ['the deploy step fails', { deployFails: true }, ['DeployStack', 'DescribeSettlingStack', 'ReportFailure'], 'ValidationError'],
    ['the stack rolls back', { brokenStacks: [STACK] }, ['DeployStack', 'DescribeStack', 'ReportFailure'], 'StackDeploymentFailed'],
  ] as const)('%s: FAILED in DeploymentFailed; redriven, it enters DeploymentFailed only and fails with the same error', async (_case, options, tasks, error) => {
    const workflow = aWorkflow({ brokenStacks: [...('brokenStacks' in options ? options.brokenStacks : [])], deployFails: 'deployFails' in options });
    const failed = await workflow.closed('FAILED', 0);
    expect(failed).toMatchObject({ failedState: 'DeploymentFailed', error });
    expect(workflow.calls).toEqual(tasks);

    workflow.redrive();
    const redriven = await workflow.closed('FAILED', 1);

    // Nothing before the Fail state runs again: no deployment, no second report.
    expect(workflow.calls).toEqual(tasks);
    expect(workflow.reports).toHaveLength(1);
    expect(redriven).toMatchObject({ status: 'FAILED', error: failed.error, cause: failed.cause, failedState: 'DeploymentFailed' });
    // Step Functions would let it be redriven again, to the same end.
    expect(workflow.sfn.perform('DescribeExecution', { executionArn: workflow.executionArn })).toMatchObject({ redriveStatus: 'REDRIVABLE' });
  });
});

describe('where a run begins', () => {
  it('a new execution at StartAt with its input; a redriven one naming no failed state at StartAt too', async () => {
    const workflow = aWorkflow();
    const done = await workflow.closed('SUCCEEDED', 0);

    expect(workflow.asl.resumeOf(done)).toEqual({ state: 'DeployStack', input });
    expect(workflow.asl.resumeOf({ ...done, status: 'FAILED', redriveCount: 1, failedState: undefined })).toEqual({ state: 'DeployStack', input });
    // A failed state it never ran there (nobody else's run): that state, with the execution's input.
    expect(workflow.asl.resumeOf({ ...done, status: 'FAILED', redriveCount: 1, failedState: 'ReportFailure' })).toEqual({ state: 'ReportFailure', input });
  });

  it('aborts a run whose signal aborts: ABORTED, in the state it was in', async () => {
    const gate = aGate();
    const workflow = aWorkflow({ gates: { [DEPLOYMENT_TASKS.deployStack]: { call: 2, gate } } });
    await workflow.closed('SUCCEEDED', 0);
    const own = new AbortController();
    const run = workflow.asl.run({ ...workflow.record(), executionArn: `${workflow.executionArn}-again`, status: 'RUNNING' }, {}, own.signal);
    await gate.reached;

    own.abort();

    await expect(run).resolves.toEqual({ status: 'ABORTED', failedState: 'DeployStack' });
    gate.open();
    expect(workflow.asl.running()).toBe(0);
  });
});
