import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../src/core/wait.ts';
import { STAND_INS } from '../../../src/stack/containers/compose-images.ts';
import { labelled } from '../../../src/stack/containers/docker-cli.ts';
import { runCli } from '../../support/run-cli.ts';

/**
 * A harness killed while its testcontainers stack starts (Ryuk being off, nothing else would remove
 * it): `gameday cleanup` finds the stack by its record and removes its containers and network by label.
 */
const root = path.resolve(import.meta.dirname, '../../..');
let stateDir: string;
afterAll(() => (stateDir ? fs.rm(stateDir, { recursive: true, force: true }) : undefined));

describe('a testcontainers stack whose harness was killed', () => {
  it('is removed by `gameday cleanup`: its containers and its network', async () => {
    stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-tc-'));
    const images = {
      postgres: STAND_INS.GAMEDAY_POSTGRES_IMAGE,
      toxiproxy: STAND_INS.GAMEDAY_TOXIPROXY_IMAGE,
      node: STAND_INS.GAMEDAY_NODE_IMAGE,
    };
    const harness = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { startStack } = await import('./src/testing/entry.js');
         await startStack({ stack: 'testcontainers', images: ${JSON.stringify(images)}, onProgress: (line) => console.log(line) });
         setInterval(() => undefined, 60_000);`,
      ],
      {
        cwd: root,
        env: { ...process.env, GAMEDAY_STATE_DIR: stateDir },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    harness.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    // Killed half-way: its network made and its databases starting.
    const id = await waitUntil(() => /network (gdtc-[\w-]+)-net/.exec(output)?.[1], {
      timeoutMs: 120_000,
      intervalMs: 100,
      what: `the stack's network (output so far: ${output})`,
    });
    await waitUntil(async () => (await labelled(id)).containers.length > 0, {
      timeoutMs: 120_000,
      intervalMs: 100,
      what: 'its first container',
    });
    harness.kill('SIGKILL');
    await once(harness, 'exit');
    expect((await labelled(id)).networks).toHaveLength(1);

    const cleanup = await runCli(['cleanup'], { GAMEDAY_STATE_DIR: stateDir });
    expect(cleanup.stdout).toContain(`removed leftover stack ${id}`);
    expect(cleanup.code).toBe(0);
    expect(await labelled(id)).toEqual({ containers: [], networks: [], volumes: [] });
    expect(await fs.readdir(stateDir)).toEqual([]);
  }, 240_000);
});
