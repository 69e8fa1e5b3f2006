import { Logger as PowertoolsLoggerClient } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { LogAttributes, Logger } from '../../../ports/index.js';

export interface PowertoolsLoggerOptions {
  /** An existing Powertools logger to write through (e.g. your function's own). */
  readonly logger?: PowertoolsLoggerClient;
  /** Service name on every entry when no logger is given. */
  readonly serviceName?: string;
  /**
   * The least severe level written, when no logger is given. Default:
   * Powertools' own (`POWERTOOLS_LOG_LEVEL`, else INFO).
   */
  readonly logLevel?: PowertoolsLogLevel | undefined;
}

/** The levels Powertools Logger knows, most verbose first. */
export type PowertoolsLogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'CRITICAL' | 'SILENT';

/**
 * Structured JSON logs through Powertools for AWS Lambda. Level and sampling
 * follow Powertools' environment variables (`POWERTOOLS_LOG_LEVEL`, ...).
 *
 * A line about a build (one with a `buildId` attribute) carries the build id
 * as Powertools' `correlation_id` too, so every line about one build, from
 * whichever handler, is found by one query.
 *
 * @example
 * ```ts
 * const logger = new PowertoolsLogger({ serviceName: 'trigger-build' });
 * logger.info('Execution recorded', { buildId: 'myapp/prd:2HFj3kLmNoPqRsTuVwXy' });
 * // {"level":"INFO","message":"Execution recorded",...,"buildId":"myapp/prd:2HFj...","correlation_id":"myapp/prd:2HFj..."}
 * ```
 */
export class PowertoolsLogger implements Logger {
  private readonly logger: PowertoolsLoggerClient;

  constructor(options: PowertoolsLoggerOptions = {}) {
    this.logger =
      options.logger ??
      new PowertoolsLoggerClient({
        serviceName: options.serviceName ?? 'aws-deployer-orchestrator',
        ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
      });
  }

  /**
   * Puts the invocation's Lambda context on every following line
   * (`function_request_id`, `cold_start`, `function_name`, `function_arn`,
   * `function_memory_size`): Powertools' `addContext`. The handlers call it
   * at the start of each invocation.
   */
  addContext(context: Context): void {
    this.logger.addContext(context);
  }

  debug(message: string, attributes: LogAttributes = {}): void {
    this.logger.debug(message, withCorrelationId(attributes));
  }

  info(message: string, attributes: LogAttributes = {}): void {
    this.logger.info(message, withCorrelationId(attributes));
  }

  warn(message: string, attributes: LogAttributes = {}): void {
    this.logger.warn(message, withCorrelationId(attributes));
  }

  error(message: string, attributes: LogAttributes = {}): void {
    this.logger.error(message, withCorrelationId(attributes));
  }
}

/**
 * The correlation id goes on each line, not through `setCorrelationId`: that
 * sets one key for the whole logger, while trigger-build handles the records
 * of a batch concurrently, so it would name whichever build set it last.
 */
function withCorrelationId(attributes: LogAttributes): Record<string, unknown> {
  const { buildId } = attributes;
  return typeof buildId === 'string' ? { ...attributes, correlation_id: buildId } : { ...attributes };
}
