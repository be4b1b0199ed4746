import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { freezeTree, processTree, signalTree } from '../../src/stack/process-tree.ts';

/** Each process's state letter from /proc (T: stopped). */
async function states(pids: number[]): Promise<string[]> {
  const out: string[] = [];
  for (const pid of pids) {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (stat) out.push(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  }
  return out;
}

let root: ChildProcess | undefined;
afterEach(async () => {
  if (root?.pid) {
    await signalTree(root.pid, 'SIGKILL');
    await signalTree(root.pid, 'SIGCONT');
  }
  root = undefined;
});

describe('freezing a process tree', () => {
  it('stops every process, those forked while the tree was being read too', async () => {
    // A parent that forks a child every few milliseconds, as a postmaster starts sessions: reading
    // /proc before stopping it missed the children forked meanwhile, and they ran on.
    root = spawn('bash', ['-c', 'while :; do sleep 2 & sleep 0.005; done'], { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let round = 0; round < 5; round++) {
      await freezeTree(root.pid!);
      const tree = await processTree(root.pid!);
      expect(tree.length).toBeGreaterThan(10);
      // Z: a child that had exited, not yet reaped by its stopped parent; it runs nothing.
      expect(new Set((await states(tree)).filter((state) => state !== 'Z'))).toEqual(new Set(['T']));
      await signalTree(root.pid!, 'SIGCONT');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  it('stops the WAL sender last, once it is idle', async () => {
    // A sender (its title names it, as PostgreSQL's does) that never goes idle.
    root = spawn(
      'bash',
      ['-c', 'exec -a "postgres: walsender" bash -c "while :; do :; done" & sleep 30 & wait'],
      { stdio: 'ignore' },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await freezeTree(root.pid!);
    const tree = await processTree(root.pid!);
    expect(new Set(await states(tree))).toEqual(new Set(['T']));
    // Never idle: it is stopped at the drain's deadline, not before.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});
