/**
 * Deterministic stand-ins for the CloudFormation steps of the deployment
 * workflow (the DeployStack and DescribeStack Lambdas): a stack settles after
 * a fixed number of looks, a stack marked broken rolls back, a held stack
 * stays in progress until it is let go, and a deployment to a stack still in
 * progress is refused, as CloudFormation refuses it.
 */

export type StackStatus =
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_COMPLETE'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_ROLLBACK_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE';

/** A stack changed status (for the live output). */
export interface StackStatusChange {
  readonly stackName: string;
  readonly status: StackStatus;
  readonly reason: string;
}

export interface CloudFormationStandInOptions {
  /** DescribeStack calls after a deployment until its stack settles (default 3). */
  readonly settleAfterPolls?: number;
  /** Stacks whose deployments always roll back. */
  readonly brokenStacks?: Iterable<string>;
  /** Stacks that exist, `CREATE_COMPLETE`, before any deployment: deploying one updates it (a broken one then ends `UPDATE_ROLLBACK_COMPLETE`). */
  readonly existingStacks?: Iterable<string>;
  readonly onStatusChange?: (change: StackStatusChange) => void;
  /** Told about each deployment DeployStack refuses because its stack is busy. */
  readonly onRefused?: (refusal: StackRefusal) => void;
}

/** DeployStack refused a deployment (for the live output). */
export interface StackRefusal {
  readonly stackName: string;
  /** CloudFormation's message, e.g. `Stack:arn:... is in UPDATE_IN_PROGRESS state and can not be updated.` */
  readonly reason: string;
}

/** What DeployStack answers: `{ stack_name, stack_id }`. */
export interface DeployStackOutput {
  readonly stack_name: string;
  readonly stack_id: string;
  readonly [key: string]: string;
}

/** What DescribeStack answers: `{ stack_status, stack_status_reason }`. */
export interface DescribeStackOutput {
  readonly stack_status: StackStatus;
  readonly stack_status_reason: string;
  readonly [key: string]: string;
}

/** CloudFormation's error for a request it refuses (the Task fails with this name). */
export class CloudFormationValidationError extends Error {
  override readonly name = 'ValidationError';
}

interface Stack {
  readonly name: string;
  readonly id: string;
  status: StackStatus;
  reason: string;
  /** Looks since the current deployment began. */
  polls: number;
}

const BROKEN_REASON = 'The following resource(s) failed to create: [AppBucket]. Rollback requested by user.';

/** An in-memory CloudFormation that knows just enough to deploy and describe stacks. */
export class CloudFormationStandIn {
  private readonly stacks = new Map<string, Stack>();
  /** Held stacks: looks do not advance their deployment. */
  private readonly held = new Set<string>();
  private readonly refusals = new Map<string, number>();
  private readonly settleAfterPolls: number;
  private readonly brokenStacks: ReadonlySet<string>;

  constructor(private readonly options: CloudFormationStandInOptions = {}) {
    this.settleAfterPolls = options.settleAfterPolls ?? 3;
    if (!Number.isSafeInteger(this.settleAfterPolls) || this.settleAfterPolls < 1) {
      throw new Error('settleAfterPolls must be a positive integer');
    }
    this.brokenStacks = new Set(options.brokenStacks ?? []);
    for (const name of options.existingStacks ?? []) {
      this.stacks.set(name, { name, id: stackIdOf(name, this.stacks.size), status: 'CREATE_COMPLETE', reason: '', polls: 0 });
    }
  }

  /**
   * The stack a build deploys: `{env}-{repo}`, as the Go implementation's
   * deploy-cloudformation names it (`fmt.Sprintf("%s-%s", input.Env, input.Repo)`)
   * and its build records store it (`stack_name`, DESIGN.md).
   */
  static stackNameOf(build: { readonly repo: string; readonly env: string }): string {
    return `${build.env}-${build.repo}`;
  }

  /**
   * DeployStack: starts a create (or an update of a stack that exists) from
   * the execution input `{ repo, env, s3_bucket, s3_key, ... }`.
   *
   * @throws CloudFormationValidationError when the input names no stack or the stack is busy.
   */
  deployStack(input: unknown): DeployStackOutput {
    const repo = stringField(input, 'repo');
    const env = stringField(input, 'env');
    const stackName = CloudFormationStandIn.stackNameOf({ repo, env });
    const existing = this.stacks.get(stackName);
    if (existing?.status.endsWith('_IN_PROGRESS')) {
      const reason = `Stack:${existing.id} is in ${existing.status} state and can not be updated.`;
      this.refusals.set(stackName, (this.refusals.get(stackName) ?? 0) + 1);
      this.options.onRefused?.({ stackName, reason });
      throw new CloudFormationValidationError(reason);
    }
    // A stack that never got created (ROLLBACK_COMPLETE) is replaced, as deployers do.
    const update = existing !== undefined && existing.status !== 'ROLLBACK_COMPLETE';
    const stack: Stack = update
      ? existing
      : { name: stackName, id: stackIdOf(stackName, this.stacks.size), status: 'CREATE_IN_PROGRESS', reason: '', polls: 0 };
    this.stacks.set(stackName, stack);
    stack.polls = 0;
    this.change(stack, update ? 'UPDATE_IN_PROGRESS' : 'CREATE_IN_PROGRESS', 'User Initiated', { always: true });
    return { stack_name: stack.name, stack_id: stack.id };
  }

  /**
   * DescribeStack: the stack's status from `{ stack_name }`; each call is one
   * look, and the deployment settles on the `settleAfterPolls`-th.
   *
   * @throws CloudFormationValidationError when the stack does not exist.
   */
  describeStack(input: unknown): DescribeStackOutput {
    const stackName = stringField(input, 'stack_name');
    const stack = this.stacks.get(stackName);
    if (stack === undefined) throw new CloudFormationValidationError(`Stack with id ${stackName} does not exist`);
    if (stack.status.endsWith('_IN_PROGRESS') && !this.held.has(stackName)) {
      stack.polls += 1;
      this.advance(stack);
    }
    return { stack_status: stack.status, stack_status_reason: stack.reason };
  }

  /**
   * Holds the stack: a deployment of it in progress (or started while it is
   * held) does not advance, however often it is looked at, until the
   * returned function lets it go; then it settles after its looks as usual.
   * What a slow stack does, without depending on timing.
   */
  hold(stackName: string): () => void {
    this.held.add(stackName);
    return () => {
      this.held.delete(stackName);
    };
  }

  /** Deployments of the stack DeployStack refused because it was busy (`*_IN_PROGRESS`). */
  refusalsOf(stackName: string): number {
    return this.refusals.get(stackName) ?? 0;
  }

  /** The stack's current status, `undefined` when it was never deployed. */
  statusOf(stackName: string): StackStatus | undefined {
    return this.stacks.get(stackName)?.status;
  }

  private advance(stack: Stack): void {
    const creating = stack.status === 'CREATE_IN_PROGRESS' || stack.status === 'ROLLBACK_IN_PROGRESS';
    const broken = this.brokenStacks.has(stack.name);
    if (stack.polls >= this.settleAfterPolls) {
      if (!broken) this.change(stack, creating ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE', '');
      else this.change(stack, creating ? 'ROLLBACK_COMPLETE' : 'UPDATE_ROLLBACK_COMPLETE', BROKEN_REASON);
    } else if (broken && stack.polls >= Math.ceil(this.settleAfterPolls / 2)) {
      this.change(stack, creating ? 'ROLLBACK_IN_PROGRESS' : 'UPDATE_ROLLBACK_IN_PROGRESS', BROKEN_REASON);
    }
  }

  private change(stack: Stack, status: StackStatus, reason: string, options: { always?: boolean } = {}): void {
    if (stack.status === status && !options.always) return;
    stack.status = status;
    stack.reason = reason;
    this.options.onStatusChange?.({ stackName: stack.name, status, reason });
  }
}

function stackIdOf(stackName: string, index: number): string {
  const suffix = index.toString(16).padStart(8, '0');
  return `arn:aws:cloudformation:us-east-1:123456789012:stack/${stackName}/00000000-0000-4000-8000-${suffix.padStart(12, '0')}`;
}

function stringField(input: unknown, field: string): string {
  const value = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[field] : undefined;
  if (typeof value !== 'string' || value === '') {
    throw new CloudFormationValidationError(`Input must carry a non-empty string ${field}`);
  }
  return value;
}
