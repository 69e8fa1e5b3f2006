// The shipped deployment workflow (state-machine/deployment.asl.json) run by
// the ASL engine for one execution, its CloudFormation steps on the stand-in
// and its reports on whatever the test gives: how Step Functions would end the
// execution. Retry intervals and the stack's Waits (the poll's and the failure
// path's settle) are overridden to nothing, so a report retried five times
// costs no time in CI.
import { createAslRunner, type AslRunner, type TaskHandler } from '../../dev/local-stack/asl-runner.js';
import { CloudFormationStandIn } from '../../dev/local-stack/cloudformation-stand-ins.js';
import {
  DEPLOYMENT_TASKS,
  SETTLE_WAIT_STATE,
  STACK_POLL_WAIT_STATE,
  readDeploymentDefinitionText,
  substituteDefinition,
} from '../../dev/local-stack/deployment-definition.js';
import type { ExecutionOutcome, ExecutionRecord } from '../../dev/local-sfn/local-sfn-server.js';

// Validating the definition costs about 150 ms: one runner serves every run, each with its own stand-ins.
let shipped: AslRunner | undefined;
const unset: TaskHandler = () => Promise.reject(new Error('each run gives its own Task handlers'));
const shippedWorkflow = (): AslRunner =>
  (shipped ??= createAslRunner({
    definition: substituteDefinition(readDeploymentDefinitionText()),
    tasks: Object.fromEntries(Object.values(DEPLOYMENT_TASKS).map((name) => [name, unset])),
    waitMs: { [STACK_POLL_WAIT_STATE]: 0, [SETTLE_WAIT_STATE]: 0 },
    retryIntervalMs: 0,
  }));

/** The execution the workflow runs for, as Step Functions started it. */
export interface WorkflowExecution {
  readonly executionArn: string;
  readonly name: string;
  /** The execution input, a JSON text. */
  readonly input: string;
}

export interface WorkflowRun {
  /** `deploys` settles at CREATE_COMPLETE; `rolls back` at ROLLBACK_COMPLETE. */
  readonly stack: 'deploys' | 'rolls back';
  /** What both report states (ReportSuccess, ReportFailure) invoke: update-build-status or a stand-in for it. */
  readonly report: TaskHandler;
}

/**
 * Runs the workflow to its end and returns how the execution ended, as
 * Step Functions would report it (`status`, `output`, `error`, `cause`).
 */
/** An execution record as Step Functions holds one that just started: running, never redriven. */
export function aRunningExecution(fields: Pick<ExecutionRecord, 'executionArn' | 'stateMachineArn' | 'name' | 'input'>): ExecutionRecord {
  return {
    ...fields,
    stateMachineType: 'STANDARD',
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

export async function runShippedWorkflow(execution: WorkflowExecution, run: WorkflowRun): Promise<ExecutionOutcome> {
  const input = JSON.parse(execution.input) as { repo?: unknown; env?: unknown };
  const stackName = CloudFormationStandIn.stackNameOf({ repo: String(input.repo), env: String(input.env) });
  const cloudFormation = new CloudFormationStandIn({ settleAfterPolls: 1, brokenStacks: run.stack === 'rolls back' ? [stackName] : [] });
  return shippedWorkflow().run(
    aRunningExecution({
      executionArn: execution.executionArn,
      stateMachineArn: execution.executionArn.replace(/:execution:([^:]+):[^:]+$/, ':stateMachine:$1'),
      name: execution.name,
      input: execution.input,
    }),
    {
      [DEPLOYMENT_TASKS.deployStack]: async (stateInput) => cloudFormation.deployStack(stateInput),
      [DEPLOYMENT_TASKS.describeStack]: async (stateInput) => cloudFormation.describeStack(stateInput),
      [DEPLOYMENT_TASKS.describeSettlingStack]: async (stateInput) => cloudFormation.describeStack(stateInput),
      [DEPLOYMENT_TASKS.reportSuccess]: run.report,
      [DEPLOYMENT_TASKS.reportFailure]: run.report,
    },
  );
}
