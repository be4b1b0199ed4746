import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revertAll } from '../../src/engine/revert-all.ts';
import { FaultLedger, orphanedLedgers } from '../../src/stack/fault-ledger.ts';

let stateDir: string;
beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-revert-'));
  process.env.GAMEDAY_STATE_DIR = stateDir;
});
afterAll(() => fs.rm(stateDir, { recursive: true, force: true }));

describe('reverting faults', () => {
  it('runs every undo newest first even when one throws, records each outcome, and reports the failure', async () => {
    const ledger = await FaultLedger.open('run-revert-test', { kind: 'embedded', id: 'stack-x' });
    const order: string[] = [];
    const entry = (description: string) =>
      ledger.register({ scenario: 's', kind: 'test', description, params: {} });
    const undos = [
      { id: await entry('first'), description: 'first', undo: async () => void order.push('first') },
      {
        id: await entry('second'),
        description: 'second',
        undo: async () => {
          order.push('second');
          throw new Error('the database said no');
        },
      },
      { id: await entry('third'), description: 'third', undo: async () => void order.push('third') },
    ];
    const notes: string[] = [];
    const errors = await revertAll(undos, ledger, (kind, detail) => notes.push(`${kind}: ${detail}`));
    expect(order).toEqual(['third', 'second', 'first']);
    expect(errors).toEqual(['second: the database said no']);
    expect(notes).toEqual([
      'fault-reverted: third',
      'revert-failed: second: the database said no',
      'fault-reverted: first',
    ]);
    expect(ledger.active().map((e) => [e.description, e.state, e.error])).toEqual([
      ['second', 'revert-failed', 'the database said no'],
    ]);
    // The failed revert keeps the ledger on disk for `gameday cleanup`.
    await ledger.close();
    const file = JSON.parse(await fs.readFile(path.join(stateDir, 'faults', 'run-revert-test.json'), 'utf8'));
    expect(file.entries.map((e: { state: string }) => e.state)).toEqual([
      'reverted',
      'revert-failed',
      'reverted',
    ]);
  });

  it('checks the stack after each undo: a fault still in effect counts as not reverted', async () => {
    const ledger = await FaultLedger.open('run-verify', { kind: 'embedded', id: 'stack-v' });
    const id = await ledger.register({ scenario: 's', kind: 'test', description: 'sticky', params: {} });
    const errors = await revertAll(
      [
        {
          id,
          description: 'sticky',
          undo: async () => undefined,
          verify: async () => 'index idx_x is missing',
        },
      ],
      ledger,
      () => undefined,
    );
    expect(errors).toEqual(['sticky: still in effect after the undo: index idx_x is missing']);
    expect(ledger.active().map((e) => e.state)).toEqual(['revert-failed']);
  });

  it('removes the ledger once every fault is reverted; a dead owner makes a ledger an orphan', async () => {
    const ledger = await FaultLedger.open('run-clean', { kind: 'embedded', id: 'stack-y' });
    const id = await ledger.register({ scenario: 's', kind: 'test', description: 'only', params: {} });
    expect(await orphanedLedgers()).not.toContainEqual(expect.objectContaining({ runId: 'run-clean' }));
    await revertAll([{ id, description: 'only', undo: async () => undefined }], ledger, () => undefined);
    await ledger.close();
    await expect(fs.access(path.join(stateDir, 'faults', 'run-clean.json'))).rejects.toThrow();
    // A ledger whose owner process is gone is what `gameday cleanup` looks for.
    const orphan = path.join(stateDir, 'faults', 'run-orphan.json');
    await fs.writeFile(
      orphan,
      JSON.stringify({
        runId: 'run-orphan',
        owner: { pid: 999_999, startTime: 1 },
        stack: { kind: 'embedded', id: 'gone' },
        entries: [],
      }),
    );
    expect((await orphanedLedgers()).map((l) => l.runId)).toContain('run-orphan');
  });
});
