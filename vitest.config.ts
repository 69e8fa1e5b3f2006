import { configDefaults, defineConfig } from 'vitest/config';

const integrationTests = 'test/**/*.int.test.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, integrationTests],
        },
      },
      {
        test: {
          name: 'integration',
          include: [integrationTests],
          // Starts DynamoDB Local once per run, only when integration tests are selected.
          globalSetup: ['test/support/dynamodb-local/global-setup.ts'],
          testTimeout: 30_000,
          // Table creation, and the first container start in a file's hooks.
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
