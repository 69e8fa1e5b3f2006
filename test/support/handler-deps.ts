// The services each handler factory takes, from a container: what a test
// that builds its handlers from `createContainer` hands them.
import {
  ReconcileExecutionService,
  RecordCompletionService,
  SweepOpenBuildsService,
  TOKENS,
  TriggerBuildService,
  type ServiceContainer,
} from '../../src/index.js';

export const triggerBuildDeps = (container: ServiceContainer) => ({
  trigger: container.get(TriggerBuildService),
  logger: container.get(TOKENS.Logger),
});

export const updateBuildStatusDeps = (container: ServiceContainer) => ({
  completions: container.get(RecordCompletionService),
  logger: container.get(TOKENS.Logger),
});

export const executionStatusChangeDeps = (container: ServiceContainer) => ({
  reconciler: container.get(ReconcileExecutionService),
  logger: container.get(TOKENS.Logger),
});

export const sweeperDeps = (container: ServiceContainer) => ({
  sweeper: container.get(SweepOpenBuildsService),
  logger: container.get(TOKENS.Logger),
});
