// Prints the names each entry point of the built package exports when
// require()d by name, as a CommonJS user (a CDK app, say) loads it. The entry
// points are the manifest's code exports.
const manifest = require('../../package.json');

const entryPoints = Object.keys(manifest.exports)
  .filter((subpath) => !subpath.endsWith('.json'))
  .map((subpath) => `${manifest.name}${subpath.slice(1)}`);
const names = {};
for (const entryPoint of entryPoints) names[entryPoint] = Object.keys(require(entryPoint)).sort();
process.stdout.write(JSON.stringify(names));
