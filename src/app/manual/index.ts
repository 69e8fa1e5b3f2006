export { CancelBuildService, CANCELLED_ERROR } from './cancel-build.service.js';
export { IDEMPOTENCY_HOLD_SECONDS, IDEMPOTENCY_KEY_LIFETIME_SECONDS } from './idempotent-requests.js';
export type {
  CancelRequest,
  ManualDeploymentRefusal,
  ManualDeploymentResult,
  ManualRequestOptions,
  RedeployRequest,
  RedriveRequest,
  RollbackRequest,
} from './manual-deployment-result.js';
export { RedeployBuildService } from './redeploy-build.service.js';
export { RedriveBuildService } from './redrive-build.service.js';
export { RollBackEnvironmentService } from './roll-back-environment.service.js';
