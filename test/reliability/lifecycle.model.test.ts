import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anInMemoryWorld } from './in-memory-world.js';
import { runScenario, scenarios } from './lifecycle-model.js';

export const IN_MEMORY_RUNS = Number(process.env.MODEL_RUNS ?? 300);

describe('the deployment lifecycle under random deliveries, races and faults (in memory)', () => {
  it(`keeps every promise over ${IN_MEMORY_RUNS} random scenarios`, async () => {
    await fc.assert(
      fc.asyncProperty(scenarios(30), async (scenario) => {
        const world = anInMemoryWorld();
        const { violations } = await runScenario(world, scenario);
        await world.close();
        expect(violations).toEqual([]);
      }),
      { numRuns: IN_MEMORY_RUNS },
    );
  }, 120_000);
});
