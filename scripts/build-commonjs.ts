// Builds dist/cjs, the CommonJS copy of the package's public entry points that
// its `require` export conditions serve, from the ESM build in dist/.
//
// The sources stay ESM (the source of truth). tsc's CommonJS output implies
// node10 module resolution, which ignores `exports` maps, so it would check
// the sources against other declarations than Node loads. esbuild resolves as
// Node does and rewrites
// each file reachable from an entry point into CommonJS, one output file per
// source file, so every class exists once per module system (instanceof holds
// across subpaths). The declarations are the ESM build's, all of them (type-only
// modules have no JavaScript), copied: their text is the same but for the
// imports of inversify's types (see commonJsDeclaration), and TypeScript
// reads them as CommonJS because of dist/cjs/package.json.
//
//   tsx scripts/build-commonjs.ts   (after tsc -p tsconfig.build.json)
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/cjs');

/** The sources behind the package's `exports` (the CLI is ESM only: it is not here). */
const PUBLIC_ENTRY_POINTS = ['src/index.ts', 'src/testing.ts', 'src/lambda.ts', 'src/dynamodb.ts', 'src/sfn.ts', 'src/cdk/index.ts'];

// src/cdk/shipped-bundles.ts reads import.meta.url only in ESM; in CommonJS it takes __dirname.
const IMPORT_META_ONLY_IN_ESM = { 'empty-import-meta': 'silent' } as const;

async function sourcesReachableFromEntryPoints(): Promise<string[]> {
  const { metafile } = await build({
    entryPoints: PUBLIC_ENTRY_POINTS.map((entry) => join(root, entry)),
    bundle: true,
    packages: 'external',
    platform: 'node',
    write: false,
    metafile: true,
    outdir,
    logLevel: 'warning',
    logOverride: IMPORT_META_ONLY_IN_ESM,
  });
  return Object.keys(metafile.inputs).filter((input) => input.startsWith('src/'));
}

async function main(): Promise<void> {
  const sources = await sourcesReachableFromEntryPoints();
  await build({
    entryPoints: sources.map((source) => join(root, source)),
    outbase: join(root, 'src'),
    outdir,
    bundle: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    tsconfig: join(root, 'tsconfig.json'),
    sourcemap: true,
    sourcesContent: true,
    logLevel: 'warning',
    logOverride: IMPORT_META_ONLY_IN_ESM,
  });
  const esmBuild = join(root, 'dist');
  const declarations = (await readdir(esmBuild, { recursive: true })).filter(
    (file) => file.endsWith('.d.ts') && !join(esmBuild, file).startsWith(outdir),
  );
  for (const declaration of declarations) {
    await mkdir(dirname(join(outdir, declaration)), { recursive: true });
    await writeFile(join(outdir, declaration), commonJsDeclaration(await readFile(join(esmBuild, declaration), 'utf8')));
  }
  // Node and TypeScript read a file's module system from the nearest package.json.
  await writeFile(join(outdir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
  console.log(`dist/cjs: ${sources.length} modules`);
}

/**
 * A CommonJS declaration imports inversify's types as `require` resolves
 * them. inversify 7 ships both module systems, so a CommonJS host's
 * `Container` takes the CommonJS `ContainerModule` class (its `#private`
 * member makes the two copies' types incompatible); inversify 8 is ESM only,
 * and TypeScript's node16 setting accepts a CommonJS file's type import of
 * it only with an explicit `resolution-mode` (TS1541). The attribute serves
 * both; the ESM declarations keep the plain import.
 */
function commonJsDeclaration(text: string): string {
  return text.replace(/^(import type \{[^}]*\} from 'inversify');$/gm, "$1 with { 'resolution-mode': 'require' };");
}

await main();
