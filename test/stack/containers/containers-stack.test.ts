import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../src/core/wait.ts';
import { docker, labelled } from '../../../src/stack/containers/docker-cli.ts';
import { stackRegistry } from '../../../src/stack/embedded/stack-registry.ts';
import { runCli } from '../../support/run-cli.ts';

/**
 * The containers stack: every process of the system under test in its own labelled container, and
 * nothing left behind by a harness that was killed, once `gameday cleanup` (or the next start) runs.
 */
let stateDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-containers-'));
  process.env.GAMEDAY_STATE_DIR = stateDir;
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await runCli(['cleanup'], { GAMEDAY_STATE_DIR: stateDir });
  await fs.rm(stateDir, { recursive: true, force: true });
});

describe('the containers stack', () => {
  it('runs each process in a labelled container, and a killed harness’s containers are removed by cleanup', async () => {
    const child = spawn(
      process.execPath,
      ['bin/gameday.js', 'stack', 'up', '--stack', 'containers', '--seed', 'tiny', '--replicas', '1'],
      { env: { ...process.env, GAMEDAY_STATE_DIR: stateDir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.resume();
    await waitUntil(() => / is up\n/.test(stderr), {
      timeoutMs: 120_000,
      what: `the stack to come up: ${stderr}`,
    });
    const [record] = await stackRegistry.list();
    expect(record?.kind).toBe('containers');

    const found = await labelled(record!.id);
    const processes = (
      await docker([
        'ps',
        '--filter',
        `label=io.gameday.stack=${record!.id}`,
        '--format',
        '{{.Label "io.gameday.process"}}',
      ])
    )
      .split('\n')
      .map((name) => name.replace(/-\d+$/, ''))
      .sort();
    // Both database servers, the replica of the backend, and the services around it.
    expect(processes).toEqual([
      'chat-backend',
      'fault-proxy',
      'front',
      'object-store',
      'postgres',
      'postgres',
    ]);
    expect(found.containers).toHaveLength(6);

    // Killed hard, the harness stops nothing: its containers outlive it.
    child.kill('SIGKILL');
    await waitUntil(() => child.signalCode !== null, { timeoutMs: 5_000, what: 'the harness to die' });
    expect((await labelled(record!.id)).containers).toHaveLength(6);

    const cleanup = await runCli(['cleanup'], { GAMEDAY_STATE_DIR: stateDir });
    expect(cleanup.code).toBe(0);
    expect(cleanup.stdout).toMatch(
      new RegExp(`removed leftover stack ${record!.id}: .*6 container\\(s\\) labelled`),
    );
    expect(await labelled(record!.id)).toEqual({ containers: [], networks: [], volumes: [] });
    expect(await stackRegistry.list()).toEqual([]);
  }, 180_000);
});
