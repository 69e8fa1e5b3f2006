// The Lambda bundles, built into a temporary directory: each imports in plain
// node and exports its handler. Importing builds the container and resolves the
// services, so this also proves injection works without decorator metadata.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIFY_ENV, bundleLambdas, verifyBundle, type Bundle } from '../../../scripts/bundle.js';
import { LAMBDA_FUNCTIONS } from '../../../src/lambda.js';

const MODULE_HOOKS = fileURLToPath(new URL('../../support/module-hooks/register.mjs', import.meta.url));
const TRACER_INPUTS = /^node_modules\/(@aws-lambda-powertools\/tracer|aws-xray-sdk-core)\//;
const REPOSITORY = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
const SOURCES = join(REPOSITORY, 'src') + sep;

interface SourceMap {
  readonly version: number;
  readonly sources: readonly string[];
  readonly sourcesContent?: readonly (string | null)[];
}

describe('Lambda bundles', () => {
  let outdir: string;
  let bundles: Bundle[];
  const bundleOf = (name: string): Bundle => {
    const bundle = bundles.find((candidate) => candidate.name === name);
    if (bundle === undefined) throw new Error(`no bundle ${name}`);
    return bundle;
  };

  /** The files of the bundle a fresh node process loads when it imports `index.mjs`. */
  async function filesLoaded(bundle: Bundle, env: Record<string, string> = {}): Promise<string[]> {
    const log = join(outdir, `${bundle.name}-${Object.keys(env).join('-')}.loaded`);
    await verifyBundle(bundle.file, { ...VERIFY_ENV, ...env, NODE_OPTIONS: `--import=${MODULE_HOOKS}`, RESOLVED_MODULES_LOG: log });
    const urls = (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '');
    return [...new Set(urls.map((url) => fileURLToPath(url)))].sort();
  }

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'lambda-bundles-'));
    bundles = await bundleLambdas(outdir);
  }, 60_000);

  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it.each(LAMBDA_FUNCTIONS)('%s imports in plain node, exports a handler function, and loads only its cold-start files', async (name) => {
    const bundle = bundleOf(name);

    expect(bundle.file).toBe(join(outdir, name, 'index.mjs'));
    expect(await filesLoaded(bundle)).toEqual(bundle.files.filter((file) => file.atColdStart).map((file) => file.file).sort());
  });

  it.each(LAMBDA_FUNCTIONS)('%s keeps the tracer and the X-Ray SDK out of its cold start, in a chunk loaded when tracing is on', async (name) => {
    const bundle = bundleOf(name);
    const withTracer = bundle.files.filter((file) => file.inputs.some((input) => TRACER_INPUTS.test(input)));

    expect(withTracer.length).toBeGreaterThan(0);
    expect(withTracer.filter((file) => file.atColdStart)).toEqual([]);
    const loaded = await filesLoaded(bundle, { POWERTOOLS_TRACE_ENABLED: 'true' });
    expect(loaded).toEqual(expect.arrayContaining(withTracer.map((file) => file.file)));
  });

  // The functions resolve the wiring table without a container (src/composition/lambda/ready-handlers.ts).
  const SERVICES_USED: Readonly<Record<string, readonly string[]>> = {
    'trigger-build': ['orchestrator', 'trigger-build'],
    'update-build-status': ['record-completion'],
    'execution-status-change': ['reconcile-execution'],
    sweeper: ['orchestrator', 'trigger-build', 'reconcile-execution', 'sweep-open-builds'],
    // The manual deployments; no trigger-build: the builds they record are started by the normal path.
    'http-api': ['manual/redeploy-build', 'manual/roll-back-environment', 'manual/redrive-build', 'manual/cancel-build'],
  };

  it.each(LAMBDA_FUNCTIONS)('%s loads no DI library and only the services it uses', (name) => {
    // What a cold start loads: the inputs that put bytes in its files (tree shaking leaves the others at 0).
    const inputs = bundleOf(name)
      .files.filter((file) => file.atColdStart)
      .flatMap((file) => Object.entries(file.inputBytes).flatMap(([input, bytes]) => (bytes > 0 ? [input] : [])));

    expect(inputs.filter((input) => /^node_modules\/(inversify|@inversifyjs\/|reflect-metadata)/.test(input))).toEqual([]);
    const services = inputs.flatMap((input) => /^src\/app\/(.+)\.service\.ts$/.exec(input)?.[1] ?? []);
    expect(services.sort()).toEqual([...(SERVICES_USED[name] ?? [])].sort());
  });

  // Deployed, a map has no repository beside it: it resolves through the sources it holds.
  it.each(LAMBDA_FUNCTIONS)('%s ships a linked source map for each file, every source in it', async (name) => {
    const ownSources: string[] = [];
    for (const { file } of bundleOf(name).files) {
      const code = await readFile(file, 'utf8');
      expect(code.trimEnd().split('\n').at(-1)).toBe(`//# sourceMappingURL=${basename(file)}.map`);
      const map = JSON.parse(await readFile(`${file}.map`, 'utf8')) as SourceMap;
      expect(map.version).toBe(3);
      expect(map.sourcesContent).toHaveLength(map.sources.length);
      for (const [index, source] of map.sources.entries()) {
        const content = map.sourcesContent?.[index];
        expect(content, source).toEqual(expect.any(String));
        const path = resolve(dirname(file), source);
        // Dependencies map to the sources their own maps name (not shipped in node_modules); ours are here.
        if (path.startsWith(SOURCES)) {
          ownSources.push(path.slice(REPOSITORY.length + 1));
          expect(content, source).toBe(await readFile(path, 'utf8'));
        }
      }
    }
    expect(ownSources).toContain(`src/composition/lambda/entry/${name}.ts`);
  });

  it('maps a stack trace to the TypeScript sources with --enable-source-maps', async () => {
    const failure = verifyBundle(bundleOf('trigger-build').file, { ...VERIFY_ENV, ARTIFACT_BUCKET: '', NODE_OPTIONS: '--enable-source-maps' });

    await expect(failure).rejects.toThrow(/at \S+ \(\S*src\/composition\/lambda\/environment\.ts:\d+:\d+\)/);
  });

  it('fails the cold start with the name of a missing variable, in an error that keeps its name', async () => {
    // The error's name, which Lambda reports as errorType, survives minification. (Node's own printout
    // puts the minified class name first: `Br [EnvironmentVariableError]: ...`.)
    await expect(verifyBundle(bundleOf('trigger-build').file, { ...VERIFY_ENV, ARTIFACT_BUCKET: '' })).rejects.toThrow(
      /EnvironmentVariableError\]?: Environment variable ARTIFACT_BUCKET is empty/,
    );
  });
});
