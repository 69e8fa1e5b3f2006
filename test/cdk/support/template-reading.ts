// Reading a synthesized CloudFormation template the way the CDK tests need:
// a construct's own resource, a role's policies.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

export interface TemplateResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DependsOn?: readonly string[];
  readonly DeletionPolicy?: string;
}

export interface PolicyStatementInTemplate {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | readonly string[];
  readonly Resource: unknown;
}

/** An app that synthesizes into a directory of its own; `remove()` deletes it. */
export function anAppInATemporaryDirectory(context: Record<string, string> = {}): { readonly app: App; remove(): void } {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  return { app: new App({ outdir, context }), remove: () => rmSync(outdir, { recursive: true, force: true }) };
}

export function resourcesOf(template: Template): Record<string, TemplateResource> {
  return (template.toJSON() as { Resources: Record<string, TemplateResource> }).Resources;
}

/** The logical id of the CloudFormation resource behind an L2 construct. */
export function logicalIdOf(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

/** The properties of the resource behind an L2 construct. */
export function propertiesOf(template: Template, construct: IConstruct): Record<string, unknown> {
  const resource = resourcesOf(template)[logicalIdOf(construct)];
  if (resource === undefined) throw new Error(`No resource ${construct.node.path} in the template`);
  return resource.Properties;
}

/** Every statement of every AWS::IAM::Policy attached to the role with this logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatementInTemplate[] {
  return Object.values(resourcesOf(template))
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: PolicyStatementInTemplate[] }).Statement);
}

/** Every action of every statement of a template's IAM policies and roles' inline policies. */
export function everyIamAction(template: Template): string[] {
  const documents = Object.values(resourcesOf(template)).flatMap((resource) => {
    if (resource.Type === 'AWS::IAM::Policy') return [resource.Properties.PolicyDocument];
    if (resource.Type === 'AWS::IAM::Role') return ((resource.Properties.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? []).map((policy) => policy.PolicyDocument);
    return [];
  }) as Array<{ Statement: PolicyStatementInTemplate[] }>;
  return documents.flatMap((document) => document.Statement.flatMap((statement) => [statement.Action].flat() as string[]));
}

/**
 * The route keys of a template's API Gateway v2 routes that are not
 * authorized with AWS_IAM (no `AuthorizationType`, `NONE`, `JWT`, `CUSTOM`):
 * each one would let an unsigned caller in.
 */
export function routesWithoutIamAuthorization(template: { readonly Resources?: Record<string, TemplateResource> }): string[] {
  return Object.values(template.Resources ?? {})
    .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
    .filter((route) => route.Properties.AuthorizationType !== 'AWS_IAM')
    .map((route) => String(route.Properties.RouteKey));
}
