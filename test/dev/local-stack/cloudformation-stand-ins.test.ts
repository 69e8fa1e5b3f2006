// The CloudFormation stand-in's held stacks and refused deployments, which
// the local stack's burst relies on.
import { describe, expect, it } from 'vitest';
import { CloudFormationStandIn, CloudFormationValidationError, type StackRefusal } from '../../../dev/local-stack/cloudformation-stand-ins.js';

const deployment = { repo: 'web', env: 'dev' };

describe('CloudFormationStandIn', () => {
  it('keeps a held stack in progress however often it is looked at, and settles it after its looks once let go', () => {
    const cloudFormation = new CloudFormationStandIn({ settleAfterPolls: 2, existingStacks: ['dev-web'] });
    const release = cloudFormation.hold('dev-web');
    cloudFormation.deployStack(deployment);
    for (let look = 0; look < 5; look += 1) {
      expect(cloudFormation.describeStack({ stack_name: 'dev-web' }).stack_status).toBe('UPDATE_IN_PROGRESS');
    }

    release();

    expect(cloudFormation.describeStack({ stack_name: 'dev-web' }).stack_status).toBe('UPDATE_IN_PROGRESS');
    expect(cloudFormation.describeStack({ stack_name: 'dev-web' }).stack_status).toBe('UPDATE_COMPLETE');
  });

  it('refuses a deployment to a stack in progress as CloudFormation does, reporting and counting it', () => {
    const refusals: StackRefusal[] = [];
    const cloudFormation = new CloudFormationStandIn({ existingStacks: ['dev-web'], onRefused: (refusal) => refusals.push(refusal) });
    cloudFormation.deployStack(deployment);

    expect(() => cloudFormation.deployStack(deployment)).toThrow(CloudFormationValidationError);
    expect(() => cloudFormation.deployStack(deployment)).toThrow(/^Stack:arn:aws:cloudformation:\S+\/dev-web\/\S+ is in UPDATE_IN_PROGRESS state and can not be updated\.$/);
    expect(cloudFormation.refusalsOf('dev-web')).toBe(2);
    expect(cloudFormation.refusalsOf('dev-api')).toBe(0);
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toMatchObject({ stackName: 'dev-web', reason: expect.stringContaining('UPDATE_IN_PROGRESS state and can not be updated') });
  });
});
