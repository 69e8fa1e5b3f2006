import type { LogAttributes, Logger } from '../../../ports/index.js';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: LogAttributes;
}

export interface RecordingLoggerOptions {
  /** Told about each entry as it is logged (to print it, or to forward it). */
  readonly onEntry?: ((entry: LogEntry) => void) | undefined;
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
  private readonly onEntry: (entry: LogEntry) => void;

  constructor(options: RecordingLoggerOptions = {}) {
    this.onEntry = options.onEntry ?? (() => {});
  }

  debug(message: string, attributes: LogAttributes = {}): void {
    this.record({ level: 'debug', message, attributes });
  }

  info(message: string, attributes: LogAttributes = {}): void {
    this.record({ level: 'info', message, attributes });
  }

  warn(message: string, attributes: LogAttributes = {}): void {
    this.record({ level: 'warn', message, attributes });
  }

  error(message: string, attributes: LogAttributes = {}): void {
    this.record({ level: 'error', message, attributes });
  }

  private record(entry: LogEntry): void {
    this.entries.push(entry);
    this.onEntry(entry);
  }
}
