// An IAM policy as the docs print it, and whether it allows a request.
import type { IamRequest } from './recording-clients.js';

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
}

export interface Policy {
  readonly Statement: readonly PolicyStatement[];
}

/**
 * The first ```json block after the line `marker` (a heading, say) in a
 * markdown page, read as a policy, with each placeholder (`REGION`,
 * `ACCOUNT`, `TABLE`...) replaced by its value in every ARN.
 */
export function policyInMarkdown(markdown: string, marker: string, placeholders: Readonly<Record<string, string>>): Policy {
  const start = markdown.split('\n').findIndex((line) => line.trim() === marker);
  if (start < 0) throw new Error(`No line "${marker}" in the page`);
  const block = /```json\n([\s\S]*?)\n```/.exec(markdown.split('\n').slice(start).join('\n'))?.[1];
  if (block === undefined) throw new Error(`No json block after "${marker}"`);
  const policy = JSON.parse(block) as Policy;
  const fill = (arn: string) => arn.replace(/[A-Z][A-Z_]+/g, (name) => placeholders[name] ?? name);
  return {
    Statement: policy.Statement.map((statement) => ({ ...statement, Resource: listOf(statement.Resource).map(fill) })),
  };
}

/** Every action an `Allow` statement names, with the statement, one entry per pair. */
export function allowedActions(policy: Policy): Array<{ readonly statement: PolicyStatement; readonly action: string }> {
  return policy.Statement.filter((statement) => statement.Effect === 'Allow').flatMap((statement) =>
    listOf(statement.Action).map((action) => ({ statement, action })),
  );
}

/** Whether `statement` allows the request: it names its action and its resource (wildcards `*` and `?`). */
export function allows(statement: PolicyStatement, request: IamRequest): boolean {
  return (
    statement.Effect === 'Allow' &&
    listOf(statement.Action).some((action) => matches(action, request.action, 'i')) &&
    listOf(statement.Resource).some((resource) => matches(resource, request.resource, ''))
  );
}

/** IAM actions compare without case, ARNs with it. */
function matches(pattern: string, value: string, flags: string): boolean {
  const source = pattern.split('').map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, flags).test(value);
}

function listOf(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}
