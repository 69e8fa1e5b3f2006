import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The findings of a security review (cdk-nag's `AwsSolutionsChecks`) that the
 * construct keeps, each with why, recorded through aws-cdk-lib's own
 * `Validations.of(scope).acknowledge()`: any policy validation plugin that
 * reads acknowledgements (cdk-nag 3 does) reports them as acknowledged, with
 * this reason, instead of as errors. The construct does not load cdk-nag
 * (a development dependency of this package, not a dependency): it writes
 * construct metadata only. docs/deploy.md, "Security review", lists them;
 * test/cdk/security-review.test.ts runs the pack.
 */

/** The AWS Solutions rules the construct keeps a finding of. */
export const KEPT_RULES = {
  /** The IAM entity contains wildcard permissions (one finding per wildcard resource or action). */
  wildcardPermissions: 'AwsSolutions-IAM5',
  /** The SQS queue is not used as a DLQ and has no DLQ. */
  queueWithoutDeadLetterQueue: 'AwsSolutions-SQS3',
  /** The non-container Lambda function is not on the latest runtime of its family. */
  notTheLatestRuntime: 'AwsSolutions-L1',
} as const;

/** Records that `scope` and everything under it keeps the finding `id`, and why. */
export function keepFinding(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The id of cdk-nag's wildcard finding on a policy statement's resource
 * (`AwsSolutions-IAM5[Resource::...]`), as cdk-nag writes it: the resource
 * resolved in its stack and flattened (`<Logical.Arn>` for a `GetAtt`...);
 * `undefined` when the resource has no wildcard. A token of another stack
 * resolves differently once the stacks are wired (an import): acknowledge
 * that finding in your app.
 */
export function wildcardResourceFinding(scope: IConstruct, resourceArn: string): string | undefined {
  const flat = flattened(Stack.of(scope).resolve(resourceArn));
  return flat.includes('*') ? `${KEPT_RULES.wildcardPermissions}[Resource::${flat}]` : undefined;
}

/**
 * A resolved CloudFormation value as one string, the way cdk-nag names
 * findings by resource: `<AWS::Region>` for a `Ref`, `<Logical.Arn>` for a
 * `GetAtt`, joins joined.
 */
export function flattened(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof value === 'object' && value !== null) {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
      return items.map(flattened).join(delimiter);
    }
    if ('Fn::Sub' in node) return flattened(node['Fn::Sub']);
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattened(resource)}.${flattened(attribute)}>`;
    }
    if ('Fn::ImportValue' in node) return flattened(node['Fn::ImportValue']);
    if ('Ref' in node) return `<${flattened(node.Ref)}>`;
  }
  return JSON.stringify(value);
}

/** Whether a resolved value is a CloudFormation intrinsic function (`Ref`, `Fn::...`). */
export function isIntrinsic(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0]?.startsWith('Fn::') ?? false));
}
