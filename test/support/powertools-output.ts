import { vi } from 'vitest';

/** One JSON line as Powertools prints it: a log entry (`level`, `message`...) or an EMF document (`_aws`). */
export type PrintedRecord = Record<string, unknown>;

export interface PowertoolsOutput {
  /** Every JSON line printed since the capture began, in order. */
  readonly records: () => PrintedRecord[];
  readonly logs: () => PrintedRecord[];
  /** The EMF documents: what CloudWatch turns into metrics. */
  readonly metrics: () => PrintedRecord[];
  readonly restore: () => void;
}

/**
 * Captures what Powertools Logger and Metrics print. Outside POWERTOOLS_DEV
 * they print through a `Console` of their own on `process.stdout` and
 * `process.stderr` (warnings and errors), as in Lambda, not through the global
 * console a test runner intercepts: so the streams are what is captured.
 */
export function capturePowertoolsOutput(): PowertoolsOutput {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    lines.push(...String(chunk).split('\n').filter((line) => line.startsWith('{')));
    return true;
  };
  const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(capture), vi.spyOn(process.stderr, 'write').mockImplementation(capture)];
  const records = () => lines.map((line) => JSON.parse(line) as PrintedRecord);
  return {
    records,
    logs: () => records().filter((record) => 'level' in record),
    metrics: () => records().filter((record) => '_aws' in record),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
