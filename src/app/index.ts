export { createContainer, type ContainerOptions } from './composition-root.js';
export { TOKENS } from './di-tokens.js';
export { Orchestrator, type StartExecutionOptions } from './orchestrator.service.js';
