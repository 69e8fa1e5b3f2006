/**
 * What the local stack prints: one line per event while it runs, the summary
 * table at the end, and how to point the CLI at a kept stack.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { DEFAULT_CONCURRENCY_POLICY, type ConcurrencyPolicy } from '../../src/index.js';
import type { BuildReport, EnvironmentReport, ScenarioResult } from './scenario.js';
import type { LocalStack, StackEvent } from './stack.js';
import type { PollerEvent } from './stream-poller.js';

const SUBJECT_WIDTH = 42;
const STATUS_WIDTH = 11;

/** What each policy does with the builds of one environment, in a few words. */
const POLICY_SUMMARY: Readonly<Record<ConcurrencyPolicy, string>> = {
  queue: 'one deployment per environment at a time; waiting builds start oldest first, on the hand-off',
  supersede: 'one deployment per environment at a time; of the waiting builds only the newest starts, the older end FAILED',
  parallel: 'no environment lock; every build starts at once',
};

/** The stack's endpoints and resources, one per line. */
export function formatStackInfo(stack: LocalStack): string[] {
  const delivered = stack.concurrency === 'parallel' ? 'INSERTs' : 'INSERTs and lock releases';
  return [
    `DynamoDB Local   ${stack.dynamodbEndpoint} (${stack.dynamodbBackend}), table ${stack.tableName} with its stream`,
    `Step Functions   ${stack.stepFunctionsEndpoint}, ${stack.stateMachineArn} (state-machine/deployment.asl.json)`,
    `trigger-build    stream poller (${delivered}) -> createTriggerBuildHandler, artifacts bucket ${stack.s3Bucket}`,
    `concurrency      ${stack.concurrency}: ${POLICY_SUMMARY[stack.concurrency]}`,
    ...(stack.httpApi === undefined
      ? []
      : [
          `HTTP API         ${stack.httpApi.url} (127.0.0.1 only) -> createHttpApiHandler, payload 2.0, requested_by "${stack.httpApi.requestedBy}", ` +
            `idempotency table ${stack.httpApi.idempotencyTableName}`,
        ]),
  ];
}

/**
 * The line for one stack event, prefixed with the time since `startedAt`;
 * `undefined` for events not worth a line (routine reads and deliveries, debug logs).
 */
export function formatEvent(event: StackEvent, startedAt: number, now: number = Date.now()): string | undefined {
  const text = describe(event);
  return text === undefined ? undefined : `${elapsed(now - startedAt)}  ${text}`;
}

function describe(event: StackEvent): string | undefined {
  switch (event.type) {
    case 'lifecycle': {
      const { buildId, from, to, executionArn, errorMsg, waitingFor } = event.change;
      const transition = `${(from ?? '(new)').padEnd(STATUS_WIDTH)} -> ${to}${waitingFor === undefined ? '' : ` (waiting for ${waitingFor})`}`;
      const extra = executionArn ?? errorMsg;
      return `${buildId.padEnd(SUBJECT_WIDTH)}${transition}${extra === undefined ? '' : `  ${extra}`}`;
    }
    case 'lock': {
      const { environment, kind, holder, previousHolder } = event.change;
      const subject = `  lock ${environment}`.padEnd(SUBJECT_WIDTH);
      if (kind === 'taken') return `${subject}taken by ${holder}`;
      if (kind === 'handed-over') return `${subject}handed over${previousHolder === undefined ? '' : ` by ${previousHolder}`} to ${holder}`;
      return `${subject}released by ${holder}`;
    }
    case 'stack': {
      const { stackName, status, reason } = event.change;
      const why = reason === '' || reason === 'User Initiated' ? '' : `  ${reason}`;
      return `${`  stack ${stackName}`.padEnd(SUBJECT_WIDTH)}${status}${why}`;
    }
    case 'stack-refused': {
      const { stackName, reason } = event.refusal;
      return `${`  stack ${stackName}`.padEnd(SUBJECT_WIDTH)}DeployStack refused: ${reason}`;
    }
    case 'poller':
      return describePoller(event.event);
    case 'log': {
      const { entry } = event;
      const buildId = typeof entry.attributes.buildId === 'string' ? entry.attributes.buildId : entry.source;
      const status = typeof entry.attributes.status === 'string' ? ` (${entry.attributes.status})` : '';
      if (entry.level === 'warn' || entry.level === 'error') {
        return `${`  ${entry.source} ${entry.level}`.padEnd(SUBJECT_WIDTH)}${entry.message}${status} [${buildId}]`;
      }
      // A redelivered record: say what trigger-build made of it.
      if (entry.source === 'trigger-build' && entry.message === 'Build skipped') {
        return `${`  trigger-build`.padEnd(SUBJECT_WIDTH)}${buildId} skipped${status}: nothing started`;
      }
      // The release of a lock, delivered: the environment's next build.
      const handOff = entry.attributes.handOff;
      if (entry.source === 'trigger-build' && typeof handOff === 'string' && entry.message.startsWith('Build ')) {
        const what = entry.message === 'Build started' ? 'started' : entry.message.slice('Build '.length);
        return `${`  trigger-build`.padEnd(SUBJECT_WIDTH)}hand-off of ${handOff}: ${buildId} ${what}`;
      }
      return undefined;
    }
  }
}

function describePoller(event: PollerEvent): string | undefined {
  const subject = '  stream'.padEnd(SUBJECT_WIDTH);
  switch (event.type) {
    case 'delivering':
      if (!event.duplicate) return undefined;
      return `${subject}batch delivered again to trigger-build: ${recordList(event.records)}`;
    case 'delivered':
      if (event.failed.length === 0) return undefined;
      return `${subject}trigger-build reported failures: ${event.failed.join(', ')}`;
    case 'retry':
      return `${subject}retry ${event.attempt} from sequence number ${event.fromSequenceNumber} (${event.reason})`;
    case 'discarded':
      return `${subject}DISCARDED ${recordList(event.records)}: ${event.reason}`;
    case 'poll-error':
      return `${subject}read failed, retrying: ${String(event.error)}`;
    case 'read':
      return undefined;
  }
}

function recordList(records: readonly DynamoDBRecord[]): string {
  return records.map((record) => `${record.eventName ?? '?'} ${record.dynamodb?.Keys?.pk?.S ?? '?'}:${record.dynamodb?.Keys?.sk?.S ?? '?'}`).join(', ');
}

function elapsed(ms: number): string {
  return `+${(ms / 1000).toFixed(3)}s`.padStart(8);
}

/** The summary table (build id, expected, status, execution ARN, error) and the verdict. */
export function formatSummary(result: ScenarioResult): string[] {
  const rows = result.builds.map((build) => [
    build.buildId,
    build.label,
    build.status === build.expectedStatus ? build.status : `${build.status} (expected ${build.expectedStatus})`,
    build.executionArn ?? '-',
    build.errorMsg ?? '-',
  ]);
  const lines = table(['build', 'scenario', 'status', 'execution ARN', 'error'], rows);
  lines.push('');
  lines.push(
    `executions: ${result.executions} for ${result.builds.length} builds; StartExecution calls: ${result.startExecutionCalls}` +
      (result.refusedDeployments === 0 ? '' : `; DeployStack refused (stack busy): ${result.refusedDeployments}`),
  );
  for (const environment of result.environments) lines.push(environmentLine(environment, result));
  for (const build of result.builds.filter((report) => report.insertDeliveries > 1)) lines.push(redeliveryLine(build));
  if (result.ok) {
    lines.push('result: every build ended as expected');
  } else {
    lines.push('result: NOT as expected');
    for (const problem of result.problems) lines.push(`  - ${problem}`);
  }
  return lines;
}

/** E.g. `web/dev: 4 executions, one at a time (each after the previous build's end was recorded): deploys, burst 1/3, ...`. */
function environmentLine(environment: EnvironmentReport, result: ScenarioResult): string {
  // A label's first words name the build (`burst 2/3, waits its turn`: `burst 2/3`).
  const names = environment.startOrder.map((buildId) => result.builds.find((build) => build.buildId === buildId)?.label.split(',')[0] ?? buildId);
  const how =
    environment.overlaps === 0
      ? "one at a time (each after the previous build's end was recorded)"
      : `${environment.overlaps} of them started while another was running`;
  return `${environment.environment}: ${environment.startOrder.length} executions, ${how}: ${names.join(', ')}`;
}

function redeliveryLine(build: BuildReport): string {
  const outcomes = build.triggerOutcomes.join(', ');
  return `duplicate delivery: ${build.buildId} INSERT delivered ${build.insertDeliveries} times; trigger-build: ${outcomes}`;
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

/** How to use a kept stack from the CLI. */
export function formatKeepInstructions(stack: LocalStack): string[] {
  return [
    'The local stack keeps running (new builds written to the table are deployed too).',
    'Point the CLI at it: in another terminal, at the repository root, paste',
    '',
    `  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=${stack.region}`,
    `  export BUILDS_TABLE_NAME=${stack.tableName} STATE_MACHINE_ARN=${stack.stateMachineArn} ARTIFACT_BUCKET=${stack.s3Bucket}` +
      // One policy per table: the CLI's start and ends then lock (or not) as the stack's functions do.
      (stack.concurrency === DEFAULT_CONCURRENCY_POLICY ? '' : ` DEPLOYMENT_CONCURRENCY=${stack.concurrency}`),
    `  alias ado='node --import tsx src/composition/cli/main.ts --dynamodb-endpoint ${stack.dynamodbEndpoint} --sfn-endpoint ${stack.stepFunctionsEndpoint}'`,
    '',
    'then run ado create, start, wait, get, list, latest, locks, unlock, complete, reconcile, sweep (--help for each; docs/cli.md).',
    ...(stack.httpApi === undefined ? [] : ['', ...formatHttpApiInstructions(stack.httpApi.url)]),
    '',
    'Press Ctrl-C to stop it.',
  ];
}

/** How to call a kept stack's HTTP API with curl (`{sk}`: a build's key, from the list). */
export function formatHttpApiInstructions(url: string): string[] {
  const json = `-H 'content-type: application/json'`;
  return [
    `The HTTP API answers on ${url} (127.0.0.1 only; every request is recorded as requested_by "local"):`,
    '',
    `  URL=${url}`,
    '  curl -s "$URL/repos/web/envs/dev/builds?status=SUCCESS&limit=5"',
    '  curl -s "$URL/repos/web/envs/dev/latest"',
    '  curl -s "$URL/repos/web/envs/dev/builds/{sk}"',
    `  curl -s -X POST "$URL/repos/web/envs/dev/builds/{sk}/redeploy" -H 'idempotency-key: my-redeploy-1'`,
    `  curl -s -X POST "$URL/repos/web/envs/dev/rollback" ${json} -d '{"to": "{sk}"}'`,
    `  curl -s -X POST "$URL/repos/web/envs/dev/builds/{sk}/cancel" ${json} -d '{"force": true}'`,
    '  curl -s -X POST "$URL/repos/web/envs/dev/builds/{sk}/redrive"',
    '  curl -s "$URL/openapi.json"',
    '',
    'The same builds through the CLI: ado list web dev, ado get web/dev:{sk} (docs/cli.md).',
  ];
}
