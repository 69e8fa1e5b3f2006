// Bundle entry of the execution-end reconciliation Lambda (nodejs22.x, handler `index.handler`); top-level await builds it at cold start.
import { executionStatusChangeHandlerFromEnvironment } from '../ready-handlers.js';

export const handler = await executionStatusChangeHandlerFromEnvironment();
