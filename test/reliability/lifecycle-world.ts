import type { Container } from 'inversify';
import type { BuildKey, BuildRepository } from '../../src/index.js';

/** A fault the model can inject before any step. */
export type Fault =
  | 'sfn-throttling'
  | 'sfn-5xx'
  | 'sfn-execution-limit'
  | 'sfn-permanent'
  | 'dynamodb-throttling'
  | 'dynamodb-5xx'
  | 'dynamodb-lost-answer'
  | 'crash-between-start-and-write';

export const FAULTS: readonly Fault[] = [
  'sfn-throttling',
  'sfn-5xx',
  'sfn-execution-limit',
  'sfn-permanent',
  'dynamodb-throttling',
  'dynamodb-5xx',
  'dynamodb-lost-answer',
  'crash-between-start-and-write',
];

export type ExecutionEndStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface WorldExecution {
  readonly executionArn: string;
  readonly build: BuildKey | undefined;
  readonly status: string;
}

/**
 * The system under test on one set of adapters: the container the handlers
 * run on, plus the levers and the evidence the model needs.
 */
export interface LifecycleWorld {
  readonly container: Container;
  readonly repository: BuildRepository;
  readonly stateMachineArn: string;
  inject(fault: Fault): void;
  /** Ends a running execution as Step Functions would (without any callback). */
  endExecution(executionArn: string, status: ExecutionEndStatus): Promise<void>;
  executions(): Promise<WorldExecution[]>;
  /** Every status change the store applied that the transition table forbids (evidence: history or the table's stream). */
  backwardMoves(builds: readonly BuildKey[]): Promise<string[]>;
  close(): Promise<void>;
}
