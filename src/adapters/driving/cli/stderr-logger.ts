import type { LogAttributes, Logger } from '../../../ports/index.js';
import type { TextSink } from './io.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * The library's logs as JSON lines on stderr, from `level` up, so stdout only
 * ever carries the command's output.
 */
export class StderrJsonLogger implements Logger {
  constructor(
    private readonly sink: TextSink,
    private readonly level: LogLevel = 'warn',
    private readonly now: () => Date = () => new Date(),
  ) {}

  debug(message: string, attributes?: LogAttributes): void {
    this.log('debug', message, attributes);
  }

  info(message: string, attributes?: LogAttributes): void {
    this.log('info', message, attributes);
  }

  warn(message: string, attributes?: LogAttributes): void {
    this.log('warn', message, attributes);
  }

  error(message: string, attributes?: LogAttributes): void {
    this.log('error', message, attributes);
  }

  private log(level: LogLevel, message: string, attributes: LogAttributes = {}): void {
    if (RANK[level] < RANK[this.level]) return;
    const entry = { level: level.toUpperCase(), message, timestamp: this.now().toISOString(), ...attributes };
    this.sink.write(`${JSON.stringify(entry, jsonSafe)}\n`);
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
