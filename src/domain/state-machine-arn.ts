import { ValidationError } from './orchestrator.errors.js';

/** The parts of a state machine ARN: `arn:{partition}:states:{region}:{account}:stateMachine:{name}`. */
export interface StateMachineArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

const STATE_MACHINE_ARN = /^arn:([a-z-]+):states:([a-z0-9-]+):(\d{12}):stateMachine:([^:\s]{1,80})$/;

export function parseStateMachineArn(arn: string, field = 'stateMachineArn'): StateMachineArn {
  const match = typeof arn === 'string' ? STATE_MACHINE_ARN.exec(arn) : null;
  if (!match) {
    throw new ValidationError(field, 'must look like arn:{partition}:states:{region}:{account}:stateMachine:{name}');
  }
  const [, partition = '', region = '', account = '', name = ''] = match;
  return { partition, region, account, name };
}

/**
 * The ARN Step Functions gives a STANDARD execution: derivable from the state
 * machine ARN and the name, which is how an `ExecutionAlreadyExists` becomes
 * "already started" without another call.
 */
export function executionArnFor(stateMachine: StateMachineArn, executionName: string): string {
  const { partition, region, account, name } = stateMachine;
  return `arn:${partition}:states:${region}:${account}:execution:${name}:${executionName}`;
}

/**
 * The name part of an execution ARN (what follows its last `:`; names
 * cannot hold one), or `undefined` when `executionArn` is not one.
 */
export function executionNameOfArn(executionArn: string): string | undefined {
  const match = /^arn:[^:]+:states:[^:]*:[^:]*:execution:[^:]+:([^:]+)$/.exec(executionArn);
  return match?.[1];
}
