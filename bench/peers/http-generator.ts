/**
 * gameday's HTTP request path as a closed-loop generator, for http-peers.ts: the synthetic users'
 * own client (src/core/http-pool.ts, keep-alive over undici, JSON parsed) with --connections
 * requests in flight on as many connections for --duration seconds; every latency recorded.
 *
 *   node --import tsx bench/peers/http-generator.ts --url http://127.0.0.1:PORT/ --connections 50 --duration 10
 */

import { parseArgs } from 'node:util';
import { HttpPool } from '../../src/core/http-pool.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
  },
});
const connections = Number(values.connections);
const url = new URL(values.url!);
const pool = new HttpPool(url.origin, { connections });
const latencies: number[] = [];
let errors = 0;
let non2xx = 0;
let stop = false;

async function worker(): Promise<void> {
  while (!stop) {
    const started = performance.now();
    try {
      const response = await pool.request(url.pathname);
      latencies.push(performance.now() - started);
      if (response.status < 200 || response.status >= 300) non2xx++;
    } catch {
      errors++;
    }
  }
}

const started = performance.now();
setTimeout(() => (stop = true), Number(values.duration) * 1000);
await Promise.all(Array.from({ length: connections }, worker));
const seconds = (performance.now() - started) / 1000;
pool.close();
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!;
console.log(
  JSON.stringify({
    requests: latencies.length,
    reqPerS: latencies.length / seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    errors,
    non2xx,
  }),
);
