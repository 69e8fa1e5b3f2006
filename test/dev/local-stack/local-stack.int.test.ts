// The `npm start` scenario, headless: the whole lifecycle through the local
// stack (DynamoDB Local from the integration setup, the local Step Functions
// endpoint running the real ASL, the stream poller, the Lambda handlers).
import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { executionName } from '../../../src/index.js';
import { runLocalStack, type LocalStackRun } from '../../../dev/local-stack/run-local-stack.js';
import { defaultScenario, type BuildReport } from '../../../dev/local-stack/scenario.js';
import { dynamoDbClientFor } from '../../../dev/dynamodb-local/builds-table.js';

describe('the local stack scenario', () => {
  const scenario = defaultScenario();
  let run: LocalStackRun;
  const byLabel = (label: string): BuildReport => {
    const report = run.result.builds.find((build) => build.label === label);
    if (report === undefined) throw new Error(`no build "${label}"`);
    return report;
  };

  beforeAll(async () => {
    run = await runLocalStack({ dynamodbEndpoint: inject('dynamodbEndpoint'), scenario, timeoutMs: 20_000 });
  });

  afterAll(async () => {
    await run?.stop();
  });

  it('ends every build as expected', () => {
    expect(run.result.problems).toEqual([]);
    expect(run.result.ok).toBe(true);
    expect(run.result.builds.map(({ label, status }) => ({ label, status }))).toEqual([
      { label: 'deploys', status: 'SUCCESS' },
      { label: 'stack rolls back', status: 'FAILED' },
      { label: 'delivered twice', status: 'SUCCESS' },
    ]);
  });

  it('runs exactly one execution per build, recorded on the build, ending as the build did', () => {
    for (const [index, report] of run.result.builds.entries()) {
      const build = scenario.builds[index]!.build;
      expect(report.executions, report.buildId).toHaveLength(1);
      expect(report.executions[0]?.executionArn).toBe(
        `arn:aws:states:us-east-1:123456789012:execution:deployment:${executionName(build)}`,
      );
      expect(report.executionArn).toBe(report.executions[0]?.executionArn);
      expect(report.executions[0]?.status).toBe(report.status === 'SUCCESS' ? 'SUCCEEDED' : 'FAILED');
    }
    expect(run.result.executions).toBe(3);
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
    expect(run.result.startExecutionCalls).toBe(3);
    for (const report of run.result.builds.filter((build) => build !== twice)) expect(report.insertDeliveries).toBe(1);
  });

  it('printed each lifecycle as it happened and the summary', () => {
    for (const report of run.result.builds) {
      const transitions = run.lines
        .filter((line) => line.includes(`${report.buildId} `) && line.includes(' -> '))
        .map((line) => /(\(new\)|[A-Z_]+)\s+-> ([A-Z_]+)/.exec(line)?.slice(1, 3).join(' -> '));
      expect(transitions, report.buildId).toEqual(['(new) -> PENDING', 'PENDING -> IN_PROGRESS', `IN_PROGRESS -> ${report.status}`]);
    }
    expect(run.lines).toContain('result: every build ended as expected');
  });

  it('stopped what it started and removed its table from the shared DynamoDB Local', async () => {
    const client = dynamoDbClientFor(inject('dynamodbEndpoint'));
    try {
      await expect(client.send(new DescribeTableCommand({ TableName: run.stack.tableName }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    } finally {
      client.destroy();
    }
    await expect(fetch(run.stack.stepFunctionsEndpoint)).rejects.toThrow();
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
    ).rejects.toThrow(/^Timed out after \d+ ms waiting for every build to end.*: web\/dev:\w+ is IN_PROGRESS/);
    const endpoint = /Step Functions\s+(http:\/\/\S+),/.exec(lines.join('\n'))?.[1];
    expect(endpoint).toBeDefined();
    await expect(fetch(endpoint!)).rejects.toThrow();
  });
});
