import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each test injects a real fault into real containers and waits for the system to answer it.
    testTimeout: 180_000,
    // One stack per file, and the files one at a time: a resilience test measures time, and two
    // stacks on two cores would measure each other.
    fileParallelism: false,
  },
});
