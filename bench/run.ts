/**
 * `npm run bench`: every benchmark with its baseline measured in the same run.
 * Writes bench/results/latest.json and prints a table. Never part of `npm test`.
 */
import { awsCalls } from './aws-calls.bench.js';
import { coldStart } from './cold-start.bench.js';
import { handOff } from './hand-off.bench.js';
import { inProcessCost } from './in-process.bench.js';
import { formatTable, machine, writeResults, type Comparison } from './lib/results.js';
import { startOverhead } from './start-overhead.bench.js';
import { streamBatch } from './stream-batch.bench.js';

const benchmarks: Array<[string, () => Promise<Comparison[]>]> = [
  ['in-process', inProcessCost],
  ['start-overhead', startOverhead],
  ['stream-batch', streamBatch],
  ['aws-calls', awsCalls],
  ['hand-off', handOff],
  ['cold-start', coldStart],
];

const only = process.argv.slice(2);
const comparisons: Comparison[] = [];
for (const [name, run] of benchmarks) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`running ${name}...`);
  comparisons.push(...(await run()));
}
await writeResults(comparisons);
console.log(`\nmachine: ${JSON.stringify(machine())}\n`);
console.log(formatTable(comparisons));
console.log('\nwritten: bench/results/latest.json');
