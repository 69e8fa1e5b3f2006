import { describe, expect, it } from 'vitest';
import { LAMBDA_FUNCTIONS, LAMBDA_PERMISSIONS, policyDocumentOf } from '../../../../src/adapters/driving/lambda/permissions.js';
import { ValidationError } from '../../../../src/index.js';

describe("the Lambda functions' permissions", () => {
  it.each(LAMBDA_FUNCTIONS)('%s: gives each statement a Sid of its own (IAM wants them unique within a policy)', (functionName) => {
    const sids = LAMBDA_PERMISSIONS[functionName].map((permission) => permission.sid);

    expect(new Set(sids).size).toBe(sids.length);
  });

  // The environment locks are items of the builds table (pk = lock): their writes are table actions.
  it.each([
    ['trigger-build', ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
    ['update-build-status', ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']],
    ['execution-status-change', ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']],
    ['sweeper', ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
    // Also BatchGetItem: the builds the latest pointers name (GET .../latest).
    [
      'http-api',
      ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    ],
  ] as const)('%s: may do on the table exactly what its builds and its environment locks need', (functionName, actions) => {
    const onTable = LAMBDA_PERMISSIONS[functionName].filter((permission) => permission.resource === 'table').flatMap((permission) => permission.actions);

    expect([...new Set(onTable)].sort()).toEqual(actions);
    expect(onTable).toHaveLength(actions.length);
  });

  it.each(LAMBDA_FUNCTIONS)('%s: grants the lock writes in a statement named for them', (functionName) => {
    const lockStatement = LAMBDA_PERMISSIONS[functionName].find((permission) => permission.actions.includes('dynamodb:DeleteItem'));

    const expected = { 'trigger-build': 'TakeAndReleaseEnvironmentLocks', sweeper: 'TakeAndReleaseEnvironmentLocks', 'http-api': 'KeepAndReleaseEnvironmentLocks' }[
      functionName as string
    ];
    expect(lockStatement?.sid).toBe(expected ?? 'ReleaseEnvironmentLocks');
    expect(lockStatement?.resource).toBe('table');
  });

  it('lets http-api stop and redrive executions, keep idempotency keys in their own table, and never start an execution', () => {
    const permissions = LAMBDA_PERMISSIONS['http-api'];
    const on = (resource: string) => permissions.filter((permission) => permission.resource === resource).flatMap((permission) => permission.actions);

    expect(on('executions').sort()).toEqual(['states:DescribeExecution', 'states:RedriveExecution', 'states:StopExecution']);
    expect(on('idempotency-table').sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(on('state-machine')).toEqual([]);
    expect(permissions.flatMap((permission) => permission.actions)).not.toContain('states:StartExecution');
    // Only the platform's log delivery besides its code's calls: no stream, no failure destination.
    expect(permissions.filter((permission) => permission.sentBy === 'platform').map((permission) => permission.sid)).toEqual(['WriteLogs']);
  });

  it('renders a lone action or resource as a string and grants ListStreams on *', () => {
    const policy = policyDocumentOf('trigger-build', {
      table: 'arn:table',
      'table-stream': 'arn:stream',
      'state-machine': 'arn:machine',
      executions: 'arn:executions',
      'failure-queue': 'arn:queue',
      'log-group': 'arn:logs',
    });

    expect(policy.Statement.find((statement) => statement.Sid === 'ListStreamsHasNoResourceLevelPermissions')).toEqual({
      Sid: 'ListStreamsHasNoResourceLevelPermissions',
      Effect: 'Allow',
      Action: 'dynamodb:ListStreams',
      Resource: '*',
    });
  });

  it('refuses to render a policy without the ARN of a resource it grants on, naming it', () => {
    const render = () => policyDocumentOf('update-build-status', { table: 'arn:table' });

    expect(render).toThrow(ValidationError);
    expect(render).toThrow('Invalid arns.log-group: is missing: the update-build-status policy grants on its log-group');
  });
});
