// docs/lambda.md's IAM policies are the permissions module's, rendered with
// the page's placeholders: the module is what the CDK construct grants and
// what test/composition/lambda/lambda-iam.int.test.ts proves against the code.
import { describe, expect, it } from 'vitest';
import { LAMBDA_FUNCTIONS, policyDocumentOf, type LambdaFunctionName } from '../../src/adapters/driving/lambda/permissions.js';
import { jsonBlocksOf, readDoc, sectionOf } from './markdown-sections.js';

/** The ARNs as the page writes them, `REGION`, `ACCOUNT`, `TABLE`, `STATE_MACHINE` and `IDEMPOTENCY_TABLE` to be replaced. */
function documentedArnsOf(functionName: LambdaFunctionName) {
  const table = 'arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE';
  return {
    table,
    'status-index': `${table}/index/status-updated_at-index`,
    'table-stream': `${table}/stream/*`,
    'state-machine': 'arn:aws:states:REGION:ACCOUNT:stateMachine:STATE_MACHINE',
    executions: 'arn:aws:states:REGION:ACCOUNT:execution:STATE_MACHINE:*',
    'idempotency-table': 'arn:aws:dynamodb:REGION:ACCOUNT:table/IDEMPOTENCY_TABLE',
    'failure-queue': `arn:aws:sqs:REGION:ACCOUNT:aws-deployer-${functionName}-failures`,
    'log-group': `arn:aws:logs:REGION:ACCOUNT:log-group:/aws/lambda/aws-deployer-${functionName}:*`,
  };
}

describe("docs/lambda.md's IAM policies", () => {
  it.each(LAMBDA_FUNCTIONS)('%s: the one block of its "IAM policy" section is its permissions, statement by statement', (functionName) => {
    const section = sectionOf(sectionOf(readDoc('docs/lambda.md'), `## ${functionName}`), '### IAM policy');

    expect(jsonBlocksOf(section)).toEqual([policyDocumentOf(functionName, documentedArnsOf(functionName))]);
  });

  it('lists http-api among the handlers, and gives it no states:StartExecution', () => {
    const section = sectionOf(readDoc('docs/lambda.md'), '## http-api');
    const actions = jsonBlocksOf(sectionOf(section, '### IAM policy')).flatMap((policy) =>
      (policy as { Statement: Array<{ Action: string | string[] }> }).Statement.flatMap((statement) => [statement.Action].flat()),
    );

    expect(readDoc('docs/lambda.md')).toMatch(/^\| http-api \| API Gateway HTTP API .*\| `createHttpApiHandler` \| `dist\/lambda\/http-api\/index\.mjs` \|$/m);
    expect(actions).toEqual(expect.arrayContaining(['states:StopExecution', 'states:RedriveExecution']));
    expect(actions).not.toContain('states:StartExecution');
    expect(sectionOf(section, '### Environment')).toContain('| `IDEMPOTENCY_TABLE_NAME` | yes |');
  });

  it("names the trigger-build failure queue of its policy in its event source mapping's destination", () => {
    const mapping = jsonBlocksOf(sectionOf(sectionOf(readDoc('docs/lambda.md'), '## trigger-build'), '### Event source mapping'))[0];

    expect(mapping).toMatchObject({ DestinationConfig: { OnFailure: { Destination: documentedArnsOf('trigger-build')['failure-queue'] } } });
  });
});
