import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Two groups, one after the other: the integration tests (in parallel on both cores), then the game-day
 * scenarios one at a time, because they measure detection and resolution times and must not share
 * the CPU with other servers under load.
 */
const scenarioFiles = [
  'test/engine/negative-scenarios.test.ts',
  'test/engine/unremedied-scenarios.test.ts',
  'test/engine/scenarios.test.ts',
  'test/engine/compound-scenarios.test.ts',
  'test/engine/containers-scenarios.test.ts',
  'test/engine/compose-scenarios.test.ts',
  'test/engine/testcontainers-scenarios.test.ts',
  'test/testing/testcontainers-testing.test.ts',
  'test/engine/kubernetes-example.test.ts',
  'test/engine/runbook-verify.test.ts',
  'test/engine/runbook-verify-planted.test.ts',
  'test/engine/interrupt.test.ts',
  'test/engine/abort-frozen-primary.test.ts',
  'test/engine/crash-matrix-sample.test.ts',
  'test/engine/alert-source-scenarios.test.ts',
  'test/engine/gameday-mode.test.ts',
  'test/engine/blind-game-day.test.ts',
  'test/engine/fis-game-day.test.ts',
  'test/engine/fis-crash.test.ts',
  'test/package/packed-package.test.ts',
];

export default defineConfig({
  // Scenario files import the package by its name, as a team's own would; here it is this checkout.
  resolve: { alias: { gameday: fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    globalSetup: ['test/support/global-postgres.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: scenarioFiles,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'scenarios',
          include: scenarioFiles,
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 180_000,
          hookTimeout: 420_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
