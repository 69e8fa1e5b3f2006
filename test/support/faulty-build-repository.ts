import type { BuildRepository } from '../../src/index.js';

type Operation = keyof BuildRepository;

interface RepositoryFault {
  readonly operation: Operation | undefined;
  /** The AWS error name the failure carries, e.g. `ThrottlingException`. */
  readonly error: string;
  /** The call takes effect, then fails: "the write happened but the answer was lost". */
  readonly afterApply: boolean;
}

/** An error named like the AWS SDK's service exceptions. */
class InjectedServiceError extends Error {
  constructor(name: string, operation: string) {
    super(`Injected ${name} on ${operation}`);
    this.name = name;
  }
}

/**
 * Wraps a repository and fails chosen calls the way DynamoDB does under load
 * (throttling, 5xx, lost answers), for the in-memory runs of the reliability
 * suite. The DynamoDB runs inject the same faults at the wire instead.
 */
export class FaultyBuildRepository implements BuildRepository {
  private readonly faults: RepositoryFault[] = [];

  constructor(private readonly inner: BuildRepository) {}

  failNext(error: string, options: { operation?: Operation; afterApply?: boolean } = {}): void {
    this.faults.push({ operation: options.operation, error, afterApply: options.afterApply ?? false });
  }

  create: BuildRepository['create'] = (...args) => this.call('create', () => this.inner.create(...args));
  get: BuildRepository['get'] = (...args) => this.call('get', () => this.inner.get(...args));
  claimStart: BuildRepository['claimStart'] = (...args) => this.call('claimStart', () => this.inner.claimStart(...args));
  recordStartFailure: BuildRepository['recordStartFailure'] = (...args) =>
    this.call('recordStartFailure', () => this.inner.recordStartFailure(...args));
  recordUnstartable: BuildRepository['recordUnstartable'] = (...args) =>
    this.call('recordUnstartable', () => this.inner.recordUnstartable(...args));
  newestSuccessAfter: BuildRepository['newestSuccessAfter'] = (...args) =>
    this.call('newestSuccessAfter', () => this.inner.newestSuccessAfter(...args));
  recordStart: BuildRepository['recordStart'] = (...args) => this.call('recordStart', () => this.inner.recordStart(...args));
  recordCompletion: BuildRepository['recordCompletion'] = (...args) =>
    this.call('recordCompletion', () => this.inner.recordCompletion(...args));
  listBuilds: BuildRepository['listBuilds'] = (...args) => this.call('listBuilds', () => this.inner.listBuilds(...args));
  listBuildsByStatus: BuildRepository['listBuildsByStatus'] = (...args) =>
    this.call('listBuildsByStatus', () => this.inner.listBuildsByStatus(...args));
  latestBuilds: BuildRepository['latestBuilds'] = (...args) => this.call('latestBuilds', () => this.inner.latestBuilds(...args));
  recordExecutionEnd: BuildRepository['recordExecutionEnd'] = (...args) =>
    this.call('recordExecutionEnd', () => this.inner.recordExecutionEnd(...args));
  markRedrivePending: BuildRepository['markRedrivePending'] = (...args) =>
    this.call('markRedrivePending', () => this.inner.markRedrivePending(...args));
  listRedrivePending: BuildRepository['listRedrivePending'] = (...args) =>
    this.call('listRedrivePending', () => this.inner.listRedrivePending(...args));
  clearRedrivePending: BuildRepository['clearRedrivePending'] = (...args) =>
    this.call('clearRedrivePending', () => this.inner.clearRedrivePending(...args));
  readEnvironmentLine: BuildRepository['readEnvironmentLine'] = (...args) =>
    this.call('readEnvironmentLine', () => this.inner.readEnvironmentLine(...args));
  recordWaiting: BuildRepository['recordWaiting'] = (...args) => this.call('recordWaiting', () => this.inner.recordWaiting(...args));
  getEnvironmentLock: BuildRepository['getEnvironmentLock'] = (...args) =>
    this.call('getEnvironmentLock', () => this.inner.getEnvironmentLock(...args));
  adoptEnvironmentLock: BuildRepository['adoptEnvironmentLock'] = (...args) =>
    this.call('adoptEnvironmentLock', () => this.inner.adoptEnvironmentLock(...args));
  releaseEnvironmentLock: BuildRepository['releaseEnvironmentLock'] = (...args) =>
    this.call('releaseEnvironmentLock', () => this.inner.releaseEnvironmentLock(...args));
  listEnvironmentLocks: BuildRepository['listEnvironmentLocks'] = (...args) =>
    this.call('listEnvironmentLocks', () => this.inner.listEnvironmentLocks(...args));
  beginRedrive: BuildRepository['beginRedrive'] = (...args) => this.call('beginRedrive', () => this.inner.beginRedrive(...args));
  cancelPending: BuildRepository['cancelPending'] = (...args) => this.call('cancelPending', () => this.inner.cancelPending(...args));
  keepEnvironmentLock: BuildRepository['keepEnvironmentLock'] = (...args) =>
    this.call('keepEnvironmentLock', () => this.inner.keepEnvironmentLock(...args));

  private async call<T>(operation: Operation, run: () => Promise<T>): Promise<T> {
    const index = this.faults.findIndex((fault) => fault.operation === undefined || fault.operation === operation);
    if (index < 0) return run();
    const [fault] = this.faults.splice(index, 1);
    if (fault!.afterApply) await run();
    throw new InjectedServiceError(fault!.error, operation);
  }
}
