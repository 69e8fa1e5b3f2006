// Bundle entry of the scheduled sweeper Lambda (nodejs22.x, handler `index.handler`).
import { sweeperHandlerFromEnvironment } from '../ready-handlers.js';

export const handler = sweeperHandlerFromEnvironment();
