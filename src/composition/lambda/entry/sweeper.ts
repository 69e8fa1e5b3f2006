// Bundle entry of the scheduled sweeper Lambda (nodejs22.x, handler `index.handler`); top-level await builds it at cold start.
import { sweeperHandlerFromEnvironment } from '../ready-handlers.js';

export const handler = await sweeperHandlerFromEnvironment();
