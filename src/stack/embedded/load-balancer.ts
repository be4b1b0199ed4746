import http from 'node:http';
import net from 'node:net';

export interface BackendTarget {
  name: string;
  port: number;
}

export interface BackendStats extends BackendTarget {
  active: number;
  total: number;
}

export interface LoadBalancer {
  port: number;
  controlPort: number;
  setBackends(backends: BackendTarget[]): void;
  stats(): BackendStats[];
  close(): Promise<void>;
}

/**
 * The stack's front: a layer-4 load balancer, as a Kubernetes Service is. Each new TCP connection
 * (an HTTP keep-alive connection or a WebSocket) goes to the next replica in turn. The upstream
 * connection is opened from the client's own source address, so each replica sees the real client
 * IP (every 127.x address is local) and per-IP limits, block lists and `netstat` work as in production.
 *
 * A small HTTP control API lets the supervisor change the replica set: PUT /backends, GET /stats.
 */
export async function startLoadBalancer(
  options: { port?: number; controlPort?: number } = {},
): Promise<LoadBalancer> {
  let backends: BackendTarget[] = [];
  const stats = new Map<string, BackendStats>();
  let next = 0;
  const sockets = new Set<net.Socket>();

  // Connections being opened, per replica: counted at once so a burst does not all pick the same one.
  const opening = new Map<string, number>();
  const load = (name: string) => (stats.get(name)?.active ?? 0) + (opening.get(name) ?? 0);

  // Least connections, ties taken in turn (HAProxy's `balance leastconn`, advised for WebSockets):
  // long-lived sockets stay where they landed, so a new or restarted replica must be preferred.
  const pick = (skip: Set<string>): BackendTarget | undefined => {
    let best: { target: BackendTarget; offset: number } | undefined;
    for (let i = 0; i < backends.length; i++) {
      const candidate = backends[(next + i) % backends.length]!;
      if (skip.has(candidate.name)) continue;
      if (!best || load(candidate.name) < load(best.target.name)) best = { target: candidate, offset: i };
    }
    if (best) next = (next + best.offset + 1) % backends.length;
    return best?.target;
  };

  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    client.pause();
    const tried = new Set<string>();
    const connect = () => {
      const target = pick(tried);
      if (!target) {
        client.destroy();
        return;
      }
      tried.add(target.name);
      opening.set(target.name, (opening.get(target.name) ?? 0) + 1);
      const opened = () => opening.set(target.name, (opening.get(target.name) ?? 1) - 1);
      const upstream = net.connect({
        port: target.port,
        host: '127.0.0.1',
        localAddress: client.remoteAddress?.replace(/^::ffff:/, ''),
      });
      // Refused before connecting: the replica is gone or not listening yet; try the next one.
      upstream.once('error', () => {
        opened();
        upstream.destroy();
        connect();
      });
      upstream.once('connect', () => {
        opened();
        upstream.removeAllListeners('error');
        upstream.on('error', () => client.destroy());
        sockets.add(upstream);
        const entry = stats.get(target.name);
        if (entry) {
          entry.active += 1;
          entry.total += 1;
        }
        upstream.on('close', () => {
          sockets.delete(upstream);
          const current = stats.get(target.name);
          if (current) current.active -= 1;
          client.destroy();
        });
        client.on('close', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        client.resume();
      });
    };
    connect();
  });

  const setBackends = (targets: BackendTarget[]) => {
    backends = [...targets];
    for (const target of targets) {
      const existing = stats.get(target.name);
      if (!existing) stats.set(target.name, { ...target, active: 0, total: 0 });
    }
    for (const [name, entry] of stats) {
      if (!targets.some((target) => target.name === name) && entry.active <= 0) stats.delete(name);
    }
  };
  const currentStats = () =>
    [...stats.values()].filter((entry) => backends.some((b) => b.name === entry.name) || entry.active > 0);

  const control = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/stats') {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ backends: currentStats() }));
      return;
    }
    if (request.method === 'PUT' && request.url === '/backends') {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        try {
          const parsed = JSON.parse(body) as { backends: BackendTarget[] };
          setBackends(parsed.backends);
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ backends: currentStats() }));
        } catch (error) {
          response.writeHead(400).end((error as Error).message);
        }
      });
      return;
    }
    response.writeHead(404).end();
  });

  const listen = (target: net.Server | http.Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      target.once('error', reject);
      target.listen(port, '127.0.0.1', () => resolve((target.address() as net.AddressInfo).port));
    });
  const port = await listen(server, options.port ?? 0);
  const controlPort = await listen(control, options.controlPort ?? 0);

  return {
    port,
    controlPort,
    setBackends,
    stats: currentStats,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      control.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        new Promise<void>((resolve) => control.close(() => resolve())),
      ]);
    },
  };
}
