import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../src/core/wait.ts';
import { DEFAULT_TRAFFIC, LoadGenerator } from '../../src/load/load-generator.ts';
import { SEED_PASSWORD } from '../../src/stack/reference-backend.ts';
import { startTestBackend, type TestBackend } from '../support/test-backend.ts';

/**
 * Each synthetic user holds one keep-alive HTTP connection, as a closed loop of one request at a time
 * needs. The stack's front balances connections, not requests: a user that also kept a second, idle
 * connection would put its traffic on one replica and its idle connection on the other, and a scrape
 * through the front would land on the quiet one (the Kubernetes example's alerts then never fired).
 */
let backend: TestBackend;
let front: net.Server;
let frontUrl: string;
let accepted = 0;
let open = 0;

beforeAll(async () => {
  backend = await startTestBackend();
  const target = new URL(backend.url);
  front = net.createServer((client) => {
    accepted += 1;
    open += 1;
    client.on('close', () => {
      open -= 1;
    });
    const upstream = net.connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  frontUrl = `http://127.0.0.1:${(front.address() as net.AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  front?.close();
  await backend?.close();
});

describe('the synthetic users’ connections', () => {
  it('are one HTTP connection per user and one per socket, for every kind of request', async () => {
    const users = 4;
    const sockets = 2;
    let acknowledged = 0;
    const generator = new LoadGenerator(
      frontUrl,
      { ...DEFAULT_TRAFFIC, users, sockets, password: SEED_PASSWORD, sourceAddresses: ['127.0.0.1'] },
      () => {
        acknowledged += 1;
      },
    );
    await generator.start();
    await sleep(2_000);
    await generator.stop();
    expect(acknowledged).toBeGreaterThan(10);
    expect(accepted).toBe(users + sockets);
  });

  it('are all closed again when one user cannot log in, and the start fails with the reason', async () => {
    // The tiny seed has 50 users: the 51st is refused after the others have logged in.
    const generator = new LoadGenerator(
      frontUrl,
      { ...DEFAULT_TRAFFIC, users: 51, sockets: 0, password: SEED_PASSWORD, sourceAddresses: ['127.0.0.1'] },
      () => undefined,
    );
    const before = accepted;
    await expect(generator.start()).rejects.toThrow(/user51 cannot log in \(HTTP 401\)/);
    expect(accepted - before).toBe(51);
    const deadline = Date.now() + 5_000;
    while (open > 0 && Date.now() < deadline) await sleep(50);
    expect(open, 'connections left open by the failed start').toBe(0);
  });
});
