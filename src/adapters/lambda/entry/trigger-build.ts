// Bundle entry of the trigger-build Lambda (nodejs22.x, handler `index.handler`).
import { triggerBuildHandlerFromEnvironment } from '../ready-handlers.js';

export const handler = triggerBuildHandlerFromEnvironment();
