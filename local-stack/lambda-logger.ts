import type { LogAttributes, Logger } from '../src/index.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One entry a Lambda handler logged. */
export interface LambdaLogEntry {
  /** The function that logged it, e.g. `trigger-build`. */
  readonly source: string;
  readonly level: LogLevel;
  readonly message: string;
  readonly attributes: LogAttributes;
}

/**
 * The logger of one local Lambda function: keeps every entry (the evidence
 * the scenario checks) and passes each one on, instead of printing JSON lines.
 */
export class LambdaLogger implements Logger {
  readonly entries: LambdaLogEntry[] = [];

  constructor(
    private readonly source: string,
    private readonly onEntry: (entry: LambdaLogEntry) => void = () => {},
  ) {}

  debug(message: string, attributes: LogAttributes = {}): void {
    this.log('debug', message, attributes);
  }

  info(message: string, attributes: LogAttributes = {}): void {
    this.log('info', message, attributes);
  }

  warn(message: string, attributes: LogAttributes = {}): void {
    this.log('warn', message, attributes);
  }

  error(message: string, attributes: LogAttributes = {}): void {
    this.log('error', message, attributes);
  }

  private log(level: LogLevel, message: string, attributes: LogAttributes): void {
    const entry = { source: this.source, level, message, attributes };
    this.entries.push(entry);
    this.onEntry(entry);
  }
}
