import fs from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../src/core/wait.ts';
import { EmbeddedStack } from '../../src/stack/embedded/embedded-stack.ts';
import { processStartTime, stackRegistry } from '../../src/stack/embedded/stack-registry.ts';
import type { BaseBackup, RestoredDatabase } from '../../src/stack/stack.ts';

let stack: EmbeddedStack;
let live: pg.Client;
const restores: RestoredDatabase[] = [];

beforeAll(async () => {
  stack = await EmbeddedStack.up({ seed: 'tiny', replicas: 1 });
  live = new pg.Client({ connectionString: stack.database.adminUrl() });
  live.on('error', () => undefined); // the teardown test stops the server under it
  await live.connect();
  await live.query('CREATE TABLE pitr_rows (id int PRIMARY KEY, batch text NOT NULL)');
});
afterAll(async () => {
  await live?.end().catch(() => undefined);
  for (const restored of restores) await restored.close();
  await stack?.down();
});

const serverClock = async (): Promise<Date> =>
  (await live.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now;

async function ids(client: pg.Client): Promise<number[]> {
  const { rows } = await client.query<{ id: number }>('SELECT id FROM pitr_rows ORDER BY id');
  return rows.map((row) => row.id);
}

async function restore(target: Date): Promise<RestoredDatabase> {
  const restored = await stack.database.restoreToPointInTime(target);
  restores.push(restored);
  return restored;
}

/** Restored servers the stack's on-disk record lists (what a later run would clean up after a crash). */
async function trackedRestores() {
  const record = (await stackRegistry.list()).find((r) => r.id === stack.id)!;
  return record.processes.filter((p) => p.name.startsWith('postgres-restore-'));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('point-in-time restore', () => {
  let beforeBackup: Date;
  let backup: BaseBackup;
  let beforeDamage: Date;

  it('restores a side copy as of a moment before the damage; the live database stays damaged', async () => {
    await live.query(`INSERT INTO pitr_rows SELECT g, 'A' FROM generate_series(1, 10) g`);
    beforeBackup = await serverClock();
    backup = await stack.database.takeBaseBackup();
    expect(backup.takenAt.getTime()).toBeGreaterThan(beforeBackup.getTime());
    await live.query(`INSERT INTO pitr_rows SELECT g, 'B' FROM generate_series(11, 20) g`);
    // A Date drops microseconds: let the clock pass B's commit by more than a millisecond.
    await sleep(50);
    beforeDamage = await serverClock();
    await sleep(1_000);
    await live.query('DELETE FROM pitr_rows WHERE id IN (2, 4, 6, 12, 14)');
    await live.query(`INSERT INTO pitr_rows VALUES (21, 'after the target')`);
    const damaged = [1, 3, 5, 7, 8, 9, 10, 11, 13, 15, 16, 17, 18, 19, 20, 21];

    const restored = await restore(beforeDamage);
    expect(restored.restoredTo).toEqual(beforeDamage);
    expect(new URL(restored.url).hostname).toBe('127.0.0.1');
    const copy = new pg.Client({ connectionString: restored.url });
    await copy.connect();
    try {
      expect(await ids(copy)).toEqual(range(1, 20));
      const { rows } = await copy.query<{ a: string; b: string }>(
        `SELECT count(*) FILTER (WHERE batch = 'A') AS a, count(*) FILTER (WHERE batch = 'B') AS b FROM pitr_rows`,
      );
      expect(rows[0]).toEqual({ a: '10', b: '10' });
      // Promoted: a writable database of its own, not a standby.
      expect((await copy.query('SELECT pg_is_in_recovery() AS r')).rows[0].r).toBe(false);
      await copy.query(`INSERT INTO pitr_rows VALUES (100, 'only in the copy')`);
    } finally {
      await copy.end();
    }
    expect(await ids(live)).toEqual(damaged);
    expect(stack.database.adminUrl()).not.toBe(restored.url);
  }, 90_000);

  it('refuses a target that no base backup precedes', async () => {
    await expect(stack.database.restoreToPointInTime(beforeBackup)).rejects.toThrow(
      /no base backup was taken at or before/,
    );
  });

  it('close() stops the restored server and removes its files', async () => {
    const restored = restores[0]!;
    const tracked = await trackedRestores();
    expect(tracked).toHaveLength(1);
    await restored.close();
    expect(await processStartTime(tracked[0]!.pid)).not.toBe(tracked[0]!.startTime);
    expect(await fs.readdir(`${stack.root}/restores`)).toEqual([]);
    expect(await trackedRestores()).toEqual([]);
    const client = new pg.Client({ connectionString: restored.url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    await expect(client.connect()).rejects.toThrow();
  }, 60_000);

  it('never writes into the live WAL archive (the promoted copy is on a timeline of its own)', async () => {
    const archived = await fs.readdir(`${stack.root}/wal-archive`);
    expect(archived.some((name) => name.startsWith('00000001'))).toBe(true);
    expect(archived.filter((name) => !name.startsWith('00000001'))).toEqual([]);
  });

  it('refuses after a failover; teardown stops a restored server still open and removes everything', async () => {
    await restore(await serverClock());
    const [tracked] = await trackedRestores();
    expect(await processStartTime(tracked!.pid)).toBe(tracked!.startTime);
    await live.end();

    await stack.database.stopPrimary('fast');
    await stack.database.promoteReplica();
    await expect(stack.database.takeBaseBackup()).rejects.toThrow(/not supported after failover/);
    await expect(stack.database.restoreToPointInTime(new Date())).rejects.toThrow(
      /not supported after failover/,
    );

    await stack.down();
    expect(await processStartTime(tracked!.pid)).not.toBe(tracked!.startTime);
    await expect(fs.access(stack.root)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 90_000);
});
