import type { ServiceContainer } from '../../src/composition/service-container.js';
import type { BuildKey, BuildRepository, ConcurrencyPolicy, NewBuild } from '../../src/index.js';

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
  readonly name: string;
  /** The execution input, a JSON text. */
  readonly input: string;
  /** The build its input names (a foreign execution with the same input names the same build). */
  readonly build: BuildKey | undefined;
  readonly status: string;
}

/**
 * The system under test on one set of adapters: the container the handlers
 * run on, plus the levers and the evidence the model needs.
 */
/** How much room a bloated item keeps below DynamoDB's 400 KB; see `LifecycleWorld.bloat`. */
export type BloatRoom = 'start' | 'claim-only' | 'none';

export interface LifecycleWorld {
  /** The container of the current process; `coldStart` replaces it. */
  readonly container: ServiceContainer;
  readonly repository: BuildRepository;
  readonly stateMachineArn: string;
  inject(fault: Fault): void;
  /** Records a new PENDING build exactly as the Go implementation's create writes it. */
  createAsGo(build: NewBuild): Promise<void>;
  /** An operator deletes the build's item and puts it back as Go creates it (PENDING, no execution). */
  reinsert(build: NewBuild): Promise<void>;
  /**
   * Another writer fills the build's item near DynamoDB's 400 KB (nothing in
   * memory), leaving `room`: for the start's ARN (`start`), for the start's
   * claim only (`claim-only`), or for a few words of reason only (`none`).
   */
  bloat(build: BuildKey, room: BloatRoom): Promise<void>;
  /** An operator starts an execution by hand, under another name, with this input. */
  startForeignExecution(name: string, input: string): Promise<string>;
  /** A new process (a Lambda cold start); its first state machine check fails when `describeFails`. */
  coldStart(describeFails: boolean): void;
  /** A new process configured with this concurrency policy (and every later one): a deployment's policy changes. */
  usePolicy(policy: ConcurrencyPolicy): void;
  /** Ends a running execution as Step Functions would (without any callback). */
  endExecution(executionArn: string, status: ExecutionEndStatus): Promise<void>;
  executions(): Promise<WorldExecution[]>;
  /** Every status change the store applied that the transition table forbids (evidence: history or the table's stream). */
  backwardMoves(builds: readonly BuildKey[]): Promise<string[]>;
  close(): Promise<void>;
}
