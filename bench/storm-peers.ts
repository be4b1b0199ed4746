/**
 * gameday's Socket.IO connection storm beside Artillery's (2.0.21 with the socketio-v3 engine) and a
 * plain socket.io-client script, at 5,000 clients from 8 source addresses, in one run: each on a
 * fresh plain Socket.IO server (peer-bench's sio-server.js), whose own count of connections and
 * their span is the yardstick; the generator's CPU seconds and peak memory from GNU time.
 *
 *   npm run bench -- storm-peers [--clients 5000] [--reps 3]
 *
 * Needs ../shared/peer-bench (copied and set up in a scratch folder on first use, see peers/peer-bench.ts).
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ARTILLERY_ENV,
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
  options: { clients: { type: 'string', default: '5000' }, reps: { type: 'string', default: '3' } },
  allowPositionals: true,
});
const clients = Number(values.clients);
const IPS = '127.0.0.2-127.0.0.9';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Generator {
  name: string;
  command(url: string, tag: string): { command: string[]; cwd: string; env?: Record<string, string> };
}

/** peer-bench's plain socket.io-client script, with at most `inflight` handshakes pending (0: all at once). */
const plainScript = (label: string, inflight: number): Generator => ({
  name: `socket.io-client script (peer-bench, ${label})`,
  command: (url) => ({
    command: [
      'node',
      'sio-storm.js',
      '--url',
      url,
      '--n',
      String(clients),
      '--rate',
      '0',
      '--inflight',
      String(inflight),
      '--hold',
      '10',
      '--ips',
      IPS,
    ],
    cwd: PEER_DIR,
  }),
});

const GENERATORS: Generator[] = [
  {
    name: 'Artillery 2.0.21 (socketio-v3, arrivalCount in 1 s)',
    command: (url, tag) => ({
      command: [
        'npx',
        '--no-install',
        'artillery',
        'run',
        '-t',
        url,
        '-o',
        `/tmp/gameday-storm-${tag}.json`,
        `artillery/burst-n${clients}-8ips.yml`,
      ],
      cwd: PEER_DIR,
      env: ARTILLERY_ENV,
    }),
  },
  plainScript('100 pending', 100),
  plainScript('all at once', 0),
  {
    name: "gameday's storm (StormClients, all at once)",
    command: (url) => ({
      command: [
        'node',
        '--import',
        'tsx',
        'bench/peers/storm-generator.ts',
        '--url',
        url,
        '--n',
        String(clients),
        '--ips',
        IPS,
      ],
      cwd: ROOT,
    }),
  },
];

interface ServerStats {
  connects: number;
  peak: number;
  connectSpanMs: number | null;
}
interface Result {
  run: TimedRun;
  connectsPerS: number;
  peak: number;
}

async function once(generator: Generator, tag: string): Promise<Result> {
  const server = await startPeerServer('sio-server.js', ['--expect', String(clients)]);
  try {
    const { command, cwd, env } = generator.command(`http://127.0.0.1:${server.port}`, tag);
    const run = await timed(command, { cwd, env });
    await sleep(300);
    const stats = await server.stats<ServerStats>();
    if (generator.name.startsWith('gameday')) lastJson(run.stdout); // it must have reported, or the run is void
    const connectsPerS = stats.connectSpanMs ? (stats.connects * 1000) / stats.connectSpanMs : 0;
    return { run, connectsPerS, peak: stats.peak };
  } finally {
    await server.stop();
    await sleep(1_500); // closed sockets drain before the next run
  }
}

await preparePeerBench();
const reps = Number(values.reps);
const results = await rotatedRounds(
  GENERATORS,
  reps,
  once,
  (r) =>
    `${r.connectsPerS.toFixed(0)} connects/s, peak ${r.peak}, ${r.run.cpuS.toFixed(1)} CPU-s, ${r.run.maxRssMB.toFixed(0)} MB`,
);

console.log(
  `\n## Socket.IO storm, ${clients.toLocaleString('en-US')} clients from 8 addresses, ${reps} runs each (median [min–max])\n`,
);
console.log('| generator | connects/s (server) | peak connected | CPU-s | peak RSS (MB) |');
console.log('|---|---:|---:|---:|---:|');
for (const [generator, list] of results) {
  console.log(
    `| ${generator.name} | ${spread(list.map((r) => r.connectsPerS))} | ${spread(list.map((r) => r.peak))} | ${spread(
      list.map((r) => r.run.cpuS),
      1,
    )} | ${spread(list.map((r) => r.run.maxRssMB))} |`,
  );
}
const [artillery, , , gameday] = GENERATORS.map((g) => results.get(g)!);
const ratio = (pick: (r: Result) => number) => median(gameday!.map(pick)) / median(artillery!.map(pick));
console.log(
  `\ngameday ÷ Artillery: ${ratio((r) => r.connectsPerS).toFixed(2)}× the connect rate at ${ratio((r) => r.run.cpuS).toFixed(2)}× the CPU seconds and ${ratio((r) => r.run.maxRssMB).toFixed(2)}× the memory (goal: ≥ 1× the rate at ≤ 0.5× the CPU).`,
);
