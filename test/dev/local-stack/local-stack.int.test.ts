// The `npm start` scenario, headless: the whole lifecycle through the local
// stack (DynamoDB Local from the integration setup, the local Step Functions
// endpoint running the real ASL, the stream poller, the Lambda handlers),
// under each concurrency policy.
import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { executionName, type ConcurrencyPolicy } from '../../../src/index.js';
import { runLocalStack, type LocalStackRun } from '../../../dev/local-stack/run-local-stack.js';
import { defaultScenario, type BuildReport, type Scenario } from '../../../dev/local-stack/scenario.js';
import { dynamoDbClientFor } from '../../../dev/dynamodb-local/builds-table.js';

/** Runs the default scenario under `concurrency` once for the describe block; its reports by label. */
function scenarioRun(concurrency: ConcurrencyPolicy) {
  const scenario: Scenario = defaultScenario(concurrency);
  const state: { run?: LocalStackRun } = {};
  beforeAll(async () => {
    state.run = await runLocalStack({ dynamodbEndpoint: inject('dynamodbEndpoint'), scenario, timeoutMs: 20_000 });
  });
  afterAll(async () => {
    await state.run?.stop();
  });
  const run = (): LocalStackRun => {
    if (state.run === undefined) throw new Error('the scenario did not run');
    return state.run;
  };
  const byLabel = (label: string): BuildReport => {
    const report = run().result.builds.find((build) => build.label.startsWith(label));
    if (report === undefined) throw new Error(`no build "${label}"`);
    return report;
  };
  const burst = (): BuildReport[] => run().result.builds.filter((build) => build.label.startsWith('burst '));
  return { scenario, run, byLabel, burst };
}

/** When the build's one execution started, in ms. */
const startOf = (report: BuildReport): number => {
  const execution = report.executions[0];
  if (execution === undefined) throw new Error(`${report.buildId} has no execution`);
  return execution.startDate.getTime();
};

/** When update-build-status had recorded the build's end, in ms. */
const endOf = (report: BuildReport): number => {
  if (report.endRecordedAt === undefined) throw new Error(`${report.buildId} has no recorded end`);
  return report.endRecordedAt.getTime();
};

describe('the local stack scenario under queue (the default)', () => {
  const { scenario, run, byLabel, burst } = scenarioRun('queue');

  it('ends every build as expected', () => {
    expect(run().result.problems).toEqual([]);
    expect(run().result.ok).toBe(true);
    expect(run().result.builds.map(({ label, status }) => ({ label, status }))).toEqual([
      { label: 'deploys', status: 'SUCCESS' },
      { label: 'burst 1/3, deploys at once', status: 'SUCCESS' },
      { label: 'burst 2/3, waits its turn', status: 'SUCCESS' },
      { label: 'burst 3/3, waits its turn', status: 'SUCCESS' },
      { label: 'stack rolls back', status: 'FAILED' },
      { label: 'delivered twice', status: 'SUCCESS' },
    ]);
  });

  it('runs exactly one execution per build, recorded on the build, ending as the build did', () => {
    for (const [index, report] of run().result.builds.entries()) {
      const build = scenario.builds[index]!.build;
      expect(report.executions, report.buildId).toHaveLength(1);
      expect(report.executions[0]?.executionArn).toBe(
        `arn:aws:states:us-east-1:123456789012:execution:deployment:${executionName(build)}`,
      );
      expect(report.executionArn).toBe(report.executions[0]?.executionArn);
      expect(report.executions[0]?.status).toBe(report.status === 'SUCCESS' ? 'SUCCEEDED' : 'FAILED');
    }
    expect(run().result.executions).toBe(6);
  });

  it('records why the failed build failed: the stack rolled back', () => {
    const failed = byLabel('stack rolls back');

    expect(failed.errorMsg).toBe(
      'Stack dev-payments ended ROLLBACK_COMPLETE: The following resource(s) failed to create: [AppBucket]. Rollback requested by user.',
    );
    expect(byLabel('deploys').errorMsg).toBeUndefined();
  });

  it('starts nothing more for the duplicate delivery', () => {
    const twice = byLabel('delivered twice');

    expect(twice.insertDeliveries).toBe(2);
    expect(twice.triggerOutcomes.filter((outcome) => outcome === 'Build started')).toHaveLength(1);
    expect(twice.triggerOutcomes).toContain('Build skipped');
    expect(run().result.startExecutionCalls).toBe(6);
    for (const report of run().result.builds.filter((build) => build !== twice)) expect(report.insertDeliveries).toBe(1);
  });

  it("deploys the burst one after another in sk order: each execution starts after the previous build's end was recorded", () => {
    const [first, second, third] = burst();
    const inSkOrder = [byLabel('deploys'), first!, second!, third!];
    expect(inSkOrder.map((report) => report.buildId)).toEqual(inSkOrder.map((report) => report.buildId).sort());

    for (const [index, report] of inSkOrder.entries()) {
      const previous = inSkOrder[index - 1];
      if (previous === undefined) continue;
      expect(startOf(report), `${report.buildId} started before ${previous.buildId} ended`).toBeGreaterThanOrEqual(endOf(previous));
    }
    expect(run().result.environments.find((environment) => environment.environment === 'web/dev')).toEqual({
      environment: 'web/dev',
      startOrder: inSkOrder.map((report) => report.buildId),
      overlaps: 0,
    });
  });

  it('keeps the later builds of the burst PENDING, waiting, and starts each on the hand-off of the lock release', () => {
    const [first, ...later] = burst();

    expect(first!.waited).toBe(false);
    for (const report of later) {
      expect(report.waited, report.buildId).toBe(true);
      expect(report.startedOnHandOff, report.buildId).toBe(true);
      expect(report.triggerOutcomes).toContain('Build waits for its environment');
      expect(report.triggerOutcomes.filter((outcome) => outcome === 'Build started')).toHaveLength(1);
    }
  });

  it('deploys the other environments meanwhile: payments and api start and end while web/dev deploys', () => {
    const [first] = burst();
    for (const other of [byLabel('stack rolls back'), byLabel('delivered twice')]) {
      expect(startOf(other), other.buildId).toBeGreaterThan(startOf(first!));
      expect(endOf(other), other.buildId).toBeLessThan(endOf(first!));
      expect(other.waited).toBe(false);
    }
  });

  it('printed each lifecycle as it happened, the waiting, the lock hand-offs and the summary', () => {
    const [first, second, third] = burst();
    const lines = run().lines;
    for (const report of run().result.builds) {
      const transitions = lines
        .filter((line) => line.includes(`${report.buildId} `) && line.includes(' -> '))
        .map((line) => /(\(new\)|[A-Z_]+)\s+-> ([A-Z_]+)/.exec(line)?.slice(1, 3).join(' -> '));
      const created = ['(new) -> PENDING', ...(report.waited ? ['PENDING -> PENDING'] : [])];
      // A deployment can end (its report recorded) before trigger-build has recorded its start: then the table goes PENDING -> end.
      expect([
        [...created, 'PENDING -> IN_PROGRESS', `IN_PROGRESS -> ${report.status}`],
        [...created, `PENDING -> ${report.status}`],
      ], report.buildId).toContainEqual(transitions);
    }
    for (const waiting of [second!, third!]) {
      expect(lines.some((line) => line.includes(`${waiting.buildId}  `) && line.includes(`-> PENDING (waiting for ${first!.buildId})`))).toBe(true);
    }
    const order = (text: string): number => lines.findIndex((line) => line.includes(text));
    expect(order(`lock web/dev`)).toBeGreaterThan(-1);
    expect(order(`released by ${first!.buildId}`)).toBeLessThan(order(`hand-off of web/dev: ${second!.buildId} started`));
    expect(order(`released by ${second!.buildId}`)).toBeLessThan(order(`hand-off of web/dev: ${third!.buildId} started`));
    expect(lines).toContain('concurrency      queue: one deployment per environment at a time; waiting builds start oldest first, on the hand-off');
    expect(lines).toContain(
      "web/dev: 4 executions, one at a time (each after the previous build's end was recorded): deploys, burst 1/3, burst 2/3, burst 3/3",
    );
    expect(lines).toContain('result: every build ended as expected');
  });

  it('stopped what it started and removed its table from the shared DynamoDB Local', async () => {
    const client = dynamoDbClientFor(inject('dynamodbEndpoint'));
    try {
      await expect(client.send(new DescribeTableCommand({ TableName: run().stack.tableName }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    } finally {
      client.destroy();
    }
    await expect(fetch(run().stack.stepFunctionsEndpoint)).rejects.toThrow();
  });
});

describe('the local stack scenario under supersede', () => {
  const { run, burst } = scenarioRun('supersede');

  it('ends every build as the policy expects', () => {
    expect(run().result.problems).toEqual([]);
    expect(run().result.builds.map(({ label, status }) => ({ label, status }))).toEqual([
      { label: 'deploys', status: 'SUCCESS' },
      { label: 'burst 1/3, deploys at once', status: 'SUCCESS' },
      { label: 'burst 2/3, superseded by 3/3', status: 'FAILED' },
      { label: 'burst 3/3, waits its turn', status: 'SUCCESS' },
      { label: 'stack rolls back', status: 'FAILED' },
      { label: 'delivered twice', status: 'SUCCESS' },
    ]);
  });

  it('ends the middle build of the burst FAILED, superseded by the newest, without an execution; the newest deploys on the hand-off', () => {
    const [first, middle, newest] = burst();

    expect(middle!.supersededBy).toBe(newest!.buildId);
    expect(middle!.errorMsg).toContain(`Not deployed: superseded by the newer build ${newest!.buildId}`);
    expect(middle!.executions).toEqual([]);
    expect(middle!.executionArn).toBeUndefined();
    expect(middle!.waited).toBe(true);
    expect(middle!.triggerOutcomes).not.toContain('Build started');
    expect(newest!.waited && newest!.startedOnHandOff).toBe(true);
    expect(startOf(newest!)).toBeGreaterThanOrEqual(endOf(first!));
    expect(run().result.executions).toBe(5);
    expect(run().result.startExecutionCalls).toBe(5);
    expect(run().lines).toContain('executions: 5 for 6 builds; StartExecution calls: 5');
  });
});

describe('the local stack scenario under parallel', () => {
  const { run, burst } = scenarioRun('parallel');

  it('starts the whole burst at once: the later two find the stack busy and end FAILED with its refusal', () => {
    expect(run().result.problems).toEqual([]);
    const [first, ...later] = burst();

    expect(first!.status).toBe('SUCCESS');
    for (const report of later) {
      expect(report.status, report.buildId).toBe('FAILED');
      expect(report.errorMsg).toMatch(/^Stack:arn:aws:cloudformation:\S+\/dev-web\/\S+ is in UPDATE_IN_PROGRESS state and can not be updated\.$/);
      expect(report.executions.map((execution) => execution.status)).toEqual(['FAILED']);
      expect(report.waited).toBe(false);
      expect(startOf(report)).toBeLessThan(endOf(first!));
    }
    expect(run().result.refusedDeployments).toBe(2);
    expect(run().result.environments.find((environment) => environment.environment === 'web/dev')?.overlaps).toBe(2);
    expect(run().lines.filter((line) => line.includes('DeployStack refused: '))).toHaveLength(2);
    expect(run().lines.some((line) => line.includes('lock '))).toBe(false);
  });
});

describe('the local stack when a build never settles', () => {
  it('fails with a timeout that names the build and how far it got, and stops the stack', async () => {
    const lines: string[] = [];
    await expect(
      runLocalStack({
        dynamodbEndpoint: inject('dynamodbEndpoint'),
        stack: { settleAfterPolls: 1_000_000, stackPollWaitMs: 20 },
        timeoutMs: 2_000,
        print: (line) => lines.push(line),
      }),
    ).rejects.toThrow(/^Timed out after \d+ ms waiting for the builds of web\/dev before the burst to end.*: web\/dev:\w+ is IN_PROGRESS/);
    const endpoint = /Step Functions\s+(http:\/\/\S+),/.exec(lines.join('\n'))?.[1];
    expect(endpoint).toBeDefined();
    await expect(fetch(endpoint!)).rejects.toThrow();
  });
});
