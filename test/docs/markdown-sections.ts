// Reads the parts of a Markdown document that tests hold to the code: the
// fenced blocks of one section.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export function readDoc(file: string): string {
  return readFileSync(path.join(root, file), 'utf8');
}

/** The text of the section under `heading` (e.g. `## update-build-status`), up to the next heading of its level or higher. */
export function sectionOf(markdown: string, heading: string): string {
  const level = /^#+/.exec(heading)?.[0].length ?? 0;
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const endsAt = lines.findIndex((line, index) => index > start && /^#+ /.test(line) && (/^#+/.exec(line)?.[0].length ?? 0) <= level);
  return lines.slice(start + 1, endsAt < 0 ? undefined : endsAt).join('\n');
}

/** The `json` fenced blocks of a text, parsed, in order. */
export function jsonBlocksOf(text: string): unknown[] {
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1] ?? '') as unknown);
}
