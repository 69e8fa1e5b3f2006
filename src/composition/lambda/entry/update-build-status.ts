// Bundle entry of the update-build-status Lambda (nodejs22.x, handler `index.handler`); top-level await builds it at cold start.
import { updateBuildStatusHandlerFromEnvironment } from '../ready-handlers.js';

export const handler = await updateBuildStatusHandlerFromEnvironment();
