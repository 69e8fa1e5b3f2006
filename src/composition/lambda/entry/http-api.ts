// Bundle entry of the HTTP API Lambda (nodejs22.x, handler `index.handler`, API Gateway payload 2.0); top-level await builds it at cold start.
import { httpApiHandlerFromEnvironment } from '../http-api-ready-handler.js';

export const handler = await httpApiHandlerFromEnvironment();
