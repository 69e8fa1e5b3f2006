// docs/deploy.md's table of props is BuildOrchestratorProps, prop for prop;
// the section the construct's errors send a reader to exists; the security
// review explains every finding the construct keeps.
import { describe, expect, it } from 'vitest';
import { SWITCH_GUIDE } from '../../src/cdk/build-orchestrator-props.js';
import { KEPT_RULES } from '../../src/cdk/security-findings.js';
import { readDoc, sectionOf } from './markdown-sections.js';

/** The properties an interface of a source file declares, in order. */
function propsOf(source: string, interfaceName: string): string[] {
  const body = new RegExp(`export interface ${interfaceName} \\{([\\s\\S]*?)\\n\\}`).exec(source)?.[1] ?? '';
  return [...body.matchAll(/^ {2}readonly (\w+)\??:/gm)].map((match) => match[1] ?? '');
}

describe('docs/deploy.md', () => {
  it('lists in its table of props every prop of BuildOrchestratorProps, in order, and no other', () => {
    const rows = sectionOf(readDoc('docs/deploy.md'), '## Props')
      .split('\n')
      .flatMap((line) => /^\| `(\w+)` \|/.exec(line)?.[1] ?? []);

    expect(rows).toEqual(propsOf(readDoc('src/cdk/build-orchestrator-props.ts'), 'BuildOrchestratorProps'));
  });

  it("lists in the HTTP API's table every setting of OrchestratorApiProps, in order, and no other", () => {
    const rows = sectionOf(readDoc('docs/deploy.md'), '## The HTTP API')
      .split('\n')
      .flatMap((line) => /^\| `(\w+)` \|/.exec(line)?.[1] ?? []);

    expect(rows).toEqual(propsOf(readDoc('src/cdk/build-orchestrator-props.ts'), 'OrchestratorApiProps'));
  });

  it('has the section the startBuilds error sends a reader to, with its steps, what to watch and the way back', () => {
    const heading = /^docs\/deploy\.md, "(.+)"$/.exec(SWITCH_GUIDE)?.[1] ?? '';
    const guide = sectionOf(readDoc('docs/deploy.md'), `## ${heading}`);

    for (const part of ['### Steps', '### What to watch', '### Going back', "### Go's other starters", "### Go's settings in SSM Parameter Store"]) {
      expect(guide.split('\n')).toContain(part);
    }
    // The old PENDING builds are listed before builds are started.
    expect(sectionOf(guide, '### Steps')).toMatch(/The table's old `PENDING` builds\..*aws-deployer-orchestrator list\s+--status PENDING/s);
  });

  it('explains, in its security review, every rule the construct keeps a finding of', () => {
    const review = sectionOf(readDoc('docs/deploy.md'), '## Security review');

    for (const rule of Object.values(KEPT_RULES)) expect(review).toContain(`\`${rule}`);
  });
});
