import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The integration tests (two workers, one per core), then the game-day scenarios in two lanes side by
 * side, each lane one file at a time (`npm test` starts a vitest per lane: scripts/test.sh). A scenario
 * measures detection and resolution times, so a lane never runs two of them at once; the lanes are
 * balanced by the files' measured durations, and each run has its own ports, state directory and
 * container labels. The Docker stacks' files share a lane so that one file's "nothing left behind"
 * audit never sees another's containers.
 */
const scenarioLanes = {
  // The embedded game days that measure the most (the full game day, runbook verify, game-day mode).
  scenarios: [
    'test/engine/scenarios.test.ts',
    'test/engine/runbook-verify-planted.test.ts',
    'test/engine/gameday-mode.test.ts',
    'test/engine/compound-scenarios.test.ts',
    'test/engine/runbook-verify.test.ts',
    'test/engine/fis-game-day.test.ts',
    'test/engine/negative-scenarios.test.ts',
    'test/engine/abort-frozen-primary.test.ts',
    'test/engine/crash-matrix-sample.test.ts',
    'test/engine/fis-crash.test.ts',
    'test/engine/interrupt.test.ts',
  ],
  // The Docker stacks and the packed package, with the unremedied twins and the blind rounds to
  // balance the lanes (27 and 28 min in a trial beside each other on 2 cores).
  'scenarios-docker': [
    'test/engine/unremedied-scenarios.test.ts',
    'test/engine/blind-game-day.test.ts',
    'test/engine/containers-scenarios.test.ts',
    'test/engine/compose-scenarios.test.ts',
    'test/engine/testcontainers-scenarios.test.ts',
    'test/testing/testcontainers-testing.test.ts',
    'test/engine/kubernetes-example.test.ts',
    'test/package/packed-package.test.ts',
  ],
  // Alone, after both lanes: it compares two detectors' times to within one scrape and evaluation
  // (625 ms), which a busy second core pushed past in a trial (638 ms).
  'scenarios-alone': ['test/engine/alert-source-scenarios.test.ts'],
};
const scenarioFiles = Object.values(scenarioLanes).flat();

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
      ...Object.entries(scenarioLanes).map(([name, include]) => ({
        extends: true as const,
        test: {
          name,
          include,
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 180_000,
          hookTimeout: 420_000,
          sequence: { groupOrder: name === 'scenarios-alone' ? 2 : 1 },
        },
      })),
    ],
  },
});
