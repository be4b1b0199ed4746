import net from 'node:net';
import pg from 'pg';
import type { Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';
import { Toxiproxy } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percentile } from '../../bench/stats.ts';
import { type FaultProxyServer, startFaultProxy } from '../../src/proxy/toxiproxy-api.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

/**
 * The proxy's faults measured on real traffic: an echo server and a bulk sender behind it, and
 * PostgreSQL through it.
 */
let server: FaultProxyServer;
let client: Toxiproxy;
let echo: net.Server;
let bulk: net.Server;
const BULK_BYTES = 1_000_000;

beforeAll(async () => {
  server = await startFaultProxy();
  client = new Toxiproxy(server.url);
  echo = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  bulk = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(Buffer.alloc(BULK_BYTES, 7));
  });
  await Promise.all(
    [echo, bulk].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))),
  );
});
afterAll(async () => {
  await server?.close();
  echo?.close();
  bulk?.close();
});

const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;
const listenPort = (proxy: ToxiproxyProxy) => Number(proxy.listen.split(':').pop());

async function proxyTo(name: string, target: net.Server): Promise<ToxiproxyProxy> {
  return client.createProxy({ name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${portOf(target)}` });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Round trip of one small message on an open echo connection, in ms. */
function roundTrip(socket: net.Socket, payload = 'ping'): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    socket.once('data', () => resolve(performance.now() - started));
    socket.write(payload);
  });
}

async function roundTrips(port: number, count: number): Promise<number[]> {
  const socket = await connect(port);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await roundTrip(socket));
  socket.destroy();
  return samples;
}

/** How the connection ended: 'end' (FIN), 'reset' (ECONNRESET) or 'open' after `waitMs`. */
function outcome(
  socket: net.Socket,
  waitMs: number,
): Promise<{ kind: 'end' | 'reset' | 'open'; atMs: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'open', atMs: waitMs }), waitMs);
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ kind: error.code === 'ECONNRESET' ? 'reset' : 'end', atMs: performance.now() - started });
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ kind: 'end', atMs: performance.now() - started });
    });
    socket.resume();
  });
}

describe('latency', () => {
  it('adds latency within ±(jitter + 10 ms) per round trip, and removal restores the baseline', async () => {
    const proxy = await proxyTo('latency', echo);
    const port = listenPort(proxy);
    const baseline = percentile(await roundTrips(port, 20), 0.5);
    const toxic = await proxy.addToxic({
      type: 'latency',
      attributes: { latency: 100, jitter: 20 },
    } as never);
    const delayed = await roundTrips(port, 20);
    for (const sample of delayed) {
      const added = sample - baseline;
      expect(added).toBeGreaterThanOrEqual(100 - 20 - 10);
      expect(added).toBeLessThanOrEqual(100 + 20 + 10);
    }
    // Jitter really varies the delay.
    expect(Math.max(...delayed) - Math.min(...delayed)).toBeGreaterThan(5);
    await toxic.remove();
    expect(percentile(await roundTrips(port, 20), 0.5)).toBeLessThan(baseline + 10);
  });

  it('applies to connections that are already open, and upstream latency delays requests', async () => {
    const proxy = await proxyTo('latency-live', echo);
    const socket = await connect(listenPort(proxy));
    expect(await roundTrip(socket)).toBeLessThan(50);
    await proxy.addToxic({ type: 'latency', stream: 'upstream', attributes: { latency: 80 } } as never);
    const delayed = await roundTrip(socket);
    expect(delayed).toBeGreaterThanOrEqual(70);
    expect(delayed).toBeLessThanOrEqual(90 + 10);
    socket.destroy();
  });

  it('never applies at toxicity 0', async () => {
    const proxy = await proxyTo('latency-zero', echo);
    await proxy.addToxic({ type: 'latency', toxicity: 0, attributes: { latency: 500 } } as never);
    expect(Math.max(...(await roundTrips(listenPort(proxy), 5)))).toBeLessThan(100);
  });
});

describe('bandwidth', () => {
  /** The whole bulk body through a 1,000 KB/s bandwidth toxic: bytes received and KB/s. `during` runs once connected. */
  async function throttledTransfer(
    name: string,
    during = () => {},
  ): Promise<{ received: number; rateKBps: number }> {
    const proxy = await proxyTo(name, bulk);
    await proxy.addToxic({ type: 'bandwidth', attributes: { rate: 1000 } } as never);
    const socket = await connect(listenPort(proxy));
    const started = performance.now();
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    during();
    await new Promise((resolve) => socket.once('close', resolve));
    return { received, rateKBps: received / 1000 / ((performance.now() - started) / 1000) };
  }

  it('limits throughput to the rate (KB/s, 1 KB = 1000 bytes) within ±10 %', async () => {
    const { received, rateKBps } = await throttledTransfer('bandwidth');
    expect(received).toBe(BULK_BYTES);
    expect(rateKBps).toBeGreaterThan(1000 * 0.9);
    expect(rateKBps).toBeLessThan(1000 * 1.1);
  });

  it('keeps the rate when its timers fire late (a busy machine): the overrun is credited, as in Toxiproxy', async () => {
    // A 300 ms stall of the whole process a fifth of the way in: every timer due then fires late.
    const { received, rateKBps } = await throttledTransfer('bandwidth-late', () =>
      setTimeout(() => {
        const until = performance.now() + 300;
        while (performance.now() < until);
      }, 200),
    );
    expect(received).toBe(BULK_BYTES);
    // Without the credit the stall is added to the transfer: about 1,000 / 1.3 = 770 KB/s.
    expect(rateKBps).toBeGreaterThan(1000 * 0.9);
    expect(rateKBps).toBeLessThan(1000 * 1.1);
  });
});

describe('connection faults', () => {
  it('timeout 0 drops data and holds the connection; removal closes it; new connections work', async () => {
    const proxy = await proxyTo('timeout-zero', echo);
    const toxic = await proxy.addToxic({ type: 'timeout', attributes: { timeout: 0 } } as never);
    const socket = await connect(listenPort(proxy));
    let echoed = 0;
    socket.on('data', (chunk: Buffer) => {
      echoed += chunk.length;
    });
    socket.write('lost');
    const held = await outcome(socket, 300);
    expect(held.kind).toBe('open');
    expect(echoed).toBe(0);
    const closed = outcome(socket, 2_000);
    await toxic.remove();
    expect((await closed).kind).toBe('end');
    expect(echoed).toBe(0);
    expect(await roundTrips(listenPort(proxy), 1)).toHaveLength(1);
  });

  it('timeout N closes the connection after N ms without data', async () => {
    const proxy = await proxyTo('timeout-n', echo);
    await proxy.addToxic({ type: 'timeout', attributes: { timeout: 200 } } as never);
    const socket = await connect(listenPort(proxy));
    const result = await outcome(socket, 2_000);
    expect(result.kind).toBe('end');
    expect(result.atMs).toBeGreaterThanOrEqual(190);
    expect(result.atMs).toBeLessThan(400);
  });

  it('reset_peer resets the connection (ECONNRESET) after its timeout once data flows', async () => {
    const proxy = await proxyTo('reset', echo);
    await proxy.addToxic({ type: 'reset_peer', stream: 'upstream', attributes: { timeout: 100 } } as never);
    const socket = await connect(listenPort(proxy));
    const result = outcome(socket, 2_000);
    socket.write('trigger');
    const { kind, atMs } = await result;
    expect(kind).toBe('reset');
    expect(atMs).toBeGreaterThanOrEqual(90);
    expect(atMs).toBeLessThan(300);
  });

  it('limit_data closes the connection after the given bytes', async () => {
    const proxy = await proxyTo('limit', bulk);
    await proxy.addToxic({ type: 'limit_data', attributes: { bytes: 12_345 } } as never);
    const socket = await connect(listenPort(proxy));
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    await new Promise((resolve) => socket.once('close', resolve));
    expect(received).toBe(12_345);
  });

  it('slicer delivers every byte, in more pieces', async () => {
    const proxy = await proxyTo('slicer', echo);
    await proxy.addToxic({
      type: 'slicer',
      attributes: { average_size: 10, size_variation: 5, delay: 1000 },
    } as never);
    const socket = await connect(listenPort(proxy));
    const payload = 'x'.repeat(200);
    const pieces: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        pieces.push(chunk);
        if (Buffer.concat(pieces).length >= payload.length) resolve();
      });
    });
    socket.write(payload);
    await done;
    socket.destroy();
    expect(Buffer.concat(pieces).toString()).toBe(payload);
    expect(pieces.length).toBeGreaterThan(5);
  });

  it('slow_close delays the close by its delay', async () => {
    const proxy = await proxyTo('slow-close', bulk);
    await proxy.addToxic({ type: 'slow_close', attributes: { delay: 300 } } as never);
    const socket = await connect(listenPort(proxy));
    const started = performance.now();
    socket.resume();
    await new Promise((resolve) => socket.once('close', resolve));
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('enabled=false refuses new connections and cuts open ones; re-enabling restores the same port', async () => {
    const proxy = await proxyTo('disable', echo);
    const port = listenPort(proxy);
    const open = await connect(port);
    const cut = outcome(open, 2_000);
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect((await cut).kind).toBe('end');
    await expect(connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    expect(await roundTrips(port, 3)).toHaveLength(3);
  });
});

describe('PostgreSQL through the proxy', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let proxy: ToxiproxyProxy;
  beforeAll(async () => {
    db = await createTestDatabase();
    const target = new URL(db.url);
    proxy = await client.createProxy({
      name: 'postgres',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${target.port}`,
    });
    target.port = String(listenPort(proxy));
    pool = new pg.Pool({ connectionString: target.toString(), max: 5 });
    pool.on('error', () => undefined); // idle connections die when the test disables the proxy
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('runs a pool of concurrent queries and transactions (commit and rollback)', async () => {
    const counts = await Promise.all(
      Array.from({ length: 20 }, () => pool.query<{ n: string }>('SELECT count(*) AS n FROM messages')),
    );
    expect(new Set(counts.map((r) => r.rows[0]!.n)).size).toBe(1);
    const connection = await pool.connect();
    try {
      await connection.query('BEGIN');
      await connection.query(`INSERT INTO conversations (id, title) VALUES ('via-proxy', 'committed')`);
      await connection.query('COMMIT');
      await connection.query('BEGIN');
      await connection.query(`INSERT INTO conversations (id, title) VALUES ('rolled-back', 'not kept')`);
      await connection.query('ROLLBACK');
    } finally {
      connection.release();
    }
    const { rows } = await db.sql<{ id: string }>(
      `SELECT id FROM conversations WHERE id IN ('via-proxy', 'rolled-back')`,
    );
    expect(rows.map((r) => r.id)).toEqual(['via-proxy']);
  });

  it('adds latency to every query, and a disabled proxy fails them', async () => {
    const toxic = await proxy.addToxic({ type: 'latency', attributes: { latency: 50 } } as never);
    const started = performance.now();
    await pool.query('SELECT 1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    await toxic.remove();
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    await expect(pool.query('SELECT 1')).rejects.toThrow();
    await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(rows[0]?.one).toBe(1);
  });
});
