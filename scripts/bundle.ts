// Builds one ESM bundle per Lambda handler (dist/lambda/<name>/index.mjs, for
// the nodejs22.x runtime, handler `index.handler`) with its linked source map,
// prints each bundle's size, and proves each one imports in plain node with a
// `handler` function.
//
//   npm run bundle
import { execFile } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_FUNCTIONS, type LambdaFunctionName } from '../src/lambda.js';

export interface BundleFile {
  readonly file: string;
  readonly bytes: number;
  /** Loaded by every cold start: `index.mjs` and the chunks it imports statically. The others load on demand. */
  readonly atColdStart: boolean;
  /** The source files in it, relative to the repository (node_modules/... for dependencies). */
  readonly inputs: readonly string[];
  /** The bytes each source file contributes to this file, by its path in {@link inputs}. */
  readonly inputBytes: Readonly<Record<string, number>>;
}

export interface Bundled {
  /** `{outdir}/index.mjs`, the handler's module; its map is `index.mjs.map`. */
  readonly file: string;
  /** What every cold start loads: `index.mjs` and the chunks it imports statically. */
  readonly bytes: number;
  /** Every `.mjs` written, in `{outdir}` and `{outdir}/chunks`. */
  readonly files: readonly BundleFile[];
}

export interface Bundle extends Bundled {
  readonly name: LambdaFunctionName;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Enough environment for every handler's start-up validation; importing a bundle calls no AWS API. */
export const VERIFY_ENV = {
  AWS_REGION: 'us-east-1',
  BUILDS_TABLE_NAME: 'verify-aws-deployer--builds',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:verify',
  ARTIFACT_BUCKET: 'verify-artifacts',
  IDEMPOTENCY_TABLE_NAME: 'verify-aws-deployer--idempotency',
};

// An ESM bundle has no `require`; CommonJS dependencies bundled into it
// (aws-xray-sdk-core, behind the tracer) require() node built-ins at run time.
const REQUIRE_BANNER =
  "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);";

export async function bundleLambdas(outdir = join(root, 'dist/lambda')): Promise<Bundle[]> {
  return Promise.all(
    LAMBDA_FUNCTIONS.map(async (name) => ({
      name,
      ...(await bundleEntry(join(root, 'src/composition/lambda/entry', `${name}.ts`), join(outdir, name))),
    })),
  );
}

/**
 * Bundles one entry point into `outdir` as a Lambda ESM function for the
 * nodejs22.x runtime: `index.mjs`, the chunks it imports on demand, and a
 * linked source map for each (https://esbuild.github.io/api/#sourcemap).
 */
export async function bundleEntry(entryPoint: string, outdir: string): Promise<Bundled> {
  await rm(outdir, { recursive: true, force: true });
  const { metafile } = await build({
    entryPoints: [entryPoint],
    outdir,
    entryNames: 'index',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    absWorkingDir: root,
    bundle: true,
    // Each dynamic import() becomes a chunk loaded when it runs (https://esbuild.github.io/api/#splitting):
    // the tracer and the X-Ray SDK only when tracing is on, the SDK's credential providers only when used.
    splitting: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // ESM builds of the SDK: smaller, and fewer CommonJS copies that require() at run time.
    mainFields: ['module', 'main'],
    minify: true,
    // No keepNames (https://esbuild.github.io/api/#keep-names): it costs every cold start ~5 ms
    // here. Our errors state their names as literals, so minified class names never show.
    tsconfig: join(root, 'tsconfig.json'),
    banner: { js: REQUIRE_BANNER },
    // `//# sourceMappingURL=<file>.map` in each file, the sources inlined in the map so it resolves
    // without the repository: node applies it with --enable-source-maps.
    sourcemap: 'linked',
    sourcesContent: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  assertBundled(metafile);
  const index = join(outdir, 'index.mjs');
  const atColdStart = staticallyLoaded(metafile, relative(root, index));
  const files = await Promise.all(
    Object.entries(metafile.outputs)
      .filter(([output]) => output.endsWith('.mjs'))
      .map(async ([output, { inputs }]) => ({
        file: resolve(root, output),
        bytes: (await stat(resolve(root, output))).size,
        atColdStart: atColdStart.has(output),
        inputs: Object.keys(inputs),
        inputBytes: Object.fromEntries(Object.entries(inputs).map(([input, { bytesInOutput }]) => [input, bytesInOutput])),
      })),
  );
  const bytes = files.filter((file) => file.atColdStart).reduce((sum, file) => sum + file.bytes, 0);
  return { file: index, bytes, files };
}

/** The outputs `entry` loads before it runs: itself and its static imports, transitively. */
function staticallyLoaded(metafile: Metafile, entry: string): Set<string> {
  const loaded = new Set<string>();
  const visit = (output: string): void => {
    if (loaded.has(output)) return;
    loaded.add(output);
    for (const imported of metafile.outputs[output]?.imports ?? []) {
      if (imported.kind === 'import-statement' && imported.external !== true) visit(imported.path);
    }
  };
  visit(entry);
  return loaded;
}

/** Lambda has no node_modules beside the bundle: everything but node's built-ins must be inside it. */
function assertBundled(metafile: Metafile): void {
  for (const [output, { imports }] of Object.entries(metafile.outputs)) {
    const missing = imports.filter((imported) => imported.external === true && !isBuiltin(imported.path));
    if (missing.length > 0) {
      throw new Error(`${output} loads ${missing.map((imported) => imported.path).join(', ')} at run time: bundle it`);
    }
  }
}

/** Imports a bundle in a fresh node process and checks its export; rejects with the reason otherwise. */
export async function verifyBundle(file: string, env: Record<string, string> = VERIFY_ENV): Promise<void> {
  const check = [
    'const module = await import(process.argv[1]);',
    "if (typeof module.handler !== 'function') throw new Error('handler is ' + typeof module.handler);",
  ].join('\n');
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', check, pathToFileURL(file).href], {
    env: { ...process.env, ...env },
  });
}

async function main(): Promise<void> {
  const bundles = await bundleLambdas();
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  for (const bundle of bundles) {
    await verifyBundle(bundle.file);
    // With tracing on, the tracer's chunk loads too: prove it does.
    await verifyBundle(bundle.file, { ...VERIFY_ENV, POWERTOOLS_TRACE_ENABLED: 'true' });
    const onDemand = bundle.files.filter((file) => !file.atColdStart);
    const onDemandBytes = onDemand.reduce((sum, file) => sum + file.bytes, 0);
    console.log(
      `${bundle.name.padEnd(24)} ${kib(bundle.bytes).padStart(10)} at cold start (${relative(root, bundle.file)} and its static chunks), ` +
        `${kib(onDemandBytes)} in ${onDemand.length} chunks loaded on demand`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
