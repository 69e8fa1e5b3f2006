import { describe, expect, it } from 'vitest';
import { LAMBDA_FUNCTIONS, LAMBDA_PERMISSIONS, policyDocumentOf } from '../../../../src/adapters/driving/lambda/permissions.js';
import { ValidationError } from '../../../../src/index.js';

describe("the Lambda functions' permissions", () => {
  it.each(LAMBDA_FUNCTIONS)('%s: gives each statement a Sid of its own (IAM wants them unique within a policy)', (functionName) => {
    const sids = LAMBDA_PERMISSIONS[functionName].map((permission) => permission.sid);

    expect(new Set(sids).size).toBe(sids.length);
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
