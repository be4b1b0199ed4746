import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { WorkerRpc } from '../../src/load/worker-rpc.ts';

/**
 * Spare workers: a scenario's traffic starts on a thread booted between scenarios (WorkerRpc.prewarm)
 * instead of booting one at its start. Threads are numbered in the order they are created, so the
 * thread that answers a start tells whether it was the spare (created before it) or a new one.
 */
const ENTRY = new URL('../support/thread-id-worker.ts', import.meta.url);

/** The id the next thread created in this process will get. */
async function nextThreadId(): Promise<number> {
  const probe = new Worker('', { eval: true });
  const id = probe.threadId;
  await probe.terminate();
  return id + 1;
}

async function threadOf(rpc: WorkerRpc): Promise<number> {
  try {
    return await rpc.call<number>('threadId');
  } finally {
    await rpc.terminate();
  }
}

describe('a spare worker', () => {
  it('serves the next start, once; the start after it boots its own', async () => {
    const spare = await nextThreadId();
    WorkerRpc.prewarm(ENTRY);
    const first = WorkerRpc.start(ENTRY);
    const second = WorkerRpc.start(ENTRY);
    expect(await threadOf(first)).toBe(spare);
    expect(await threadOf(second)).toBe(spare + 1);
  });

  it('is not there without a prewarm', async () => {
    const next = await nextThreadId();
    expect(await threadOf(WorkerRpc.start(ENTRY))).toBe(next);
  });

  it('holds no process open: one that prewarmed and did nothing else exits', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-spare-'));
    const script = path.join(dir, 'prewarm-and-exit.mts');
    const rpc = new URL('../../src/load/worker-rpc.ts', import.meta.url).href;
    // A spare taken and asked which thread it is (so spares boot here), then a second one left waiting.
    await fs.writeFile(
      script,
      [
        `import { WorkerRpc } from ${JSON.stringify(rpc)};`,
        `const entry = new URL(${JSON.stringify(ENTRY.href)});`,
        'WorkerRpc.prewarm(entry);',
        'const taken = WorkerRpc.start(entry);',
        "console.log(await taken.call('threadId'));",
        'await taken.terminate();',
        'WorkerRpc.prewarm(entry);',
      ].join('\n'),
    );
    try {
      // The spare would otherwise wait out its minute; the time limit is well below that.
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
        timeout: 20_000,
      });
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^\d+\n$/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
