/** Structured attributes for a log entry: build id, execution ARN, error... never secrets. */
export type LogAttributes = Readonly<Record<string, unknown>>;

/**
 * The little the module needs from a logger. Powertools' `Logger`, pino and
 * console-like loggers fit it with at most a thin wrapper.
 */
export interface Logger {
  debug(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
}
