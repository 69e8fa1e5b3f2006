export type * from './build-repository.port.js';
export type * from './clock.port.js';
export type * from './execution-controller.port.js';
export type * from './execution-inspector.port.js';
export type * from './execution-starter.port.js';
export type * from './idempotency-store.port.js';
export type * from './logger.port.js';
