import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralRange, freePort } from '../../src/core/free-port.ts';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const close = (server: net.Server) => new Promise((resolve) => server.close(resolve));

/**
 * A picked port is bound later by another process. The race CI lost: the port came from the
 * kernel's ephemeral range and a `listen(0)` elsewhere took it first. Picked ports stay out of
 * that range, so nothing the kernel hands out meanwhile can be one of them.
 */
describe('freePort', () => {
  it('picks ports outside the ephemeral range, never twice, each free to bind', async () => {
    const [low, high] = ephemeralRange();
    const picked = [];
    for (let i = 0; i < 200; i++) picked.push(await freePort());
    expect(new Set(picked).size).toBe(200);
    for (const port of picked) expect(port < low || port > high).toBe(true);
    const servers = await Promise.all(picked.slice(0, 20).map(listen));
    await Promise.all(servers.map(close));
  });

  it('no port the kernel hands to others meanwhile is one it picked', async () => {
    const picked = new Set<number>();
    for (let i = 0; i < 50; i++) picked.add(await freePort());
    // Many listen(0)s, as other tests and stacks on the machine make while ours start.
    const others = await Promise.all(Array.from({ length: 300 }, () => listen(0)));
    const taken = others.map((server) => (server.address() as net.AddressInfo).port);
    await Promise.all(others.map(close));
    expect(taken.filter((port) => picked.has(port))).toEqual([]);
    for (const port of picked) await close(await listen(port));
  });
});
