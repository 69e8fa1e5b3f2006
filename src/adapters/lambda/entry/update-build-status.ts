// Bundle entry of the update-build-status Lambda (nodejs22.x, handler `index.handler`).
import { updateBuildStatusHandlerFromEnvironment } from '../ready-handlers.js';

export const handler = updateBuildStatusHandlerFromEnvironment();
