import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../src/core/wait.ts';
import { DEFAULT_TRAFFIC } from '../../src/load/load-generator.ts';
import { WorkerTraffic } from '../../src/load/worker-traffic.ts';
import { SEED_PASSWORD } from '../../src/stack/reference-backend.ts';
import { startTestBackend, type TestBackend } from '../support/test-backend.ts';

/**
 * gameday's traffic in its worker thread, against a real backend: every message the backend
 * acknowledged crosses back into the ledger here, none lost on the way, none invented.
 */
let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend();
}, 60_000);
afterAll(() => backend?.close());

describe('traffic in a worker thread', () => {
  it('keeps an exact ledger of the acknowledged messages across the thread boundary', async () => {
    const traffic = new WorkerTraffic(
      backend.url,
      {
        ...DEFAULT_TRAFFIC,
        users: 4,
        sockets: 2,
        password: SEED_PASSWORD,
        mix: { ...DEFAULT_TRAFFIC.mix, send: 100, upload: 0 },
      },
      () => backend.db.url,
    );
    await traffic.start();
    await sleep(2_000);
    await traffic.stop();
    const acknowledged = traffic.acknowledged();
    expect(acknowledged.length).toBeGreaterThan(20);
    // Every acknowledged send is in the database once, and nothing the users sent is missing here.
    const check = await traffic.checkAcknowledged();
    expect(check).toEqual({ acknowledged: acknowledged.length, lost: [], duplicated: [] });
    const stored = await backend.db.sql<{ n: string }>(
      "SELECT count(*) AS n FROM messages WHERE content LIKE 'load %'",
    );
    expect(Number(stored.rows[0]!.n)).toBe(acknowledged.length);
    expect(traffic.totals().ok).toBeGreaterThanOrEqual(acknowledged.length);
  });

  it('fails its start with the reason when the users cannot log in', async () => {
    const traffic = new WorkerTraffic(
      backend.url,
      { ...DEFAULT_TRAFFIC, users: 1, sockets: 0, password: 'wrong' },
      () => backend.db.url,
    );
    await expect(traffic.start()).rejects.toThrow(/user1 cannot log in \(HTTP 401\)/);
    await traffic.stop();
  });
});
