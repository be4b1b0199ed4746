import { Worker } from 'node:worker_threads';
import { formatPrometheusText, type Sample } from './prometheus-text.ts';

/**
 * The HTTP side of the endpoints, in a worker thread with its own event loop: the harness's main
 * thread carries the load generator's thousands of sockets, and when it lags past Prometheus's scrape
 * timeout (its interval, 250 ms) a scrape served there would fail, the target go down and its series
 * stale, resetting every alert's "for". The worker only serves the last page each endpoint was given.
 */
const WORKER = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const servers = new Map();
parentPort.on('message', (message) => {
  if (message.type === 'listen') {
    const entry = { page: '', at: 0, freshMs: Infinity };
    const server = http.createServer((request, response) => {
      if ((request.url || '').split('?')[0] !== '/metrics') {
        response.writeHead(404).end('not found: /metrics only\\n');
        return;
      }
      const fresh = Date.now() - entry.at <= entry.freshMs;
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      response.end(fresh ? entry.page : '');
    });
    entry.server = server;
    servers.set(message.id, entry);
    server.once('error', (error) => parentPort.postMessage({ type: 'error', id: message.id, message: error.message }));
    server.listen(message.port, message.host, () =>
      parentPort.postMessage({ type: 'listening', id: message.id, address: server.address() }),
    );
  } else if (message.type === 'page') {
    const entry = servers.get(message.id);
    if (entry) Object.assign(entry, { page: message.page, at: Date.now(), freshMs: message.freshMs });
  } else if (message.type === 'close') {
    const entry = servers.get(message.id);
    servers.delete(message.id);
    if (!entry) return parentPort.postMessage({ type: 'closed', id: message.id });
    entry.server.closeAllConnections();
    entry.server.close(() => parentPort.postMessage({ type: 'closed', id: message.id }));
  }
});
`;

let shared: { worker: Worker; users: number } | undefined;
let nextId = 1;

function workerRef(): Worker {
  if (!shared) {
    const worker = new Worker(WORKER, { eval: true });
    worker.unref();
    shared = { worker, users: 0 };
  }
  shared.users += 1;
  return shared.worker;
}

async function releaseWorker(): Promise<void> {
  if (!shared) return;
  shared.users -= 1;
  if (shared.users > 0) return;
  const { worker } = shared;
  shared = undefined;
  await worker.terminate();
}

function reply<T>(worker: Worker, id: number, types: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string; id: number; message?: string }) => {
      if (message.id !== id || !types.includes(message.type)) return;
      worker.off('message', onMessage);
      if (message.type === 'error') reject(new Error(message.message));
      else resolve(message as T);
    };
    worker.on('message', onMessage);
  });
}

/**
 * One exporter's `/metrics` over HTTP on a loopback port, as postgres_exporter or kube-state-metrics
 * serve theirs, for a real Prometheus to scrape: it serves the last page it was given while that page
 * is fresh (then an empty one, so Prometheus marks the series stale, as gameday's own store does).
 */
export class MetricsEndpoint {
  private closed: Promise<void> | undefined;

  private constructor(
    readonly name: string,
    private readonly worker: Worker,
    private readonly id: number,
    readonly target: string,
  ) {}

  /** Listens on `listen` (host:port; port 0 picks a free one). */
  static async start(name: string, listen = '127.0.0.1:0'): Promise<MetricsEndpoint> {
    const host = listen.slice(0, listen.lastIndexOf(':'));
    const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
    const worker = workerRef();
    const id = nextId++;
    const listening = reply<{ address: { address: string; port: number } }>(worker, id, [
      'listening',
      'error',
    ]);
    worker.postMessage({ type: 'listen', id, host, port });
    try {
      const { address } = await listening;
      return new MetricsEndpoint(name, worker, id, `${address.address}:${address.port}`);
    } catch (error) {
      await releaseWorker();
      throw error;
    }
  }

  get url(): string {
    return `http://${this.target}/metrics`;
  }

  /** What it serves from now on, for `freshMs` (then nothing, until the next page). */
  publish(samples: readonly Sample[], freshMs: number): void {
    if (this.closed) return;
    this.worker.postMessage({ type: 'page', id: this.id, page: formatPrometheusText(samples), freshMs });
  }

  /** Serves nothing (between scenarios). */
  clear(): void {
    this.publish([], 0);
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      const closed = reply(this.worker, this.id, ['closed']);
      this.worker.postMessage({ type: 'close', id: this.id });
      await closed;
      await releaseWorker();
    })();
    return this.closed;
  }
}
