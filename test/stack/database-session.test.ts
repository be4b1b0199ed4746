import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseClient } from '../../src/stack/database-session.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

let db: TestDatabase;
let front: net.Server;
const sockets = new Set<net.Socket>();
let url: string;

// The server goes away the way a stopped or cut-off one does: the connection just closes, no
// message first (a terminated backend would say why, which pg treats as a query's error).
beforeAll(async () => {
  db = await createTestDatabase();
  const target = new URL(db.url);
  front = net.createServer((down) => {
    const up = net.connect(Number(target.port), target.hostname);
    for (const [a, b] of [
      [down, up],
      [up, down],
    ] as const) {
      sockets.add(a);
      a.on('error', () => b.destroy());
      a.pipe(b);
    }
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const through = new URL(db.url);
  through.hostname = '127.0.0.1';
  through.port = String((front.address() as net.AddressInfo).port);
  url = through.toString();
});
afterAll(async () => {
  front.close();
  await db.drop();
});

const cut = () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
};

// pg raises a lost connection as an 'error' event as well; unheard, it ended the harness mid-revert
// (Ctrl-C during a point-in-time restore, found by the crash matrix). Without the client's listener
// vitest reports that event as an unhandled error and this file fails.
describe('a session on the stack’s database whose server goes away', () => {
  it('fails the query under way, and nothing else', async () => {
    const client = databaseClient({ connectionString: url });
    await client.connect();
    const sleeping = client.query('SELECT pg_sleep(30)');
    await new Promise((resolve) => setTimeout(resolve, 200));
    cut();
    await expect(sleeping).rejects.toThrow(/Connection terminated unexpectedly/);
    await client.end().catch(() => undefined);
  });

  it('an idle session lost is only a session lost', async () => {
    const client = databaseClient({ connectionString: url });
    await client.connect();
    await client.query('SELECT 1');
    cut();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(client.query('SELECT 1')).rejects.toThrow();
    await client.end().catch(() => undefined);
  });
});
