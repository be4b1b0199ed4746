import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManagedProcess } from '../../src/stack/embedded/managed-process.ts';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-exit-during-start-'));
  await fs.writeFile(
    path.join(dir, 'dies.js'),
    "console.log('starting'); setTimeout(() => process.exit(3), 100);\n",
  );
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

// A replica that dies while it starts (the leaking release OOM-killed, or stopped by the stack's
// teardown) must end the wait for it at once. The wait once polled on to its 30 s deadline, and the
// harness could not exit until it did: Ctrl-C in memory-leak's rollback took 29 s to exit.
it('ends the wait for readiness as soon as the process exits, not at the deadline', async () => {
  const started = Date.now();
  const process = new ManagedProcess({
    name: 'dies-while-starting',
    entry: path.join(dir, 'dies.js'),
    env: {},
    ready: async () => false,
    readyTimeoutMs: 20_000,
  });
  await expect(process.start()).rejects.toThrow(/dies-while-starting exited: starting/);
  // The process lives 100 ms; the deadline is 20 s. Anything near the deadline is the old behaviour.
  expect(Date.now() - started).toBeLessThan(10_000);
});
