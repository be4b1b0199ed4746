import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ListActionsCommand } from '@aws-sdk/client-fis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../src/core/wait.ts';
import {
  processStartTime,
  type StackRecord,
  stackRegistry,
} from '../../src/stack/embedded/stack-registry.ts';
import { fisClient } from '../fis/fis-client.ts';
import { runCli } from '../support/run-cli.ts';

let stateDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // A private registry, so this file's leftovers are the only ones it sees.
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-test-'));
  process.env.GAMEDAY_STATE_DIR = stateDir;
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await runCli(['stack', 'down'], { GAMEDAY_STATE_DIR: stateDir });
  await fs.rm(stateDir, { recursive: true, force: true });
});

/** Starts `gameday stack up` and resolves once it says the stack is up. */
async function stackUp(): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(
    process.execPath,
    ['bin/gameday.js', 'stack', 'up', '--seed', 'tiny', '--replicas', '1'],
    {
      env: { ...process.env, GAMEDAY_STATE_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.resume();
  await waitUntil(() => / is up\n/.test(stderr), {
    timeoutMs: 60_000,
    what: `the stack to come up: ${stderr}`,
  });
  return { child, stderr: () => stderr };
}

async function alive(record: StackRecord): Promise<string[]> {
  const names: string[] = [];
  for (const tracked of record.processes) {
    if ((await processStartTime(tracked.pid)) === tracked.startTime) names.push(tracked.name);
  }
  return names;
}

// Each test starts two stacks through the CLI: 23-26 s alone, over the default 30 s beside the other
// worker on a busy host (25 % steal, 2026-12-02).
describe('leftovers of a killed harness', () => {
  it('are found and removed by the next start, which says so', async () => {
    const first = await stackUp();
    const [record] = await stackRegistry.list();
    expect(record).toBeDefined();
    first.child.kill('SIGKILL');
    await waitUntil(() => first.child.exitCode !== null || first.child.signalCode !== null, {
      timeoutMs: 5_000,
      what: 'the harness to die',
    });
    // Killed hard, the harness could not stop anything: its processes and files are still there.
    expect((await alive(record!)).sort()).toEqual(record!.processes.map((p) => p.name).sort());
    await fs.access(record!.root);
    const status = await runCli(['stack', 'status'], { GAMEDAY_STATE_DIR: stateDir });
    expect(status.stdout).toContain(`stack ${record!.id} (leftover of a killed harness`);

    const second = await stackUp();
    expect(second.stderr()).toContain(`removed leftovers of stack ${record!.id}: stopped `);
    // `stack up` serves FIS's API for its stack and lists it: the AWS SDK answers through it.
    const [upRecord] = await stackRegistry.running();
    const fisUrl = upRecord!.endpoints['FIS API (AWS_ENDPOINT_URL_FIS)']!;
    expect(fisUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { actions } = await fisClient(fisUrl).send(new ListActionsCommand({}));
    expect(actions!.map((a) => a.id)).toContain('aws:rds:reboot-db-instances');
    expect(second.stderr()).toMatch(/stopped .*chat-backend-1 \(pid \d+\).*postgres-primary \(pid \d+\)/);
    expect(await alive(record!)).toEqual([]);
    await expect(fs.access(record!.root)).rejects.toMatchObject({ code: 'ENOENT' });

    const down = await runCli(['stack', 'down'], { GAMEDAY_STATE_DIR: stateDir });
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/stopped stack gd-/);
    await waitUntil(() => second.child.exitCode === 0, { timeoutMs: 10_000, what: 'stack up to exit 0' });
    expect(await stackRegistry.list()).toEqual([]);
  }, 90_000);

  it('are removed by `gameday stack down` too', async () => {
    const first = await stackUp();
    const [record] = await stackRegistry.list();
    first.child.kill('SIGKILL');
    await waitUntil(() => first.child.signalCode !== null, { timeoutMs: 5_000, what: 'the harness to die' });
    const down = await runCli(['stack', 'down'], { GAMEDAY_STATE_DIR: stateDir });
    expect(down.stdout).toContain(`removed leftover stack ${record!.id}: stopped `);
    expect(await alive(record!)).toEqual([]);
    expect(await stackRegistry.list()).toEqual([]);
  }, 90_000);
});
