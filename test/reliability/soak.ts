// The model-based suite at scale: plays N random scenarios of the lifecycle
// model (every step kind) and reports each failure with its shrunk steps.
//
//   npm run soak -- --runs 10000 --seed 1           # in-memory adapters
//   npm run soak -- --runs 1000 --seed 1 --real     # DynamoDB Local (wire faults) + local Step Functions
//   npm run soak -- --runs 10000 --policy supersede  # every scenario under one concurrency policy
//
// Every scenario runs, failing or not (the count is the point); each failure is
// then replayed by fast-check from the same seed and shrunk to its smallest
// steps. The last line is `N passed, M failed`; the exit code is 1 when M > 0.
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { parseConcurrencyPolicy, type ConcurrencyPolicy } from '../../src/index.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../dev/dynamodb-local/builds-table.js';
import { startDynamoDbLocal } from '../../dev/dynamodb-local/dynamodb-local.js';
import { anInMemoryWorld } from './in-memory-world.js';
import { runScenario, scenarios, type Scenario } from './lifecycle-model.js';
import type { LifecycleWorld } from './lifecycle-world.js';
import { aLocalAwsWorld } from './local-aws-world.js';

/** The scenario lengths of the suite in `npm test`: the soak plays the same scenarios, only more of them. */
const MAX_ACTIONS = { inMemory: 30, real: 20 } as const;

interface SoakOptions {
  readonly runs: number;
  readonly seed: number;
  readonly real: boolean;
  /** Every scenario under this policy; without it, each scenario draws one (queue twice as often). */
  readonly policy: ConcurrencyPolicy | undefined;
}

function readOptions(argv: readonly string[]): SoakOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      runs: { type: 'string', default: '300' },
      seed: { type: 'string' },
      real: { type: 'boolean', default: false },
      policy: { type: 'string' },
    },
    strict: true,
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number of at least 1; got "${values.runs}"`);
  const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be a whole number; got "${values.seed}"`);
  const policy = values.policy === undefined ? undefined : parseConcurrencyPolicy(values.policy, '--policy');
  return { runs, seed, real: values.real, policy };
}

/** Where scenarios run: a fresh world per scenario, on one set of adapters. */
interface Arena {
  readonly name: string;
  readonly maxActions: number;
  aWorld(): Promise<LifecycleWorld>;
  close(): Promise<void>;
}

function inMemoryArena(): Arena {
  return { name: 'in-memory adapters', maxActions: MAX_ACTIONS.inMemory, aWorld: async () => anInMemoryWorld(), close: async () => {} };
}

async function localAwsArena(): Promise<Arena> {
  const dynamodb = await startDynamoDbLocal();
  const admin = dynamoDbClientFor(dynamodb.endpoint);
  return {
    name: `DynamoDB Local (${dynamodb.backend}) behind the fault proxy + the local Step Functions endpoint`,
    maxActions: MAX_ACTIONS.real,
    // A table per scenario: the world reads the table's whole stream as its evidence of every
    // status change, which would grow with every scenario played on one table.
    aWorld: async () => {
      const tableName = uniqueTableName('soak');
      await createBuildsTable(admin, tableName);
      const world = await aLocalAwsWorld(dynamodb.endpoint, tableName);
      const closeWorld = world.close;
      // Redefined in place: the world's `container` is a getter (a cold start replaces it), which a copy would freeze.
      return Object.defineProperty(world, 'close', {
        value: async () => {
          await closeWorld();
          await deleteTable(admin, tableName);
        },
      });
    },
    close: async () => {
      admin.destroy();
      await dynamodb.stop();
    },
  };
}

async function violationsOf(arena: Arena, scenario: Scenario): Promise<readonly string[]> {
  const world = await arena.aWorld();
  try {
    return (await runScenario(world, scenario)).violations;
  } catch (error) {
    return [`the run threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`];
  } finally {
    await world.close();
  }
}

/** What the scenarios exercised: steps by kind, and faults by kind. */
class Tally {
  steps = 0;
  readonly stepsByKind = new Map<string, number>();
  readonly faultsByKind = new Map<string, number>();
  readonly policies = new Map<string, number>();

  add(scenario: Scenario): void {
    for (const step of scenario.actions) {
      this.steps += 1;
      increment(this.stepsByKind, step.type);
      if (step.type === 'fault') increment(this.faultsByKind, step.fault);
      if (step.type === 'cold-start' && step.describeFails) increment(this.faultsByKind, 'describe-state-machine-fails');
    }
    increment(this.policies, scenario.policy);
  }
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function table(counts: ReadonlyMap<string, number>): string {
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, count]) => `    ${kind.padEnd(32)} ${count}`)
    .join('\n');
}

/** Replays run `index` of the seed's sequence with fast-check and shrinks it; resolves to its smallest failing steps. */
async function shrunk(arena: Arena, scenarioArbitrary: fc.Arbitrary<Scenario>, seed: number, index: number): Promise<string> {
  const property = fc.asyncProperty(scenarioArbitrary, async (scenario) => (await violationsOf(arena, scenario)).length === 0);
  const details = await fc.check(property, { seed, path: String(index), numRuns: index + 1 });
  if (!details.failed || !details.counterexample) return '    (passed on replay: the failure depends on timing; its steps are above)';
  const [scenario] = details.counterexample;
  const violations = await violationsOf(arena, scenario);
  return [`    shrunk in ${details.numShrinks} steps to:`, `    ${JSON.stringify(scenario)}`, ...violations.map((line) => `    violation: ${line}`)].join('\n');
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  const arena = options.real ? await localAwsArena() : inMemoryArena();
  const scenarioArbitrary = scenarios(arena.maxActions, options.policy);
  const replay = `npm run soak -- --runs ${options.runs} --seed ${options.seed}${options.real ? ' --real' : ''}${options.policy ? ` --policy ${options.policy}` : ''}`;
  console.log(`soak: ${options.runs} scenarios on ${arena.name}, policy ${options.policy ?? 'drawn per scenario'}, seed ${options.seed} (replay: ${replay})`);

  const started = performance.now();
  const tally = new Tally();
  const failures: { index: number; scenario: Scenario; violations: readonly string[] }[] = [];
  // The same sequence fast-check's own runs draw from this seed, so a failure's index replays it.
  const sequence = fc.sample(scenarioArbitrary, { seed: options.seed, numRuns: options.runs });
  const progressEvery = Math.max(1, Math.floor(options.runs / 10));
  try {
    for (const [index, scenario] of sequence.entries()) {
      tally.add(scenario);
      const violations = await violationsOf(arena, scenario);
      if (violations.length > 0) {
        failures.push({ index, scenario, violations });
        console.log(`run ${index} failed: ${violations.join('; ')}`);
      }
      if ((index + 1) % progressEvery === 0) {
        console.log(`  ${index + 1}/${options.runs} run, ${failures.length} failed, ${((performance.now() - started) / 1000).toFixed(0)} s`);
      }
    }
    const seconds = (performance.now() - started) / 1000;

    for (const failure of failures) {
      console.log(`\nrun ${failure.index} (seed ${options.seed}, path ${failure.index}):`);
      console.log(`    steps: ${JSON.stringify(failure.scenario)}`);
      for (const violation of failure.violations) console.log(`    violation: ${violation}`);
      console.log(await shrunk(arena, scenarioArbitrary, options.seed, failure.index));
    }

    console.log(`\n${options.runs} scenarios, ${tally.steps} steps (before draining), ${seconds.toFixed(1)} s (${((seconds * 1000) / options.runs).toFixed(1)} ms per scenario)`);
    console.log(`  steps by kind:\n${table(tally.stepsByKind)}`);
    console.log(`  faults injected by kind:\n${table(tally.faultsByKind)}`);
    console.log(`  scenarios by starting policy:\n${table(tally.policies)}`);
  } finally {
    await arena.close();
  }
  console.log(`${options.runs - failures.length} passed, ${failures.length} failed`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}

await main();
