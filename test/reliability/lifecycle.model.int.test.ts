import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../dev/dynamodb-local/builds-table.js';
import { runScenario, scenarios } from './lifecycle-model.js';
import { aLocalAwsWorld } from './local-aws-world.js';

export const LOCAL_AWS_RUNS = Number(process.env.MODEL_RUNS_LOCAL ?? 25);

const admin = dynamoDbClientFor(inject('dynamodbEndpoint'));
const tableName = uniqueTableName('reliability');

beforeAll(() => createBuildsTable(admin, tableName));
afterAll(async () => {
  await deleteTable(admin, tableName);
  admin.destroy();
});

describe('the deployment lifecycle under random deliveries, races and wire faults (DynamoDB Local + local Step Functions)', () => {
  it(`keeps every promise over ${LOCAL_AWS_RUNS} random scenarios`, async () => {
    await fc.assert(
      fc.asyncProperty(scenarios(20), async (scenario) => {
        const world = await aLocalAwsWorld(inject('dynamodbEndpoint'), tableName);
        try {
          const { violations } = await runScenario(world, scenario);
          expect(violations).toEqual([]);
        } finally {
          await world.close();
        }
      }),
      { numRuns: LOCAL_AWS_RUNS },
    );
  }, 240_000);
});
