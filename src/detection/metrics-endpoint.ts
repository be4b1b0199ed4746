import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatPrometheusText, type Sample } from './prometheus-text.ts';

/** What an endpoint serves on each scrape; undefined while nothing is attached (between scenarios). */
export type Collect = () => Promise<Sample[]>;

/**
 * One exporter's `/metrics` over HTTP on a loopback port, as postgres_exporter or kube-state-metrics
 * serve theirs, for a real Prometheus to scrape. What it serves is attached per scenario (the
 * exporter's session, the acknowledged messages it compares) and detached after; meanwhile it serves
 * an empty page, so Prometheus marks the series stale as it would for a job with nothing to say.
 */
export class MetricsEndpoint {
  private collect: Collect | undefined;

  private constructor(
    readonly name: string,
    private readonly server: http.Server,
  ) {}

  /** Listens on `listen` (host:port; port 0 picks a free one). */
  static async start(name: string, listen = '127.0.0.1:0'): Promise<MetricsEndpoint> {
    const [host, port] = [
      listen.slice(0, listen.lastIndexOf(':')),
      Number(listen.slice(listen.lastIndexOf(':') + 1)),
    ];
    let endpoint: MetricsEndpoint | undefined;
    const server = http.createServer((request, response) => {
      if (request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404).end('not found: /metrics only\n');
        return;
      }
      void (endpoint?.collect?.() ?? Promise.resolve([])).then(
        (samples) => {
          response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          response.end(formatPrometheusText(samples));
        },
        (error: Error) => response.writeHead(500).end(`${error.message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    endpoint = new MetricsEndpoint(name, server);
    return endpoint;
  }

  /** host:port, as a Prometheus static target. */
  get target(): string {
    const address = this.server.address() as AddressInfo;
    return `${address.address}:${address.port}`;
  }

  get url(): string {
    return `http://${this.target}/metrics`;
  }

  attach(collect: Collect): void {
    this.collect = collect;
  }

  detach(collect: Collect): void {
    if (this.collect === collect) this.collect = undefined;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
