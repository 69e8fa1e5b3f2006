// docs/lambda.md against what ships: the callback states are the workflow's own.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonBlocksOf, readDoc, sectionOf } from './markdown-sections.js';

const workflow = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../state-machine/deployment.asl.json'), 'utf8')) as {
  States: Record<string, unknown>;
};

describe('docs/lambda.md', () => {
  it("shows the shipped workflow's two callback states exactly as they are", () => {
    const blocks = jsonBlocksOf(sectionOf(readDoc('docs/lambda.md'), '## update-build-status'));
    expect(blocks).toContainEqual({ ReportSuccess: workflow.States.ReportSuccess, ReportFailure: workflow.States.ReportFailure });
  });
});
