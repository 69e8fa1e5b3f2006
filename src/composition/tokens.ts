import type { Orchestrator } from '../app/orchestrator.service.js';
import type { ReconcileExecutionService } from '../app/reconcile-execution.service.js';
import type { RecordCompletionService } from '../app/record-completion.service.js';
import type { SweepOpenBuildsService } from '../app/sweep-open-builds.service.js';
import type { TriggerBuildService } from '../app/trigger-build.service.js';
import type { CancelBuildService, RedeployBuildService, RedriveBuildService, RollBackEnvironmentService } from '../app/manual/index.js';
import type { ConcurrencyPolicy } from '../domain/index.js';
import type { BuildRepository, Clock, ExecutionController, ExecutionInspector, ExecutionStarter, IdempotencyStore, Logger } from '../ports/index.js';

/**
 * The key a container holds a port's adapter or a service under; its type
 * says which. A swapped binding is a compile error wherever the key is typed.
 */
export type Token<Bound> = symbol & { readonly __bound?: Bound };

/** A port's key: `TOKENS.Clock` is a `PortToken<Clock>`. */
export type PortToken<Port> = Token<Port>;

// `Symbol.for`: the same key in every copy of this package (its ESM and its
// CommonJS build, or two installs), so each copy finds the other's bindings.
const token = <Bound>(name: string): Token<Bound> => Symbol.for(`@aws-deployer/orchestrator/${name}`);

/**
 * The keys of everything the module binds: the ports' adapters and the
 * services. Services are also bound under their class.
 *
 * @example
 * ```ts
 * container.rebind(TOKENS.Clock).toConstantValue(new ManualClock(new Date('2026-01-01T00:00:00Z')));
 * const logger = container.get(TOKENS.Logger);
 * ```
 */
export const TOKENS = {
  BuildRepository: token<BuildRepository>('BuildRepository'),
  ExecutionStarter: token<ExecutionStarter>('ExecutionStarter'),
  ExecutionInspector: token<ExecutionInspector>('ExecutionInspector'),
  /** Stops and redrives executions: what a forced `cancel` and `redrive` need. */
  ExecutionController: token<ExecutionController>('ExecutionController'),
  /** Where idempotency keys are kept; `null` when none is configured (a request with a key is then refused). */
  IdempotencyStore: token<IdempotencyStore | null>('IdempotencyStore'),
  Clock: token<Clock>('Clock'),
  Logger: token<Logger>('Logger'),
  /** How the builds of one environment share it (`queue` by default); a value, not an adapter. */
  ConcurrencyPolicy: token<ConcurrencyPolicy>('ConcurrencyPolicy'),
  Orchestrator: token<Orchestrator>('Orchestrator'),
  TriggerBuildService: token<TriggerBuildService>('TriggerBuildService'),
  RecordCompletionService: token<RecordCompletionService>('RecordCompletionService'),
  ReconcileExecutionService: token<ReconcileExecutionService>('ReconcileExecutionService'),
  SweepOpenBuildsService: token<SweepOpenBuildsService>('SweepOpenBuildsService'),
  RedeployBuildService: token<RedeployBuildService>('RedeployBuildService'),
  RollBackEnvironmentService: token<RollBackEnvironmentService>('RollBackEnvironmentService'),
  RedriveBuildService: token<RedriveBuildService>('RedriveBuildService'),
  CancelBuildService: token<CancelBuildService>('CancelBuildService'),
} as const;

/** What a token is named in errors: `BuildRepository` for `TOKENS.BuildRepository`. */
export function tokenName(key: symbol | (abstract new (...args: never[]) => unknown)): string {
  if (typeof key !== 'symbol') return key.name;
  const name = Symbol.keyFor(key) ?? key.description ?? 'an unnamed token';
  return name.slice(name.lastIndexOf('/') + 1);
}
