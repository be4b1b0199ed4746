/**
 * gameday's HTTP load beside autocannon 9 and a plain undici generator, in one run: each closed-loop
 * with the same number of requests in flight against a fresh minimal JSON server (peer-bench's
 * http-server.js, whose own request count checks the generators'); req/s, p50 and p99 latency, and
 * the generator's CPU seconds from GNU time.
 *
 *   npm run bench -- http-peers [--connections 50] [--seconds 10] [--reps 3]
 *
 * Needs ../shared/peer-bench (copied and set up in a scratch folder on first use, see peers/peer-bench.ts).
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  lastJson,
  median,
  PEER_DIR,
  preparePeerBench,
  rotatedRounds,
  sleep,
  spread,
  startPeerServer,
  type TimedRun,
  timed,
} from './peers/peer-bench.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    reps: { type: 'string', default: '3' },
  },
  allowPositionals: true,
});
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { connections, seconds } = values as { connections: string; seconds: string };

interface Figures {
  requests: number;
  reqPerS: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}
interface Generator {
  name: string;
  command(url: string): { command: string[]; cwd: string };
  figures(stdout: string): Figures;
}

const GENERATORS: Generator[] = [
  {
    name: 'autocannon 9',
    command: (url) => ({
      command: [
        'node',
        'node_modules/autocannon/autocannon.js',
        '-c',
        connections,
        '-d',
        seconds,
        '--json',
        url,
      ],
      cwd: PEER_DIR,
    }),
    figures: (stdout) => {
      const j = lastJson<{
        requests: { total: number };
        duration: number;
        latency: { p50: number; p99: number };
        errors: number;
      }>(stdout);
      return {
        requests: j.requests.total,
        reqPerS: j.requests.total / j.duration,
        p50Ms: j.latency.p50,
        p99Ms: j.latency.p99,
        errors: j.errors,
      };
    },
  },
  {
    name: 'undici closed loop (peer-bench)',
    command: (url) => ({
      command: ['node', 'undici-gen.js', '--url', url, '--connections', connections, '--duration', seconds],
      cwd: PEER_DIR,
    }),
    figures: (stdout) => {
      const j = lastJson<{
        requests: number;
        reqPerS: number;
        latencyMs: { p50: number; p99: number };
        errors: number;
      }>(stdout);
      return {
        requests: j.requests,
        reqPerS: j.reqPerS,
        p50Ms: j.latencyMs.p50,
        p99Ms: j.latencyMs.p99,
        errors: j.errors,
      };
    },
  },
  {
    name: "gameday's HTTP client (undici Pool, keep-alive)",
    command: (url) => ({
      command: [
        'node',
        '--import',
        'tsx',
        'bench/peers/http-generator.ts',
        '--url',
        url,
        '--connections',
        connections,
        '--duration',
        seconds,
      ],
      cwd: ROOT,
    }),
    figures: (stdout) => lastJson<Figures>(stdout),
  },
];

interface Result {
  run: TimedRun;
  figures: Figures;
  /** Requests the server answered beyond those the generator counted (in flight at the end). */
  uncounted: number;
}

async function once(generator: Generator): Promise<Result> {
  const server = await startPeerServer('http-server.js');
  try {
    const { command, cwd } = generator.command(`http://127.0.0.1:${server.port}/`);
    const run = await timed(command, { cwd, limitS: Number(seconds) + 60 });
    const figures = generator.figures(run.stdout);
    const { requests } = await server.stats<{ requests: number }>();
    return { run, figures, uncounted: requests - figures.requests };
  } finally {
    await server.stop();
    await sleep(1_000);
  }
}

await preparePeerBench();
const reps = Number(values.reps);
const results = await rotatedRounds(
  GENERATORS,
  reps,
  once,
  (r) =>
    `${r.figures.reqPerS.toFixed(0)} req/s, p99 ${r.figures.p99Ms.toFixed(2)} ms, ${r.run.cpuS.toFixed(1)} CPU-s, server answered ${r.uncounted} more`,
);

console.log(
  `\n## HTTP, ${connections} requests in flight for ${seconds} s, ${reps} runs each (median [min–max])\n`,
);
console.log('| generator | req/s | p50 (ms) | p99 (ms) | errors | generator CPU-s |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [generator, list] of results) {
  const f = list.map((r) => r.figures);
  console.log(
    `| ${generator.name} | ${spread(f.map((x) => x.reqPerS))} | ${spread(
      f.map((x) => x.p50Ms),
      2,
    )} | ${spread(
      f.map((x) => x.p99Ms),
      2,
    )} | ${f.reduce((n, x) => n + x.errors, 0)} | ${spread(
      list.map((r) => r.run.cpuS),
      1,
    )} |`,
  );
}
const [autocannon, , gameday] = GENERATORS.map((g) => results.get(g)!);
const reqs = (list: Result[]) => median(list.map((r) => r.figures.reqPerS));
const p99 = (list: Result[]) => median(list.map((r) => r.figures.p99Ms));
console.log(
  `\ngameday ÷ autocannon: ${(reqs(gameday!) / reqs(autocannon!)).toFixed(2)}× the req/s, p99 ${p99(gameday!).toFixed(2)} ms against ${p99(autocannon!).toFixed(2)} ms (goal: ≥ 0.8× the req/s).`,
);
