import type { LogAttributes, Logger } from '../../ports/index.js';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: LogAttributes;
}

/**
 * Keeps every entry in memory so tests can assert on what was logged.
 *
 * @example
 * ```ts
 * const logger = new RecordingLogger();
 * const container = createContainer({ buildRepository, executionStarter, logger });
 * // ...
 * expect(logger.entries.filter((entry) => entry.level === 'error')).toEqual([]);
 * ```
 */
export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];

  debug(message: string, attributes: LogAttributes = {}): void {
    this.entries.push({ level: 'debug', message, attributes });
  }

  info(message: string, attributes: LogAttributes = {}): void {
    this.entries.push({ level: 'info', message, attributes });
  }

  warn(message: string, attributes: LogAttributes = {}): void {
    this.entries.push({ level: 'warn', message, attributes });
  }

  error(message: string, attributes: LogAttributes = {}): void {
    this.entries.push({ level: 'error', message, attributes });
  }
}
