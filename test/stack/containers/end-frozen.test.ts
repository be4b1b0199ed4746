import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { containersOption } from '../../../src/stack/containers/base-image.ts';
import { containerLauncher } from '../../../src/stack/containers/container-launcher.ts';

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-end-frozen-'));
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

const lines = async (file: string) => (await fs.readFile(file, 'utf8')).split('\n').length;

// A frozen primary ended after a failover must not run again, not even for a moment: a backend with a
// write queued would commit it and answer. `docker kill` alone signals only the container's init and
// then resumes the rest; the writer below, a child like a PostgreSQL backend, wrote on after it.
it('ends a paused container without letting any of its processes run again', async () => {
  const { image } = await containersOption(() => undefined);
  const launcher = containerLauncher({ stackId: `end-frozen-${process.pid}`, image, stackRoot: root });
  const file = path.join(root, 'writes');
  const child = launcher.launch(
    'writer',
    'sh',
    ['-c', `(while true; do echo x >> ${file}; done) & while true; do sleep 1; done`],
    { env: {}, stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const exited = once(child, 'exit');
  await expect.poll(() => lines(file).catch(() => 0), { timeout: 30_000 }).toBeGreaterThan(100);
  await launcher.freeze(child);
  const frozen = await lines(file);
  await launcher.endFrozen(child, 'SIGKILL');
  await exited;
  expect(await lines(file)).toBe(frozen);
}, 90_000);
