import type { TestStackOptions } from './start-stack.ts';
import { TestStack } from './test-stack.ts';

/** The hooks of the test runner (vitest's, jest's globals): each takes a function and a timeout in ms. */
export interface TestHooks {
  beforeAll(fn: () => Promise<unknown>, timeoutMs?: number): unknown;
  afterEach(fn: () => Promise<unknown>, timeoutMs?: number): unknown;
  afterAll(fn: () => Promise<unknown>, timeoutMs?: number): unknown;
}

/** A stack's start may pull or build images and seed a database: minutes the first time. */
const START_TIMEOUT_MS = 600_000;
/** Reverting waits for injections under way (up to 3 min each) before undoing them. */
const CLEAN_UP_TIMEOUT_MS = 300_000;

/**
 * One stack for the test file: started in `beforeAll`, every fault a test left reverted (and its
 * traffic stopped) in `afterEach` (whether the test passed, threw, or forgot to await an injection),
 * removed in `afterAll`. Pass the runner's hooks:
 *
 *   import { afterAll, afterEach, beforeAll } from 'vitest';
 *   const chat = useStack({ stack: 'testcontainers' }, { beforeAll, afterEach, afterAll });
 */
export function useStack(options: TestStackOptions, hooks: TestHooks): TestStack {
  const stack = new TestStack(options);
  hooks.beforeAll(() => stack.start(), START_TIMEOUT_MS);
  hooks.afterEach(() => stack.cleanUp(), CLEAN_UP_TIMEOUT_MS);
  hooks.afterAll(() => stack.down(), CLEAN_UP_TIMEOUT_MS);
  return stack;
}

/** A started stack, for runners without hooks or scripts: call `cleanUp()` and `down()` yourself. */
export async function startStack(options: TestStackOptions = {}): Promise<TestStack> {
  const stack = new TestStack(options);
  await stack.start();
  return stack;
}
