// docs/deploy.md's table of props is BuildOrchestratorProps, prop for prop.
import { describe, expect, it } from 'vitest';
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
});
