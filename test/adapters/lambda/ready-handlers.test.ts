import { describe, expect, it } from 'vitest';
import {
  EnvironmentVariableError,
  executionStatusChangeHandlerFromEnvironment,
  sweeperHandlerFromEnvironment,
  triggerBuildHandlerFromEnvironment,
  updateBuildStatusHandlerFromEnvironment,
  type Environment,
} from '../../../src/lambda.js';
import { readSweeperEnvironment, readTriggerBuildEnvironment } from '../../../src/adapters/lambda/environment.js';
import { STATE_MACHINE_ARN } from '../../support/mothers/build.mother.js';

const TABLE_ENV = { BUILDS_TABLE_NAME: 'prd-aws-deployer--builds', STATE_MACHINE_ARN, AWS_REGION: 'us-east-1' };
const TRIGGER_ENV = { ...TABLE_ENV, ARTIFACT_BUCKET: 'my-artifacts-bucket' };

describe('ready handlers', () => {
  it.each([
    ['trigger-build', () => triggerBuildHandlerFromEnvironment(TRIGGER_ENV)],
    ['update-build-status', () => updateBuildStatusHandlerFromEnvironment(TABLE_ENV)],
    ['execution-status-change', () => executionStatusChangeHandlerFromEnvironment(TABLE_ENV)],
    ['sweeper', () => sweeperHandlerFromEnvironment(TABLE_ENV)],
  ])('%s is built from its environment', (_, build) => {
    expect(build()).toBeTypeOf('function');
  });

  it.each([
    ['BUILDS_TABLE_NAME', { BUILDS_TABLE_NAME: undefined }, /is not set/],
    ['BUILDS_TABLE_NAME', { BUILDS_TABLE_NAME: 'x' }, /is invalid/],
    ['STATE_MACHINE_ARN', { STATE_MACHINE_ARN: ' ' }, /is empty/],
    ['STATE_MACHINE_ARN', { STATE_MACHINE_ARN: 'deployment' }, /must look like arn:/],
    ['ARTIFACT_BUCKET', { ARTIFACT_BUCKET: undefined }, /is not set/],
    ['ARTIFACT_BUCKET', { ARTIFACT_BUCKET: 'My_Bucket' }, /is invalid/],
    ['TRIGGER_CONCURRENCY', { TRIGGER_CONCURRENCY: '0' }, /positive integer/],
  ])('refuses to start without a valid %s, naming it', (variable, overrides, reason) => {
    const env: Environment = { ...TRIGGER_ENV, ...overrides };

    const start = () => triggerBuildHandlerFromEnvironment(env);

    expect(start).toThrow(EnvironmentVariableError);
    expect(start).toThrow(expect.objectContaining({ variable, message: expect.stringMatching(reason) }));
    expect(start).toThrow(new RegExp(`^Environment variable ${variable} `));
  });

  it('reads the optional settings', () => {
    expect(readTriggerBuildEnvironment({ ...TRIGGER_ENV, TRIGGER_CONCURRENCY: '25' })).toEqual({
      tableName: 'prd-aws-deployer--builds',
      stateMachineArn: STATE_MACHINE_ARN,
      s3Bucket: 'my-artifacts-bucket',
      concurrency: 25,
    });
    expect(readSweeperEnvironment({ ...TABLE_ENV, SWEEP_LOOKBACK_MINUTES: '90', SWEEP_MAX_EXECUTIONS: '500' })).toMatchObject({
      lookbackMs: 90 * 60_000,
      maxExecutions: 500,
    });
    expect(readSweeperEnvironment(TABLE_ENV)).toEqual({ tableName: 'prd-aws-deployer--builds', stateMachineArn: STATE_MACHINE_ARN });
    expect(
      readSweeperEnvironment({
        ...TABLE_ENV,
        ARTIFACT_BUCKET: 'my-artifacts-bucket',
        BUILDS_STATUS_INDEX_NAME: 'open-builds',
        SWEEP_GRACE_MINUTES: '10',
        SWEEP_PAGE_SIZE: '50',
        SWEEP_TIME_BUDGET_SECONDS: '45',
      }),
    ).toMatchObject({ s3Bucket: 'my-artifacts-bucket', statusIndexName: 'open-builds', graceMs: 600_000, pageSize: 50, timeBudgetMs: 45_000 });
  });

  it.each([
    ['ARTIFACT_BUCKET', 'Not_A_Bucket', /S3 bucket name/],
    ['BUILDS_STATUS_INDEX_NAME', 'no spaces allowed', /index name/],
    ['SWEEP_GRACE_MINUTES', '-5', /positive integer/],
  ])('refuses a bad sweeper variable %s, naming it', (variable, value, reason) => {
    expect(() => readSweeperEnvironment({ ...TABLE_ENV, [variable]: value })).toThrow(
      expect.objectContaining({ variable, message: expect.stringMatching(reason) }),
    );
  });
});
