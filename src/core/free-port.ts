import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Ports are picked here and bound later by another process (PostgreSQL, a backend replica), so a
 * port the kernel would hand to anyone else in between is a race. Port 0 is exactly that: the kernel
 * picks from its ephemeral range, which every outgoing connection and every other `listen(0)` on the
 * machine draws from too (CI saw the front lose its port to one). So pick below that range instead,
 * at random, and check the port is free now.
 */
const LOWEST_PORT = 20_000;
/** A port handed out is not handed out again by this process for this long, so its owner can bind it. */
const HELD_MS = 60_000;
const handedOut = new Set<number>();

/** The kernel's ephemeral range (Linux; elsewhere the IANA range, which macOS and Windows use). */
export function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low! <= high!) return [low!, high!];
  } catch {
    // not Linux
  }
  return [49_152, 65_535];
}

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** What the kernel picks for `listen(0)`: the fallback when there is no room outside its range. */
function kernelPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        address === null || typeof address === 'string'
          ? reject(new Error('could not read the port the kernel picked'))
          : resolve(address.port),
      );
    });
  });
}

/** A TCP port free on `host` now, outside the kernel's ephemeral range where there is room. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [low] = ephemeralRange();
  const room = low - LOWEST_PORT;
  for (let attempt = 0; room >= 1_000 && attempt < 50; attempt++) {
    const port = LOWEST_PORT + Math.floor(Math.random() * room);
    if (handedOut.has(port) || !(await bindable(port, host))) continue;
    handedOut.add(port);
    setTimeout(() => handedOut.delete(port), HELD_MS).unref();
    return port;
  }
  return kernelPort(host);
}
