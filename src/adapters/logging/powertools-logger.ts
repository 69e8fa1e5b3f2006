import { Logger as PowertoolsLoggerClient } from '@aws-lambda-powertools/logger';
import type { LogAttributes, Logger } from '../../ports/index.js';

export interface PowertoolsLoggerOptions {
  /** An existing Powertools logger to write through (e.g. your function's own). */
  readonly logger?: PowertoolsLoggerClient;
  /** Service name on every entry when no logger is given. */
  readonly serviceName?: string;
}

/**
 * Structured JSON logs through Powertools for AWS Lambda. Level and sampling
 * follow Powertools' environment variables (`POWERTOOLS_LOG_LEVEL`, ...).
 *
 * @example
 * ```ts
 * const logger = new PowertoolsLogger({ serviceName: 'trigger-build' });
 * logger.info('Execution recorded', { buildId: 'myapp/prd:2HFj3kLmNoPqRsTuVwXy' });
 * ```
 */
export class PowertoolsLogger implements Logger {
  private readonly logger: PowertoolsLoggerClient;

  constructor(options: PowertoolsLoggerOptions = {}) {
    this.logger = options.logger ?? new PowertoolsLoggerClient({ serviceName: options.serviceName ?? 'aws-deployer-orchestrator' });
  }

  debug(message: string, attributes: LogAttributes = {}): void {
    this.logger.debug(message, { ...attributes });
  }

  info(message: string, attributes: LogAttributes = {}): void {
    this.logger.info(message, { ...attributes });
  }

  warn(message: string, attributes: LogAttributes = {}): void {
    this.logger.warn(message, { ...attributes });
  }

  error(message: string, attributes: LogAttributes = {}): void {
    this.logger.error(message, { ...attributes });
  }
}
