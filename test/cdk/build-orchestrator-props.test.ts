// BuildOrchestrator refuses, at synth time and naming the prop, what would
// only fail once deployed.
import { Duration, Stack } from 'aws-cdk-lib';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { DefinitionBody, Pass, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildOrchestrator, BuildsTable, type BuildOrchestratorProps } from '../../src/cdk/index.js';
import { ValidationError } from '../../src/index.js';
import { someBundleDirectories, type BundleDirectories } from './support/bundle-directories.js';
import { anAppInATemporaryDirectory } from './support/template-reading.js';

let bundles: BundleDirectories;
let app: ReturnType<typeof anAppInATemporaryDirectory>;
beforeAll(() => {
  bundles = someBundleDirectories();
  app = anAppInATemporaryDirectory();
});
afterAll(() => {
  app.remove();
  bundles.remove();
});

let stacks = 0;
/** A stack of its own in the app (a Stack without one would make an app, and a directory, of its own). */
const aStack = () => new Stack(app.app, `Stack${(stacks += 1)}`);

/** A BuildOrchestrator with valid props but `overrides`, in a stack of its own. */
function anOrchestrator(overrides: (stack: Stack) => Partial<BuildOrchestratorProps>): BuildOrchestrator {
  const stack = aStack();
  return new BuildOrchestrator(stack, 'Orchestrator', {
    table: Table.fromTableAttributes(stack, 'Builds', {
      tableName: 'prd-aws-deployer--builds',
      tableStreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/prd-aws-deployer--builds/stream/2026-01-01T00:00:00.000',
    }),
    stateMachine: StateMachine.fromStateMachineName(stack, 'Deployment', 'deployment'),
    artifactsBucket: Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'),
    bundlesDirectory: bundles.path,
    ...overrides(stack),
  });
}

const invalid = (field: string, reason: RegExp) => expect.objectContaining({ constructor: ValidationError, field, reason: expect.stringMatching(reason) });

describe('BuildOrchestrator props', () => {
  it('accepts the defaults', () => {
    expect(anOrchestrator(() => ({})).node.findAll().length).toBeGreaterThan(0);
  });

  it('refuses a table without a stream', () => {
    expect(() => anOrchestrator((stack) => ({ table: Table.fromTableName(stack, 'NoStream', 'prd-aws-deployer--builds') }))).toThrow(
      invalid('table', /has no stream/),
    );
  });

  it('refuses an EXPRESS state machine', () => {
    const express = (stack: Stack) =>
      new StateMachine(stack, 'Express', { stateMachineType: StateMachineType.EXPRESS, definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Deploy')) });

    expect(() => anOrchestrator((stack) => ({ stateMachine: express(stack) }))).toThrow(invalid('stateMachine', /EXPRESS/));
  });

  it.each([
    ['batchSize', { batchSize: 0 }, /from 1 to 10000/],
    ['batchSize', { batchSize: 10_001 }, /from 1 to 10000/],
    ['triggerConcurrency', { triggerConcurrency: 1.5 }, /integer/],
    ['retryAttempts', { retryAttempts: -1 }, /from 0 to 10000/],
    ['openBuildsAlarmThreshold', { openBuildsAlarmThreshold: -1 }, /from 0/],
    ['maxRecordAge', { maxRecordAge: Duration.seconds(30) }, /from 1 minute to 7 days/],
    ['maxRecordAge', { maxRecordAge: Duration.days(8) }, /from 1 minute to 7 days/],
    ['sweepGracePeriod', { sweepGracePeriod: Duration.seconds(90) }, /whole number of minutes/],
    ['statusIndexName', { statusIndexName: 'by status' }, /A-Z a-z 0-9 _ \. -/],
    ['metricsNamespace', { metricsNamespace: 'AWS/Lambda' }, /not starting with ":" or "AWS\/"/],
  ] as const)('refuses an invalid %s (%o)', (field, props, reason) => {
    expect(() => anOrchestrator(() => props)).toThrow(invalid(field, reason));
  });

  it('refuses a bundles directory without a function\'s bundle, naming the file', () => {
    rmSync(join(bundles.path, 'sweeper', 'index.mjs'));

    expect(() => anOrchestrator(() => ({}))).toThrow(invalid('bundlesDirectory', /has no sweeper\/index\.mjs/));
  });
});

describe('BuildsTable props', () => {
  it('refuses an invalid status index name', () => {
    expect(() => new BuildsTable(aStack(), 'Builds', { statusIndexName: 'x' })).toThrow(invalid('statusIndexName', /3-255/));
  });
});
