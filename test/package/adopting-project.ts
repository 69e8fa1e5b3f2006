// A scratch project that adopts the package as a team would: it already pins
// its own AWS SDK, installs the packed tarball beside it, and compiles the
// README's "Usage" with its own TypeScript settings.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

/**
 * The SDK the adopting project pins: the floor of the package's peer
 * dependencies. A consumer on this version must get one copy of each client.
 */
export const PINNED_SDK_VERSION = '3.896.0';
export const PEER_SDK_PACKAGES = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/util-dynamodb', '@aws-sdk/client-sfn'] as const;

/** The inversify majors the peer range serves: each adopting project pins one. */
export const INVERSIFY_VERSIONS = { latest: '8.2.3', previous: '7.11.0' } as const;
const REFLECT_METADATA_VERSION = '0.2.2';
/** What any Node.js TypeScript project has beside README's install line. */
const NODE_TYPES_VERSION = '20.19.43';

/** What a source checkout contributes to `npm pack`; nothing built, so prepack must build it all. */
const PACKED_FROM_SOURCE = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'src', 'scripts', 'state-machine'];

export interface AdoptingProject {
  readonly directory: string;
  /** Runs `node` (the one running the tests) in the project. */
  node(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string>;
  /** Runs this repository's `tsc` on a tsconfig of the project; resolves to its output. */
  typecheck(tsconfig: string): Promise<string>;
  /** Every installed copy of the named packages, as npm sees the tree. */
  installedCopies(names: readonly string[]): Promise<{ name: string; version: string; location: string }[]>;
  write(file: string, text: string): Promise<void>;
  remove(): Promise<void>;
}

/** The package packed from a clean copy of this checkout, in a scratch folder of its own. */
export interface PackedPackage {
  readonly tarball: string;
  remove(): Promise<void>;
}

/**
 * Packs a clean copy of this checkout: its `dist/` is never read, so the
 * tarball cannot depend on an earlier build.
 */
export async function packTheCheckout(): Promise<PackedPackage> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'orchestrator-packed-'));
  const checkout = path.join(scratch, 'checkout');
  await mkdir(checkout);
  for (const entry of PACKED_FROM_SOURCE) await cp(path.join(root, entry), path.join(checkout, entry), { recursive: true });
  // The build tools only; the package's own files come from the copy.
  await symlink(path.join(root, 'node_modules'), path.join(checkout, 'node_modules'), 'dir');
  const { stdout: packed } = await run('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: checkout, maxBuffer: 16 * 1024 * 1024 });
  return { tarball: path.join(scratch, packed.trim().split('\n').pop() ?? ''), remove: () => rm(scratch, { recursive: true, force: true }) };
}

/**
 * Installs the packed package into a new project that pins
 * {@link PINNED_SDK_VERSION} and the given inversify, as README's install
 * line does.
 */
export async function anAdoptingProject(packed: PackedPackage, inversify: string = INVERSIFY_VERSIONS.latest): Promise<AdoptingProject> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'orchestrator-adopter-'));
  const directory = path.join(scratch, 'project');
  await mkdir(directory);
  const { tarball } = packed;

  await writeFile(
    path.join(directory, 'package.json'),
    JSON.stringify({
      name: 'adopting-service',
      private: true,
      type: 'module',
      dependencies: {
        '@aws-deployer/orchestrator': `file:${tarball}`,
        ...Object.fromEntries(PEER_SDK_PACKAGES.map((name) => [name, PINNED_SDK_VERSION])),
        inversify,
        'reflect-metadata': REFLECT_METADATA_VERSION,
        '@types/node': NODE_TYPES_VERSION,
      },
    }),
  );
  await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'], { cwd: directory, maxBuffer: 16 * 1024 * 1024 });

  return {
    directory,
    node: async (args, env = process.env) => (await run(process.execPath, [...args], { cwd: directory, env })).stdout,
    typecheck: async (tsconfig) => {
      const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
      const { stdout } = await run(process.execPath, [tsc, '-p', tsconfig], { cwd: directory }).catch((error: { stdout?: string }) => {
        throw new Error(`tsc -p ${tsconfig} failed:\n${error.stdout ?? String(error)}`);
      });
      return stdout;
    },
    installedCopies: async (names) => {
      const { stdout } = await run('npm', ['query', names.map((name) => `#${name}`).join(', ')], { cwd: directory, maxBuffer: 16 * 1024 * 1024 });
      return (JSON.parse(stdout) as { name: string; version: string; location: string }[]).map(({ name, version, location }) => ({ name, version, location }));
    },
    write: async (file, text) => {
      await mkdir(path.dirname(path.join(directory, file)), { recursive: true });
      await writeFile(path.join(directory, file), text);
    },
    remove: () => rm(scratch, { recursive: true, force: true }),
  };
}

/** The README's "Usage" example, as users copy it. */
export async function readmeUsage(): Promise<string> {
  const [usage] = await readmeBlocks('## Usage');
  if (usage === undefined) throw new Error('README.md has no ```ts block under "## Usage"');
  return usage;
}

/** The ```ts blocks of one README section (from its heading to the next heading of any level), as users copy them. */
export async function readmeBlocks(heading: string): Promise<string[]> {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const rest = readme.slice(start + heading.length + 2);
  const section = rest.slice(0, rest.search(/^#{1,6} /m) >= 0 ? rest.search(/^#{1,6} /m) : undefined);
  return [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

/**
 * The same example as a CommonJS module: top-level await is ESM only, so the
 * statements after the imports become the body of an exported `main`.
 */
export function asCommonJs(usage: string): string {
  const lines = usage.split('\n');
  const imports = lines.filter((line) => line.startsWith('import '));
  const body = lines.filter((line) => !line.startsWith('import '));
  return [...imports, 'export async function main(): Promise<void> {', ...body, '}', ''].join('\n');
}
