/**
 * gameday's HTTP request path as a closed-loop generator, for http-peers.ts: the synthetic users'
 * own client (src/core/http-client.ts over a keep-alive agent, JSON parsed) with --connections
 * requests in flight for --duration seconds; every latency recorded.
 *
 *   node --import tsx bench/peers/http-generator.ts --url http://127.0.0.1:PORT/ --connections 50 --duration 10
 */

import http from 'node:http';
import { parseArgs } from 'node:util';
import { httpRequest } from '../../src/core/http-client.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
  },
});
const connections = Number(values.connections);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latencies: number[] = [];
let errors = 0;
let non2xx = 0;
let stop = false;

async function worker(): Promise<void> {
  while (!stop) {
    const started = performance.now();
    try {
      const response = await httpRequest(values.url!, { agent });
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
agent.destroy();
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
