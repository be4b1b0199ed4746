import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFisEndpoint } from '../../src/fis/fis-api.ts';
import { ControlServer } from '../../src/responders/control-server.ts';
import { ResponderDesk } from '../../src/responders/responder-desk.ts';
import { EmbeddedStack } from '../../src/stack/embedded/embedded-stack.ts';
import { stackRegistry } from '../../src/stack/embedded/stack-registry.ts';

/**
 * Every port gameday opens is bound to loopback: the stack's (the front, the backend replicas, both
 * PostgreSQL servers, the fault proxy and its Toxiproxy API, the attachment store), the game-day
 * control server and the FIS endpoint. Read from the kernel's own list of listening sockets, and
 * tried from this machine's non-loopback address, which must be refused.
 */
const run = promisify(execFile);
let stateDir: string;
let stack: EmbeddedStack;
let control: ControlServer;
let fis: Awaited<ReturnType<typeof startFisEndpoint>>;

beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-state-ports-'));
  process.env.GAMEDAY_STATE_DIR = stateDir;
  stack = await EmbeddedStack.up({ seed: 'tiny', replicas: 2 });
  control = await ControlServer.start(new ResponderDesk(() => undefined), () => null);
  fis = await startFisEndpoint({
    executor: { resolveTargets: async () => [], start: async () => ({ undo: async () => undefined }) },
  });
}, 120_000);
afterAll(async () => {
  await fis?.close();
  await control?.close();
  await stack?.down();
  await fs.rm(stateDir, { recursive: true, force: true });
});

/** Listening TCP sockets: local address and owning pid, from `ss`. */
async function listening(): Promise<{ address: string; port: number; pid: number }[]> {
  const { stdout } = await run('ss', ['-ltnpH']);
  return stdout
    .trim()
    .split('\n')
    .flatMap((line) => {
      const local = line.trim().split(/\s+/)[3] ?? '';
      const port = Number(local.slice(local.lastIndexOf(':') + 1));
      const address = local.slice(0, local.lastIndexOf(':'));
      return [...line.matchAll(/pid=(\d+)/g)].map((match) => ({ address, port, pid: Number(match[1]) }));
    });
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2_000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('the ports gameday opens', () => {
  it('are bound to loopback only, and refuse this machine’s other address', async () => {
    const [record] = await stackRegistry.list();
    const pids = new Set([process.pid, ...record!.processes.map((p) => p.pid)]);
    const ours = (await listening()).filter((socket) => pids.has(socket.pid));
    // The stack's processes and this one (control server, FIS endpoint): a dozen sockets at least.
    expect(ours.length).toBeGreaterThanOrEqual(10);
    for (const port of [new URL(control.session.url).port, new URL(fis.url).port])
      expect(ours.map((socket) => String(socket.port))).toContain(port);
    expect(ours.filter((socket) => !['127.0.0.1', '[::1]'].includes(socket.address))).toEqual([]);
    const outside = Object.values(os.networkInterfaces())
      .flat()
      .find((nic) => nic && !nic.internal && nic.family === 'IPv4')?.address;
    if (outside) {
      const open = [];
      for (const socket of ours) if (await reachable(outside, socket.port)) open.push(socket.port);
      expect(open).toEqual([]);
    }
  });
});
