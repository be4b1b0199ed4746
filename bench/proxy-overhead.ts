/**
 * What the fault proxy costs when no toxic is set, against HAProxy as a yardstick: the same traffic
 * direct, through HAProxy (TCP mode) and through gameday's proxy, interleaved in the same run.
 *
 *   npm run bench -- proxy-overhead [--queries 3000] [--seconds 10] [--clients 4] [--rounds 3]
 *                                   [--haproxy-threads 1]
 *
 * 1. Small requests: sequential `SELECT 1` on one connection per path (latency p50/p95/mean).
 * 2. pgbench (select-only and simple-update, `--clients` clients, `--seconds` each), if pgbench is
 *    installed (Debian: apt-get install postgresql-client), with each proxy's own CPU time per
 *    transaction (Linux, /proc): on a small machine the proxy shares the cores with pgbench and
 *    PostgreSQL, so its tps falls with what it costs, and the CPU shows that cost without the noise.
 * Every measurement is repeated `--rounds` times with the paths in rotating order, so a slow spell
 * of the machine does not land on one path only; tables show the median and the min–max range, and
 * the ratios (proxy / HAProxy tps, proxy p50 − HAProxy p50) pair the paths within the same round.
 * The proxy runs as its own process, as in the embedded stack. HAProxy (Debian: apt-get install
 * haproxy) runs as its own process too, with a generated config in a temp dir and `nbthread 1`
 * by default: the proxy serves every connection from one thread, so HAProxy gets one as well. If it is
 * not installed, the bench says so and compares direct and proxy only.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../src/core/free-port.ts';
import { httpRequest } from '../src/core/http-client.ts';
import { waitUntil } from '../src/core/wait.ts';
import { ManagedProcess } from '../src/stack/embedded/managed-process.ts';
import { createServerRoot, PostgresServer } from '../src/stack/embedded/postgres-server.ts';
import { statOf } from '../src/stack/process-tree.ts';
import { lowerToStackPriority } from '../src/stack/stack-priority.ts';
import { CLOCK_TICKS } from './clock-ticks.ts';
import { percentile } from './stats.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    queries: { type: 'string', default: '3000' },
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    'haproxy-threads': { type: 'string', default: '1' },
  },
  allowPositionals: true,
});
const rounds = Number(values.rounds);

const PROXY = 'gameday proxy';
const HAPROXY = 'HAProxy';

/** Round r runs the paths starting at a different one each time. */
const rotated = <T>(items: T[], r: number): T[] => items.map((_, i) => items[(i + r) % items.length]!);
const median = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
};
const range = (samples: number[], digits = 0) =>
  `${Math.min(...samples).toFixed(digits)}–${Math.max(...samples).toFixed(digits)}`;

/**
 * CPU seconds a process has used so far (user + system, from /proc; Linux only, else undefined).
 * Over a pgbench run this is the proxy's own cost per transaction, which the tps only shows mixed
 * with the scheduling of everything else on the machine.
 */
async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  const fields = pid === undefined ? undefined : await statOf(pid);
  return fields && (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Debian puts haproxy in /usr/sbin, which is not on every user's PATH. */
async function findHaproxy(): Promise<{ binary: string; version: string } | undefined> {
  for (const binary of ['haproxy', '/usr/sbin/haproxy', '/usr/local/sbin/haproxy']) {
    const found = await run(binary, ['-v']).catch(() => undefined);
    if (found) return { binary, version: /version (\S+)/.exec(found.stdout)?.[1] ?? '?' };
  }
  return undefined;
}

/** HAProxy in the foreground (-db) with one TCP frontend → the backend; timeouts far above a run. */
async function startHaproxy(binary: string, dir: string, backendPort: number) {
  const port = await freePort();
  const config = `${dir}/haproxy.cfg`;
  await fs.writeFile(
    config,
    [
      'global',
      `  nbthread ${values['haproxy-threads']}`,
      '  maxconn 1000',
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 1h',
      '  timeout server 1h',
      'frontend postgres',
      `  bind 127.0.0.1:${port}`,
      '  default_backend postgres',
      'backend postgres',
      `  server postgres 127.0.0.1:${backendPort}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(binary, ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  // The proxy runs at the stack's priority (GAMEDAY_STACK_NICENESS); so does HAProxy, to compare alike.
  if (child.pid) lowerToStackPriority(child.pid);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM'); // hard stop: closes its listener and connections at once
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`haproxy exited: ${output}`);
        return new Promise<boolean>((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => {
            socket.destroy();
            resolve(true);
          });
          socket.once('error', () => resolve(false));
        });
      },
      { timeoutMs: 10_000, what: 'haproxy to listen' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop, pid: child.pid };
}

const root = await createServerRoot('gameday-bench-');
const server = new PostgresServer({ dataDir: `${root}/data`, port: await freePort(), password: 'bench' });
const proxyPort = await freePort();
const proxy = new ManagedProcess({
  name: 'fault-proxy',
  entry: fileURLToPath(new URL('../src/proxy/main.ts', import.meta.url)),
  env: { PORT: String(proxyPort) },
  ready: async () =>
    (await httpRequest(`http://127.0.0.1:${proxyPort}/version`).catch(() => undefined))?.status === 200,
});
let haproxy: Awaited<ReturnType<typeof startHaproxy>> | undefined;

try {
  await server.initialise();
  await server.start();
  await proxy.start();
  const created = await httpRequest<{ listen: string }>(`http://127.0.0.1:${proxyPort}/proxies`, {
    body: { name: 'postgres', listen: '127.0.0.1:0', upstream: `127.0.0.1:${server.options.port}` },
  });
  const proxiedPort = Number(created.body.listen.split(':').pop());
  const found = await findHaproxy();
  const paths: { name: string; port: number; pid?: number }[] = [
    { name: 'direct', port: server.options.port },
  ];
  if (found) {
    haproxy = await startHaproxy(found.binary, root, server.options.port);
    paths.push({ name: HAPROXY, port: haproxy.port, pid: haproxy.pid });
    console.log(`HAProxy ${found.version}, mode tcp, nbthread ${values['haproxy-threads']}.`);
  } else {
    console.log('haproxy not installed (apt-get install haproxy): comparing direct and proxy only.');
  }
  paths.push({ name: PROXY, port: proxiedPort, pid: proxy.pid });
  const hasPgbench = await run('pgbench', ['--version']).then(
    ({ stdout }) => stdout.trim(),
    () => undefined,
  );
  console.log(`${hasPgbench ?? 'pgbench not installed'}; ${rounds} rounds, paths in rotating order.\n`);

  // --- 1. sequential SELECT 1: one connection per path, kept open across the rounds ---
  const clients = new Map<string, pg.Client>();
  for (const { name, port } of paths) {
    const client = new pg.Client({
      connectionString: server.url('postgres').replace(`:${server.options.port}/`, `:${port}/`),
    });
    await client.connect();
    for (let i = 0; i < 200; i++) await client.query('SELECT 1'); // warm-up
    clients.set(name, client);
  }
  const latency = new Map(
    paths.map(({ name }) => [name, { p50: [] as number[], p95: [] as number[], mean: [] as number[] }]),
  );
  for (let r = 0; r < rounds; r++) {
    for (const { name } of rotated(paths, r)) {
      const client = clients.get(name)!;
      const samples: number[] = [];
      for (let i = 0; i < Number(values.queries); i++) {
        const started = performance.now();
        await client.query('SELECT 1');
        samples.push((performance.now() - started) * 1000);
      }
      const stats = latency.get(name)!;
      stats.p50.push(percentile(samples, 0.5));
      stats.p95.push(percentile(samples, 0.95));
      stats.mean.push(samples.reduce((a, b) => a + b, 0) / samples.length);
    }
  }
  for (const client of clients.values()) await client.end();
  console.log(
    `## Small request: sequential SELECT 1, ${values.queries} queries on one connection, per round\n`,
  );
  console.log('| path | p50 (µs) | p50 range | p95 (µs) | mean (µs) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const { name } of paths) {
    const { p50, p95, mean } = latency.get(name)!;
    console.log(
      `| ${name} | ${median(p50).toFixed(0)} | ${range(p50)} | ${median(p95).toFixed(0)} | ${median(mean).toFixed(0)} |`,
    );
  }
  const ratios: string[] = [];
  if (found) {
    // Paired per round: both paths ran minutes apart at most, under the same load.
    const [ours, theirs] = [latency.get(PROXY)!.p50, latency.get(HAPROXY)!.p50];
    const deltas = ours.map((p50, r) => p50 - theirs[r]!);
    ratios.push(
      `| SELECT 1 p50, proxy − HAProxy | ${(median(ours) - median(theirs)).toFixed(0)} µs | ${range(deltas)} µs |`,
    );
  }

  // --- 2. pgbench ---
  if (!hasPgbench) {
    console.log('\npgbench not installed (apt-get install postgresql-client); skipped.');
  } else {
    const env = { ...process.env, PGPASSWORD: 'bench', PGUSER: 'postgres', PGHOST: '127.0.0.1' };
    await run('pgbench', ['-i', '-s', '10', '-p', String(server.options.port), 'postgres'], { env });
    console.log(
      `\n## pgbench, ${values.clients} clients, 2 threads, ${values.seconds} s per run, scale 10, ${rounds} runs per path\n`,
    );
    console.log('| mode | path | tps (median) | tps range | latency avg (ms, median) | proxy CPU (µs/tx) |');
    console.log('|---|---|---:|---:|---:|---:|');
    for (const [mode, flag] of [
      ['select-only', '-S'],
      ['simple-update', '-N'],
    ] as const) {
      const results = new Map(
        paths.map(({ name }) => [
          name,
          { tps: [] as number[], latency: [] as number[], cpu: [] as number[] },
        ]),
      );
      for (let r = 0; r < rounds; r++) {
        for (const { name, port, pid } of rotated(paths, r)) {
          const cpuBefore = await cpuSeconds(pid);
          const { stdout } = await run(
            'pgbench',
            [flag, '-c', values.clients, '-j', '2', '-T', values.seconds, '-p', String(port), 'postgres'],
            { env },
          );
          results.get(name)!.tps.push(Number(/tps = ([0-9.]+)/.exec(stdout)?.[1]));
          results.get(name)!.latency.push(Number(/latency average = ([0-9.]+) ms/.exec(stdout)?.[1]));
          const cpuAfter = await cpuSeconds(pid);
          const transactions = Number(/transactions actually processed: (\d+)/.exec(stdout)?.[1]);
          if (cpuBefore !== undefined && cpuAfter !== undefined && transactions > 0) {
            results.get(name)!.cpu.push(((cpuAfter - cpuBefore) / transactions) * 1e6);
          }
        }
      }
      for (const { name } of paths) {
        const { tps, latency: ms, cpu } = results.get(name)!;
        const cpuCell = cpu.length > 0 ? median(cpu).toFixed(1) : '–';
        console.log(
          `| ${mode} | ${name} | ${median(tps).toFixed(0)} | ${range(tps)} | ${median(ms).toFixed(3)} | ${cpuCell} |`,
        );
      }
      if (found) {
        const proxyTps = results.get(PROXY)!.tps;
        const perRound = proxyTps.map((tps, r) => tps / results.get(HAPROXY)!.tps[r]!);
        const ofMedians = median(proxyTps) / median(results.get(HAPROXY)!.tps);
        ratios.push(`| ${mode} tps, proxy / HAProxy | ${ofMedians.toFixed(2)}× | ${range(perRound, 2)}× |`);
      }
    }
  }
  if (ratios.length > 0) {
    console.log('\n## gameday proxy against HAProxy, same run\n');
    console.log('| measure | of the medians | per round (min–max) |');
    console.log('|---|---:|---:|');
    for (const line of ratios) console.log(line);
  }
} finally {
  await haproxy?.stop();
  await proxy.stop();
  await server.stop();
  await fs.rm(root, { recursive: true, force: true });
}
