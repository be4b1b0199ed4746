import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import pg from 'pg';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_PASSWORD } from '../../fixtures/chat-backend/db/seed.ts';
import { httpRequest } from '../../src/core/http-client.ts';
import { waitUntil } from '../../src/core/wait.ts';
import { ChatClient, type ChatMessage, emitWithAck } from '../../src/load/chat-client.ts';
import { EmbeddedStack } from '../../src/stack/embedded/embedded-stack.ts';
import { processStartTime, stackRegistry } from '../../src/stack/embedded/stack-registry.ts';

let stack: EmbeddedStack;
const clients: ChatClient[] = [];

beforeAll(async () => {
  // Below the harness's priority, to see that the database's sessions (forked later) inherit it.
  process.env.GAMEDAY_STACK_NICENESS = '10';
  stack = await EmbeddedStack.up({ seed: 'tiny', replicas: 1, maxConnections: 120 });
});
afterAll(async () => {
  delete process.env.GAMEDAY_STACK_NICENESS;
  for (const client of clients) client.close();
  await stack?.down();
});

async function user(baseUrl: string, name = 'user1'): Promise<ChatClient> {
  const client = new ChatClient({ baseUrl });
  clients.push(client);
  expect((await client.login(name, SEED_PASSWORD)).status).toBe(200);
  return client;
}

const info = (url: string) =>
  httpRequest<{ release: string; pid: number; pool: { max: number } }>(`${url}/admin/info`, {
    token: stack.secrets.adminToken,
  });

describe('the embedded stack', () => {
  it('serves the chat through the front, with the database and the store behind the fault proxy', async () => {
    const health = await httpRequest<{ status: string }>(
      `${stack.endpoints.frontUrl}/api/v1/health/database`,
    );
    expect(health.status).toBe(200);
    const proxies = await httpRequest<Record<string, { upstream: string }>>(
      `${stack.endpoints.proxyApiUrl}/proxies`,
    );
    expect(Object.keys(proxies.body).sort()).toEqual(['object-store', 'postgres', 'postgres-replica']);
    const client = await user(stack.endpoints.frontUrl);
    const [conversation] = (await client.conversations()).body.conversations;
    expect((await client.sendMessage(conversation!.id, 'through the whole stack')).status).toBe(201);
    expect((await client.uploadAttachment(conversation!.id, Buffer.from('file'))).status).toBe(201);
    const status = await stack.status();
    expect(status.every((component) => component.state === 'running')).toBe(true);
  });

  it('with GAMEDAY_STACK_NICENESS, runs below the harness’s priority: the replicas and each database session, forked after it started', async () => {
    const wanted = Math.min(19, os.getPriority() + 10);
    const replica = (await info(stack.backend.replicas()[0]!.url)).body.pid;
    expect(os.getPriority(replica)).toBe(wanted);
    const session = new pg.Client({ connectionString: stack.endpoints.database.primaryAdminUrl });
    await session.connect();
    try {
      const { rows } = await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(os.getPriority(rows[0]!.pid)).toBe(wanted);
    } finally {
      await session.end();
    }
  });

  it('passes the real client address through the front (per-IP controls see it)', async () => {
    const client = new ChatClient({ baseUrl: stack.endpoints.frontUrl, localAddress: '127.0.0.77' });
    clients.push(client);
    await client.login('user1', 'wrong password');
    const metrics = (await httpRequest<string>(`${stack.backend.replicas()[0]!.url}/metrics`)).body;
    expect(metrics).toMatch(/auth_failures_total\{source_ip="127\.0\.0\.77"/);
  });

  it('runs PostgreSQL with the max_connections asked for, on the primary and its replica', async () => {
    for (const url of [stack.endpoints.database.primaryAdminUrl, stack.endpoints.database.replicaAdminUrl]) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        expect((await client.query('SHOW max_connections')).rows[0].max_connections).toBe('120');
      } finally {
        await client.end();
      }
    }
  });

  it('streams every write to the replica', async () => {
    const primary = new pg.Client({ connectionString: stack.endpoints.database.primaryAdminUrl });
    const replica = new pg.Client({ connectionString: stack.endpoints.database.replicaAdminUrl });
    await Promise.all([primary.connect(), replica.connect()]);
    try {
      await primary.query(
        `INSERT INTO conversations (id, title) VALUES ('replicated', 'written on the primary')`,
      );
      const row = await waitUntil(
        async () => (await replica.query(`SELECT title FROM conversations WHERE id = 'replicated'`)).rows[0],
        { timeoutMs: 5_000, what: 'the row to reach the replica' },
      );
      expect(row.title).toBe('written on the primary');
      await expect(replica.query(`INSERT INTO conversations (id, title) VALUES ('x', 'y')`)).rejects.toThrow(
        /read-only transaction/,
      );
    } finally {
      await Promise.all([primary.end(), replica.end()]);
    }
  });
});

describe('the backend deployment', () => {
  it('deploys a release, shows the history, and rolls back to the previous release', async () => {
    await stack.backend.deploy('1.5.0');
    expect((await info(stack.endpoints.frontUrl)).body.release).toBe('1.5.0');
    const rolledBack = await stack.backend.undo();
    expect(rolledBack.release).toBe('1.4.2');
    expect(stack.backend.replicas().every((replica) => replica.release === '1.4.2')).toBe(true);
    expect((await info(stack.endpoints.frontUrl)).body.release).toBe('1.4.2');
    expect(stack.backend.history().map((revision) => [revision.revision, revision.release])).toEqual([
      [1, '1.4.2'],
      [2, '1.5.0'],
      [3, '1.4.2'],
    ]);
    expect(stack.backend.history()[2]!.changeCause).toBe('rollback to revision 1 (release 1.4.2)');
  });

  it('set env restarts every replica with the new value', async () => {
    const before = stack.backend.replicas().map((replica) => replica.pid);
    await stack.backend.setEnv({ DATABASE_POOL_MAX: '7' });
    const after = stack.backend.replicas();
    expect(after.map((replica) => replica.pid)).not.toEqual(before);
    for (const replica of after) expect((await info(replica.url)).body.pool.max).toBe(7);
  });

  it('scales to 3 replicas; the front spreads connections evenly; chat works across replicas', async () => {
    await stack.backend.scale(3);
    const replicas = stack.backend.replicas();
    expect(replicas).toHaveLength(3);
    const client = await user(stack.endpoints.frontUrl, 'user2');
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 30; i++) sockets.push(await client.connect());
      const spread = await stack.backend.connectionSpread();
      const active = spread
        .filter((entry) => replicas.some((r) => r.name === entry.name))
        .map((entry) => entry.active);
      expect(active).toHaveLength(3);
      expect(Math.min(...active)).toBeGreaterThanOrEqual(9);
      expect(Math.max(...active)).toBeLessThanOrEqual(11);

      // A message sent to one replica reaches a socket held by another.
      const receiver = await user(replicas[2]!.url, 'user2');
      const socket = await receiver.connect();
      sockets.push(socket);
      const [conversation] = (await receiver.conversations()).body.conversations;
      expect(await emitWithAck(socket, 'conversation:join', conversation!.id)).toEqual({ ok: true });
      const received: ChatMessage[] = [];
      socket.on('message:new', (message: ChatMessage) => received.push(message));
      const sender = await user(replicas[0]!.url, 'user2');
      const sent = await sender.sendMessage(conversation!.id, 'from replica one');
      expect(sent.status).toBe(201);
      await waitUntil(() => received.length > 0, { timeoutMs: 5_000, what: 'the message to cross replicas' });
      expect(received[0]?.message_id).toBe(sent.body.message_id);
    } finally {
      for (const socket of sockets) socket.close();
    }
  });

  it('restarts a replica that crashes', async () => {
    const victim = stack.backend.replicas()[0]!;
    stack.backend.killReplica(victim.name);
    const restarted = await waitUntil(
      () => stack.backend.replicas().find((r) => r.name === victim.name && r.restarts === 1 && r.ready),
      { timeoutMs: 20_000, what: 'the crashed replica to be restarted' },
    );
    expect(restarted.pid).not.toBe(victim.pid);
    expect((await httpRequest(`${restarted.url}/api/v1/health`)).status).toBe(200);
  });
});

describe('the replica, started from the seed snapshot beside the primary', () => {
  it('streams at the fewest connections a stack may ask for (a standby refuses a copy last run with more)', async () => {
    // The snapshot's last run is recorded in its control file; a standby allowing fewer connections than
    // that refuses to start, so the snapshot is stopped at the floor (the scenario schema's minimum).
    const small = await EmbeddedStack.up({ seed: 'tiny', replicas: 1, maxConnections: 20 });
    const replica = new pg.Client({ connectionString: small.endpoints.database.replicaAdminUrl });
    try {
      await replica.connect();
      const { rows } = await replica.query<{ recovering: boolean; users: string; limit: string }>(
        `SELECT pg_is_in_recovery() AS recovering, (SELECT count(*) FROM users) AS users,
                current_setting('max_connections') AS limit`,
      );
      expect(rows[0]).toEqual({ recovering: true, users: expect.stringMatching(/^[1-9]\d*$/), limit: '20' });
      // Caught up with what the primary did after it started from the same copy: the app role's new password.
      const app = new pg.Client({ connectionString: small.endpoints.database.replicaAppUrl });
      await app.connect();
      await app.end();
    } finally {
      await replica.end().catch(() => undefined);
      await small.down();
    }
  });

  it('refuses fewer connections than that floor, saying what to ask for, before starting anything', async () => {
    await expect(EmbeddedStack.up({ seed: 'tiny', maxConnections: 10 })).rejects.toThrow(
      /maxConnections 10: .* needs at least 20 .* ask for 20 or more/,
    );
  });
});

describe('failover', () => {
  it('promotes the replica to a writable primary', async () => {
    await stack.database.stopPrimary('immediate');
    expect(stack.database.primaryRunning()).toBe(false);
    await stack.database.promoteReplica();
    const replica = new pg.Client({ connectionString: stack.endpoints.database.replicaAdminUrl });
    await replica.connect();
    try {
      await replica.query(`INSERT INTO conversations (id, title) VALUES ('after-failover', 'writable')`);
      const { rows } = await replica.query(
        `SELECT id FROM conversations WHERE id IN ('replicated', 'after-failover')`,
      );
      expect(rows.map((r) => r.id).sort()).toEqual(['after-failover', 'replicated']);
    } finally {
      await replica.end();
    }
  });
});

describe('teardown', () => {
  it('leaves no process, no listening port and no data directory', async () => {
    const record = (await stackRegistry.list()).find((r) => r.id === stack.id)!;
    expect(record.processes.length).toBeGreaterThanOrEqual(6);
    const frontPort = Number(new URL(stack.endpoints.frontUrl).port);
    await stack.down();
    for (const tracked of record.processes) {
      expect(await processStartTime(tracked.pid), tracked.name).not.toBe(tracked.startTime);
    }
    await expect(
      new Promise((resolve, reject) => {
        const socket = net.connect(frontPort, '127.0.0.1', () => resolve(socket.destroy()));
        socket.once('error', reject);
      }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(fs.access(stack.root)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await stackRegistry.list()).some((r) => r.id === stack.id)).toBe(false);
  });
});
