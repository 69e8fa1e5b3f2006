import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Summary } from './stats.js';

/** One line of the results table: a subject measured against its baseline in the same run. */
export interface Comparison {
  readonly benchmark: string;
  readonly unit: string;
  readonly baseline: { readonly name: string; readonly summary: Summary };
  readonly subject: { readonly name: string; readonly summary: Summary };
  readonly ratio: Summary;
  readonly notes?: Readonly<Record<string, number | string>>;
}

export function machine(): Record<string, string | number> {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
}

export async function writeResults(comparisons: readonly Comparison[], file = 'bench/results/latest.json'): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), comparisons }, null, 2)}\n`);
}

const fixed = (value: number): string => (value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toFixed(4));

/** A readable table: median [p25-p75] of each side and of the ratio. */
export function formatTable(comparisons: readonly Comparison[]): string {
  const rows = comparisons.map((comparison) => [
    comparison.benchmark,
    `${comparison.baseline.name}: ${fixed(comparison.baseline.summary.median)} ${comparison.unit} [${fixed(comparison.baseline.summary.p25)}-${fixed(comparison.baseline.summary.p75)}]`,
    `${comparison.subject.name}: ${fixed(comparison.subject.summary.median)} ${comparison.unit} [${fixed(comparison.subject.summary.p25)}-${fixed(comparison.subject.summary.p75)}]`,
    `x${comparison.ratio.median.toFixed(2)} [${comparison.ratio.p25.toFixed(2)}-${comparison.ratio.p75.toFixed(2)}]`,
    `${comparison.ratio.runs}`,
    Object.entries(comparison.notes ?? {})
      .map(([key, value]) => `${key}=${value}`)
      .join(' '),
  ]);
  const header = ['benchmark', 'baseline (median [IQR])', 'subject (median [IQR])', 'ratio', 'runs', 'notes'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
