import { buildIdOf, type Build } from '../../../domain/index.js';
import type { ExecutionDescription } from '../../../ports/index.js';
import { withoutUndefined } from '../../../domain/without-undefined.js';

/** A build as `--json` prints it: camelCase, ISO-8601 times, its id first. */
export interface BuildView {
  readonly id: string;
  readonly repo: string;
  readonly env: string;
  readonly sk: string;
  readonly status: string;
  readonly branch: string;
  readonly version: string;
  readonly commitHash: string;
  readonly buildNumber?: string;
  readonly stackName?: string;
  readonly executionArn?: string;
  readonly errorMsg?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
  /** The newer build a stale one was not deployed over. */
  readonly supersededBy?: string;
}

export function buildView(build: Build): BuildView {
  return withoutUndefined({
    id: buildIdOf(build),
    repo: build.repo,
    env: build.env,
    sk: build.sk,
    status: build.status,
    branch: build.branch,
    version: build.version,
    commitHash: build.commitHash,
    buildNumber: build.buildNumber,
    stackName: build.stackName,
    executionArn: build.executionArn,
    errorMsg: build.errorMsg,
    createdAt: build.createdAt.toISOString(),
    updatedAt: build.updatedAt.toISOString(),
    finishedAt: build.finishedAt?.toISOString(),
    supersededBy: build.supersededBy,
  });
}

export interface ExecutionView {
  readonly executionArn: string;
  readonly status: string;
  readonly startDate: string;
  readonly stopDate?: string;
  readonly error?: string;
  readonly cause?: string;
}

export function executionView(execution: ExecutionDescription): ExecutionView {
  return withoutUndefined({
    executionArn: execution.executionArn,
    status: execution.status,
    startDate: execution.startDate.toISOString(),
    stopDate: execution.stopDate?.toISOString(),
    error: execution.error,
    cause: execution.cause,
  });
}

/** `2026-11-27 01:00:02Z`: seconds are the table's unit. */
export function formatTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** A build as `label: value` lines, the optional fields only when present. */
export function formatBuild(build: Build): string {
  const rows: Array<readonly [string, string | number | undefined]> = [
    ['Build', buildIdOf(build)],
    ['Status', build.status],
    ['Repo', build.repo],
    ['Env', build.env],
    ['Branch', build.branch],
    ['Version', build.version],
    ['Commit', build.commitHash],
    ['Build number', build.buildNumber],
    ['Stack', build.stackName],
    ['Execution', build.executionArn],
    ['Error', build.errorMsg],
    ['Superseded by', build.supersededBy],
    ['Created', formatTime(build.createdAt)],
    ['Updated', formatTime(build.updatedAt)],
    ['Finished', build.finishedAt && formatTime(build.finishedAt)],
  ];
  return formatFields(rows);
}

export function formatFields(rows: ReadonlyArray<readonly [string, string | number | undefined]>): string {
  const shown = rows.filter((row): row is readonly [string, string | number] => row[1] !== undefined);
  const width = Math.max(...shown.map(([label]) => label.length + 1));
  return shown.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${value}\n`).join('');
}

export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string;
}

/** A plain-text table: a header row, then one line per row, columns padded to fit. */
export function formatTable<Row>(rows: readonly Row[], columns: ReadonlyArray<Column<Row>>): string {
  const cells = [columns.map((column) => column.header), ...rows.map((row) => columns.map((column) => column.value(row)))];
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => (line[index] ?? '').length)));
  return cells
    .map((line) =>
      line
        .map((cell, index) => (index === line.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
