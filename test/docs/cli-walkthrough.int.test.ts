// docs/cli.md's walkthrough, run as written: its commands are read from the
// page (every `$ ` line of its code blocks), run in a shell from the
// repository root, in order, and what each prints on stdout, and its exit
// code, are held to the output the page shows under it. The first command
// (`npm start -- --keep`) keeps running; the `export` and `alias` lines it
// prints are what the page tells people to paste, and every later command
// runs after them. Ids, times, ports and the table's suffix vary from run to
// run: they are compared as patterns (an id the page shows first in an output
// stands for the id printed there, in every later command and output), and a
// `...` line of the page stands for any lines.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readDoc, sectionOf } from './markdown-sections.js';

const root = path.resolve(import.meta.dirname, '../..');
const HEADING = '## Local use: a walkthrough on the local stack';

/** One `$ command` of the page and the lines it shows under it. */
interface Step {
  readonly command: string;
  readonly expected: readonly string[];
  readonly exitCode: number;
}

/** The walkthrough's steps: the section up to its first subsection, its code blocks that start with `$ `. */
function walkthroughSteps(markdown: string): Step[] {
  const section = sectionOf(markdown, HEADING).split(/^### /m)[0] ?? '';
  const blocks = [...section.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
  return blocks
    .filter((block) => block.startsWith('$ '))
    .flatMap((block) => {
      const steps: Array<{ command: string; lines: string[] }> = [];
      for (const line of block.replace(/\n$/, '').split('\n')) {
        if (line.startsWith('$ ')) steps.push({ command: line.slice(2), lines: [] });
        else steps.at(-1)?.lines.push(line);
      }
      return steps.map(({ command, lines }) => {
        while (lines.at(-1) === '') lines.pop();
        const exit = /^\[exit (\d+)\]$/.exec(lines.at(-1) ?? '');
        if (exit) lines.pop();
        return { command, expected: lines, exitCode: exit ? Number(exit[1]) : 0 };
      });
    });
}

const KSUID = /(?<![0-9A-Za-z])[0-9A-Za-z]{27}(?![0-9A-Za-z])/;
// What varies from run to run, and the pattern it is compared with.
const VARYING: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/, String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ`],
  [/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/, String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`],
  // DynamoDB Local in a container (Testcontainers, as CI runs it) is reached as localhost.
  [/^127\.0\.0\.1:\d+/, String.raw`(?:127\.0\.0\.1|localhost):\d+`],
  // On a DynamoDB Local it did not start (this test's), the stack gives its table a suffix.
  [/^dev-aws-deployer--builds/, String.raw`dev-aws-deployer--builds(?:-[0-9a-f]{8})?`],
  // Columns are as wide as what they hold.
  [/^ {2,}/, ' {2,}'],
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A documented line as a pattern: the ids already known as themselves, a new
 * one as a capture (its names in `captured`, in order), what varies as its
 * pattern, the rest as written.
 */
function patternOf(line: string, ids: ReadonlyMap<string, string>): { pattern: RegExp; captured: string[] } {
  let source = '';
  const captured: string[] = [];
  for (let rest = line; rest.length > 0; ) {
    const id = KSUID.exec(rest);
    if (id?.index === 0) {
      const known = ids.get(id[0]);
      const earlier = captured.indexOf(id[0]);
      if (known !== undefined) source += escape(known);
      else if (earlier >= 0) source += `\\${earlier + 1}`;
      else {
        captured.push(id[0]);
        source += '([0-9A-Za-z]{27})';
      }
      rest = rest.slice(27);
      continue;
    }
    const varying = VARYING.map(([shape, pattern]) => ({ match: shape.exec(rest), pattern })).find(({ match }) => match !== null);
    if (varying?.match) {
      source += varying.pattern;
      rest = rest.slice(varying.match[0].length);
      continue;
    }
    source += escape(rest.charAt(0));
    rest = rest.slice(1);
  }
  return { pattern: new RegExp(`^${source}$`), captured };
}

/**
 * Matches the printed lines against the documented ones (`...`: any lines),
 * learning the ids a documented line shows first; the ids known afterwards,
 * or `undefined` when they do not match.
 */
function matchLines(expected: readonly string[], actual: readonly string[], ids: ReadonlyMap<string, string>): Map<string, string> | undefined {
  const [first, ...rest] = expected;
  if (first === undefined) return actual.length === 0 ? new Map(ids) : undefined;
  if (first === '...') {
    for (let skip = 0; skip <= actual.length; skip += 1) {
      const found = matchLines(rest, actual.slice(skip), ids);
      if (found) return found;
    }
    return undefined;
  }
  const line = actual[0];
  if (line === undefined) return undefined;
  const { pattern, captured } = patternOf(first, ids);
  const match = pattern.exec(line);
  if (!match) return undefined;
  const learnt = new Map(ids);
  captured.forEach((documented, index) => learnt.set(documented, match[index + 1] ?? ''));
  return matchLines(rest, actual.slice(1), learnt);
}

/** The command with the ids the walkthrough printed in place of the page's. */
function commandWithIds(command: string, ids: ReadonlyMap<string, string>): string {
  return command.replace(new RegExp(KSUID.source, 'g'), (id) => {
    const actual = ids.get(id);
    if (actual === undefined) throw new Error(`"${command}" uses ${id}, which no earlier output of the walkthrough shows`);
    return actual;
  });
}

/** This machine's environment without AWS settings, as a new terminal would have before pasting the stack's lines. */
function terminalEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([name]) => !name.startsWith('AWS_') && !['BUILDS_TABLE_NAME', 'STATE_MACHINE_ARN', 'ARTIFACT_BUCKET', 'DYNAMODB_ENDPOINT'].includes(name),
  );
  return { ...Object.fromEntries(inherited), ...extra };
}

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function shell(script: string, env: NodeJS.ProcessEnv, options: { detached?: boolean } = {}): { child: ChildProcess; result: Promise<Ran>; stdout: () => string } {
  const child = spawn('bash', ['-c', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const result = new Promise<Ran>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, result, stdout: () => stdout };
}

const linesOf = (text: string) => text.replace(/\n$/, '').split('\n');

const STEPS = walkthroughSteps(readDoc('docs/cli.md'));
const [START, ...SESSION] = STEPS;
const READY = 'Press Ctrl-C to stop it.';

let ids = new Map<string, string>();
let pasted: string[] = [];
let stack: ReturnType<typeof shell> | undefined;

describe("docs/cli.md's walkthrough, run as written", () => {
  beforeAll(async () => {
    if (START === undefined) throw new Error(`no "$ " command under "${HEADING}"`);
    // The first command keeps running: the page shows its output up to the line that says so.
    expect(START.expected.at(-1)).toBe(READY);
    stack = shell(START.command, terminalEnv({ DYNAMODB_ENDPOINT: inject('dynamodbEndpoint') }), { detached: true });
    const deadline = Date.now() + 150_000;
    while (!stack.stdout().includes(READY)) {
      const ended = await Promise.race([stack.result, new Promise((resolve) => setTimeout(() => resolve(undefined), 200))]);
      if (ended !== undefined) throw new Error(`"${START.command}" ended before it was ready: ${JSON.stringify(ended)}`);
      if (Date.now() > deadline) throw new Error(`"${START.command}" did not say "${READY}" in time:\n${stack.stdout()}`);
    }
  }, 180_000);

  afterAll(async () => {
    if (stack?.child.pid === undefined) return;
    // Ctrl-C, to the whole process group, as a terminal sends it: the stack stops and removes its table.
    process.kill(-stack.child.pid, 'SIGINT');
    const stopped = await Promise.race([stack.result, new Promise((resolve) => setTimeout(() => resolve(undefined), 30_000))]);
    if (stopped === undefined) process.kill(-stack.child.pid, 'SIGKILL');
  }, 40_000);

  it('has a command that starts the stack, then commands run against it', () => {
    expect(START?.command).toBe('npm start -- --keep');
    expect(SESSION.length).toBeGreaterThan(3);
    expect(SESSION.every((step) => step.command.startsWith('ado '))).toBe(true);
  });

  it(`${START?.command ?? '(none)'}: prints what the page shows, and the lines to paste`, () => {
    const printed = linesOf(stack?.stdout() ?? '');
    const upToReady = printed.slice(0, printed.indexOf(READY) + 1);
    const learnt = matchLines(START?.expected ?? [], upToReady, ids);
    expect(learnt, `documented:\n${(START?.expected ?? []).join('\n')}\nprinted:\n${upToReady.join('\n')}`).toBeDefined();
    pasted = upToReady.filter((line) => /^ {2}(export|alias) /.test(line)).map((line) => line.trim());
    expect(pasted.map((line) => line.split(/[ =]/)[0])).toEqual(['export', 'export', 'alias']);
  });

  for (const step of SESSION) {
    it(`${step.command}: prints what the page shows${step.exitCode === 0 ? '' : `, exit ${step.exitCode}`}`, async () => {
      expect(pasted, 'the lines to paste').not.toEqual([]);
      const command = commandWithIds(step.command, ids);
      const ran = await shell(['shopt -s expand_aliases', ...pasted, command].join('\n'), terminalEnv()).result;
      const printed = ran.stdout === '' ? [] : linesOf(ran.stdout);

      const learnt = matchLines(step.expected, printed, ids);
      expect(learnt, `${command}\ndocumented:\n${step.expected.join('\n')}\nprinted:\n${printed.join('\n')}\nstderr:\n${ran.stderr}`).toBeDefined();
      expect(ran.code, ran.stderr).toBe(step.exitCode);
      ids = learnt ?? ids;
    }, 120_000);
  }
});
