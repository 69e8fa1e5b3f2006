import { Orchestrator } from '../app/orchestrator.service.js';
import { ReconcileExecutionService } from '../app/reconcile-execution.service.js';
import { RecordCompletionService } from '../app/record-completion.service.js';
import { SweepOpenBuildsService } from '../app/sweep-open-builds.service.js';
import { TriggerBuildService } from '../app/trigger-build.service.js';
import { CancelBuildService } from '../app/manual/cancel-build.service.js';
import { RedeployBuildService } from '../app/manual/redeploy-build.service.js';
import { RedriveBuildService } from '../app/manual/redrive-build.service.js';
import { RollBackEnvironmentService } from '../app/manual/roll-back-environment.service.js';
import { TOKENS, type Token } from './tokens.js';

/** The tokens of a service's dependencies, in the order its factory takes them. */
export type DependencyTokens<Dependencies extends readonly unknown[]> = { readonly [Index in keyof Dependencies]: Token<Dependencies[Index]> };

/**
 * How one service is made: the tokens of what it depends on and a factory
 * that takes them in that order. `Dependencies` is inferred from the tokens,
 * so a factory that passes a port where the service expects another fails to
 * compile.
 */
export interface ServiceWiring<Service, Dependencies extends readonly unknown[] = readonly unknown[]> {
  /** The service's token; containers also bind it under `service`, its class. */
  readonly token: Token<Service>;
  readonly service: abstract new (...args: never[]) => Service;
  readonly dependencies: DependencyTokens<Dependencies>;
  readonly create: (...dependencies: Dependencies) => Service;
}

/** A wiring whose types were checked where it was written: what the table and the resolvers hold. */
export interface AnyServiceWiring {
  readonly token: symbol;
  readonly service: abstract new (...args: never[]) => unknown;
  readonly dependencies: readonly symbol[];
  readonly create: (...dependencies: never[]) => unknown;
}

/** Checks one wiring's types; the annotation lets bundlers drop the wirings a function does not use. */
function wire<Service, const Dependencies extends readonly unknown[]>(wiring: ServiceWiring<Service, Dependencies>): ServiceWiring<Service, Dependencies> {
  return wiring;
}

// The wiring of the module, stated once: the inversify modules bind these, and
// the Lambda entry points resolve the ones they need without a container.
//
// The rows name tokens through these constants, not `TOKENS.X`: a bundler
// keeps a property access (it may run a getter), and with it the whole row
// and its service; rows of plain names are dropped when a function does not
// use them.
const {
  BuildRepository: BUILD_REPOSITORY,
  ExecutionStarter: EXECUTION_STARTER,
  ExecutionInspector: EXECUTION_INSPECTOR,
  ExecutionController: EXECUTION_CONTROLLER,
  IdempotencyStore: IDEMPOTENCY_STORE,
  Clock: CLOCK,
  Logger: LOGGER,
  ConcurrencyPolicy: CONCURRENCY,
  Orchestrator: ORCHESTRATOR,
  TriggerBuildService: TRIGGER_BUILD,
  RecordCompletionService: RECORD_COMPLETION,
  ReconcileExecutionService: RECONCILE_EXECUTION,
  SweepOpenBuildsService: SWEEP_OPEN_BUILDS,
  RedeployBuildService: REDEPLOY_BUILD,
  RollBackEnvironmentService: ROLL_BACK_ENVIRONMENT,
  RedriveBuildService: REDRIVE_BUILD,
  CancelBuildService: CANCEL_BUILD,
} = TOKENS;

export const orchestratorWiring = /* @__PURE__ */ wire({
  token: ORCHESTRATOR,
  service: Orchestrator,
  dependencies: [BUILD_REPOSITORY, EXECUTION_STARTER, CLOCK, LOGGER, CONCURRENCY],
  create: (builds, starter, clock, logger, concurrency) => new Orchestrator(builds, starter, clock, logger, concurrency),
});

export const triggerBuildWiring = /* @__PURE__ */ wire({
  token: TRIGGER_BUILD,
  service: TriggerBuildService,
  dependencies: [ORCHESTRATOR, BUILD_REPOSITORY, CLOCK, LOGGER, CONCURRENCY],
  create: (orchestrator, builds, clock, logger, concurrency) => new TriggerBuildService(orchestrator, builds, clock, logger, concurrency),
});

export const recordCompletionWiring = /* @__PURE__ */ wire({
  token: RECORD_COMPLETION,
  service: RecordCompletionService,
  dependencies: [BUILD_REPOSITORY, CLOCK, LOGGER, CONCURRENCY],
  create: (builds, clock, logger, concurrency) => new RecordCompletionService(builds, clock, logger, concurrency),
});

export const reconcileExecutionWiring = /* @__PURE__ */ wire({
  token: RECONCILE_EXECUTION,
  service: ReconcileExecutionService,
  dependencies: [EXECUTION_INSPECTOR, BUILD_REPOSITORY, CLOCK, LOGGER, CONCURRENCY],
  create: (inspector, builds, clock, logger, concurrency) => new ReconcileExecutionService(inspector, builds, clock, logger, concurrency),
});

export const sweepOpenBuildsWiring = /* @__PURE__ */ wire({
  token: SWEEP_OPEN_BUILDS,
  service: SweepOpenBuildsService,
  dependencies: [
    BUILD_REPOSITORY,
    EXECUTION_INSPECTOR,
    TRIGGER_BUILD,
    RECONCILE_EXECUTION,
    CLOCK,
    LOGGER,
    CONCURRENCY,
  ],
  create: (builds, inspector, trigger, reconciler, clock, logger, concurrency) =>
    new SweepOpenBuildsService(builds, inspector, trigger, reconciler, clock, logger, concurrency),
});

export const redeployBuildWiring = /* @__PURE__ */ wire({
  token: REDEPLOY_BUILD,
  service: RedeployBuildService,
  dependencies: [BUILD_REPOSITORY, IDEMPOTENCY_STORE, CLOCK, LOGGER],
  create: (builds, idempotency, clock, logger) => new RedeployBuildService(builds, idempotency ?? undefined, clock, logger),
});

export const rollBackEnvironmentWiring = /* @__PURE__ */ wire({
  token: ROLL_BACK_ENVIRONMENT,
  service: RollBackEnvironmentService,
  dependencies: [BUILD_REPOSITORY, EXECUTION_INSPECTOR, IDEMPOTENCY_STORE, CLOCK, LOGGER],
  create: (builds, inspector, idempotency, clock, logger) => new RollBackEnvironmentService(builds, inspector, idempotency ?? undefined, clock, logger),
});

export const redriveBuildWiring = /* @__PURE__ */ wire({
  token: REDRIVE_BUILD,
  service: RedriveBuildService,
  dependencies: [BUILD_REPOSITORY, EXECUTION_INSPECTOR, EXECUTION_CONTROLLER, IDEMPOTENCY_STORE, CLOCK, LOGGER, CONCURRENCY],
  create: (builds, inspector, controller, idempotency, clock, logger, concurrency) =>
    new RedriveBuildService(builds, inspector, controller, idempotency ?? undefined, clock, logger, concurrency),
});

export const cancelBuildWiring = /* @__PURE__ */ wire({
  token: CANCEL_BUILD,
  service: CancelBuildService,
  dependencies: [BUILD_REPOSITORY, EXECUTION_INSPECTOR, EXECUTION_CONTROLLER, IDEMPOTENCY_STORE, CLOCK, LOGGER, CONCURRENCY],
  create: (builds, inspector, controller, idempotency, clock, logger, concurrency) =>
    new CancelBuildService(builds, inspector, controller, idempotency ?? undefined, clock, logger, concurrency),
});

/** Every service of the module, in an order where each comes after what it depends on. */
export const SERVICE_WIRING: readonly AnyServiceWiring[] = [
  orchestratorWiring,
  triggerBuildWiring,
  recordCompletionWiring,
  reconcileExecutionWiring,
  sweepOpenBuildsWiring,
  redeployBuildWiring,
  rollBackEnvironmentWiring,
  redriveBuildWiring,
  cancelBuildWiring,
];
