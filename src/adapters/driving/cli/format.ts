import { buildIdOf, environmentIdOf, holderIdOf, type Build, type EnvironmentLock } from '../../../domain/index.js';
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
  /** The build a `PENDING` build waits behind (its environment's lock holder, queue and supersede). */
  readonly waitingFor?: string;
  /** Who released, by hand (`unlock`), the environment lock this build held, and when. */
  readonly unlockedBy?: string;
  readonly unlockedAt?: string;
  /** `redeploy` or `rollback`: a build a person asked for; absent for a build the upload recorded. */
  readonly kind?: string;
  /** The build a redeploy or rollback deploys again. */
  readonly redeployOf?: string;
  /** Who asked for a redeploy or rollback. */
  readonly requestedBy?: string;
  /** Who cancelled the build (`cancel`). */
  readonly cancelledBy?: string;
  /** Who had the build's failed execution run again (`redrive`), and when. */
  readonly redrivenBy?: string;
  readonly redrivenAt?: string;
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
    waitingFor: build.waitingFor,
    unlockedBy: build.unlockedBy,
    unlockedAt: build.unlockedAt?.toISOString(),
    kind: build.kind,
    redeployOf: build.redeployOf,
    requestedBy: build.requestedBy,
    cancelledBy: build.cancelledBy,
    redrivenBy: build.redrivenBy,
    redrivenAt: build.redrivenAt?.toISOString(),
  });
}

/** An environment lock as `--json` prints it: the holder as a build id. */
export interface LockView {
  /** `{repo}/{env}`. */
  readonly environment: string;
  readonly repo: string;
  readonly env: string;
  /** The id of the build that holds it. */
  readonly holder: string;
  readonly policy: string;
  readonly takenAt: string;
  /** The holder was already deploying when the lock was taken for it (started outside the lock). */
  readonly adopted?: boolean;
}

export function lockView(lock: EnvironmentLock): LockView {
  return withoutUndefined({
    environment: environmentIdOf(lock),
    repo: lock.repo,
    env: lock.env,
    holder: holderIdOf(lock),
    policy: lock.policy,
    takenAt: lock.takenAt.toISOString(),
    adopted: lock.adopted === true ? true : undefined,
  });
}

/** How long ago `since` was, at `now`, in its two largest units: `45s`, `3m20s`, `2h05m`, `3d04h`. */
export function formatAge(since: Date, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 1000));
  const [days, hours, minutes] = [Math.floor(seconds / 86_400), Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60];
  const two = (value: number) => String(value).padStart(2, '0');
  if (days > 0) return `${days}d${two(hours)}h`;
  if (hours > 0) return `${hours}h${two(minutes)}m`;
  if (minutes > 0) return `${minutes}m${two(seconds % 60)}s`;
  return `${seconds}s`;
}

/** Why a build is where it is, in a listing's last column: what a `PENDING` build waits for. */
export function buildNote(build: Build): string {
  return build.waitingFor === undefined ? '' : `waiting for ${build.waitingFor}`;
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
    ['Waiting for', build.waitingFor],
    ['Unlocked', build.unlockedBy && `by ${build.unlockedBy}${build.unlockedAt ? ` at ${formatTime(build.unlockedAt)}` : ''}`],
    ['Kind', build.kind && (build.redeployOf ? `${build.kind} of ${build.redeployOf}` : build.kind)],
    ['Requested by', build.requestedBy],
    ['Cancelled by', build.cancelledBy],
    ['Redriven', build.redrivenBy !== undefined || build.redrivenAt !== undefined ? redrivenText(build) : undefined],
    ['Created', formatTime(build.createdAt)],
    ['Updated', formatTime(build.updatedAt)],
    ['Finished', build.finishedAt && formatTime(build.finishedAt)],
  ];
  return formatFields(rows);
}

function redrivenText(build: Build): string {
  const by = build.redrivenBy === undefined ? '' : `by ${build.redrivenBy}`;
  const at = build.redrivenAt === undefined ? '' : `at ${formatTime(build.redrivenAt)}`;
  return [by, at].filter((part) => part !== '').join(' ');
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
