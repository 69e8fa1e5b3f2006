// Prints the names each entry point of the built package exports, importing
// it by name as users do. The entry points are the manifest's code exports.
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const entryPoints = Object.keys(manifest.exports)
  .filter((subpath) => !subpath.endsWith('.json'))
  .map((subpath) => `${manifest.name}${subpath.slice(1)}`);
const names = {};
for (const entryPoint of entryPoints) names[entryPoint] = Object.keys(await import(entryPoint)).sort();
process.stdout.write(JSON.stringify(names));
