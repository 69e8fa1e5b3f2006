// Bundle entry of the trigger-build Lambda (nodejs22.x, handler `index.handler`); top-level await builds it at cold start.
import { triggerBuildHandlerFromEnvironment } from '../ready-handlers.js';

export const handler = await triggerBuildHandlerFromEnvironment();
