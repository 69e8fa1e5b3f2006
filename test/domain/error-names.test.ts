// Every error states its name as a literal (minified bundles rename classes;
// the name is what logs and Lambda's errorType show): it must be its class's.
import { describe, expect, it } from 'vitest';
import {
  BuildAlreadyExistsError,
  BuildItemTooLargeError,
  BuildNotFoundError,
  BuildRecordTooLargeError,
  BuildsByStatusUnavailableError,
  IllegalTransitionError,
  PermanentExecutionStartError,
  StatusIndexMissingError,
  TransientExecutionStartError,
  ValidationError,
  pendingBuild,
} from '../../src/index.js';
import { EnvironmentVariableError } from '../../src/lambda.js';
import { BuildsTableNotFoundError } from '../../src/adapters/driving/cli/aws-problems.js';
import { aBuildKey, aNewBuild } from '../support/mothers/build.mother.js';

const build = pendingBuild(aNewBuild(), new Date('2026-03-01T10:00:00Z'));

describe('error names', () => {
  it.each([
    [ValidationError, new ValidationError('repo', 'must not be empty')],
    [BuildNotFoundError, new BuildNotFoundError(aBuildKey())],
    [BuildAlreadyExistsError, new BuildAlreadyExistsError(build)],
    [IllegalTransitionError, new IllegalTransitionError(build, 'SUCCESS', 'it is PENDING')],
    [BuildRecordTooLargeError, new BuildRecordTooLargeError(aBuildKey())],
    [BuildsByStatusUnavailableError, new BuildsByStatusUnavailableError('no index')],
    [PermanentExecutionStartError, new PermanentExecutionStartError('StateMachineDoesNotExist', 'no state machine')],
    [TransientExecutionStartError, new TransientExecutionStartError('ThrottlingException', 'slow down')],
    [EnvironmentVariableError, new EnvironmentVariableError('BUILDS_TABLE_NAME', 'is not set')],
    [BuildsTableNotFoundError, new BuildsTableNotFoundError({ tableName: 'prd-aws-deployer--builds', region: 'us-east-1' }, { cause: new Error('gone') })],
  ])('%o is named after its class', (errorClass, error) => {
    expect(error.name).toBe(errorClass.name);
    expect(String(error)).toMatch(new RegExp(`^${errorClass.name}: `));
  });
});

describe('the deprecated names of the renamed errors', () => {
  it('are the renamed classes, so instanceof and construction keep working', () => {
    expect(BuildItemTooLargeError).toBe(BuildRecordTooLargeError);
    expect(StatusIndexMissingError).toBe(BuildsByStatusUnavailableError);
    expect(new BuildRecordTooLargeError(aBuildKey())).toBeInstanceOf(BuildItemTooLargeError);
    expect(new StatusIndexMissingError('status-updated_at-index')).toBeInstanceOf(BuildsByStatusUnavailableError);
  });

  it('keep their codes', () => {
    expect(new BuildItemTooLargeError(aBuildKey()).code).toBe('BUILD_ITEM_TOO_LARGE');
    expect(new StatusIndexMissingError().code).toBe('STATUS_INDEX_MISSING');
  });
});
