/**
 * What the fault proxy costs when no toxic is set: the same traffic direct and through the proxy,
 * in the same run.
 *
 *   npm run bench -- proxy-overhead [--queries 3000] [--seconds 10] [--clients 4]
 *
 * 1. Small requests: sequential `SELECT 1` on one connection (latency p50/p95/mean).
 * 2. pgbench (select-only and simple-update, `--clients` clients, `--seconds` each), if pgbench is
 *    installed (Debian: apt-get install postgresql-client).
 * The proxy runs as its own process, as in the embedded stack.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../src/core/free-port.ts';
import { httpRequest } from '../src/core/http-client.ts';
import { ManagedProcess } from '../src/stack/embedded/managed-process.ts';
import { createServerRoot, PostgresServer } from '../src/stack/embedded/postgres-server.ts';
import { percentile } from './stats.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    queries: { type: 'string', default: '3000' },
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '4' },
  },
  allowPositionals: true,
});

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

try {
  await server.initialise();
  await server.start();
  await proxy.start();
  const created = await httpRequest<{ listen: string }>(`http://127.0.0.1:${proxyPort}/proxies`, {
    body: { name: 'postgres', listen: '127.0.0.1:0', upstream: `127.0.0.1:${server.options.port}` },
  });
  const proxiedPort = Number(created.body.listen.split(':').pop());
  const targets = { direct: server.options.port, proxied: proxiedPort };

  console.log(`## Small request: sequential SELECT 1, ${values.queries} queries on one connection\n`);
  console.log('| path | p50 (µs) | p95 (µs) | mean (µs) |');
  console.log('|---|---:|---:|---:|');
  for (const [name, port] of Object.entries(targets)) {
    const client = new pg.Client({
      connectionString: server.url('postgres').replace(`:${server.options.port}/`, `:${port}/`),
    });
    await client.connect();
    for (let i = 0; i < 200; i++) await client.query('SELECT 1'); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < Number(values.queries); i++) {
      const started = performance.now();
      await client.query('SELECT 1');
      samples.push((performance.now() - started) * 1000);
    }
    await client.end();
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    console.log(
      `| ${name} | ${percentile(samples, 0.5).toFixed(0)} | ${percentile(samples, 0.95).toFixed(0)} | ${mean.toFixed(0)} |`,
    );
  }

  const hasPgbench = await run('pgbench', ['--version']).then(
    () => true,
    () => false,
  );
  if (!hasPgbench) {
    console.log('\npgbench not installed (apt-get install postgresql-client); skipped.');
  } else {
    const env = { ...process.env, PGPASSWORD: 'bench', PGUSER: 'postgres', PGHOST: '127.0.0.1' };
    await run('pgbench', ['-i', '-s', '10', '-p', String(server.options.port), 'postgres'], { env });
    console.log(`\n## pgbench, ${values.clients} clients, ${values.seconds} s per run, scale 10\n`);
    console.log('| mode | path | tps | latency avg (ms) |');
    console.log('|---|---|---:|---:|');
    for (const [mode, flag] of [
      ['select-only', '-S'],
      ['simple-update', '-N'],
    ] as const) {
      for (const [name, port] of Object.entries(targets)) {
        const { stdout } = await run(
          'pgbench',
          [flag, '-c', values.clients, '-j', '2', '-T', values.seconds, '-p', String(port), 'postgres'],
          { env },
        );
        const tps = /tps = ([0-9.]+)/.exec(stdout)?.[1];
        const latency = /latency average = ([0-9.]+) ms/.exec(stdout)?.[1];
        console.log(`| ${mode} | ${name} | ${Number(tps).toFixed(0)} | ${latency} |`);
      }
    }
  }
} finally {
  await proxy.stop();
  await server.stop();
  await fs.rm(root, { recursive: true, force: true });
}
