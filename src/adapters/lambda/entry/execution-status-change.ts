// Bundle entry of the execution-end reconciliation Lambda (nodejs22.x, handler `index.handler`).
import { executionStatusChangeHandlerFromEnvironment } from '../ready-handlers.js';

export const handler = executionStatusChangeHandlerFromEnvironment();
