/**
 * Finds the seed size at which dropping idx_messages_user_id_created_at pushes the user-messages
 * query's p95 past the runbook's 500 ms under load, on this machine.
 *
 *   npm run bench -- missing-index [--sizes 250000,500000,1000000] [--seconds 10] [--concurrency 8]
 *
 * For each size: a fresh database is seeded, a real backend is started, and `concurrency` users call
 * GET /api/v1/users/:id/messages in a closed loop for `seconds`, first with the index and then
 * without it. It reports the backend's own database_query_duration_seconds{quantile="0.95"} and the
 * client-side p50/p95 of that endpoint.
 */
import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { applySchema, SEED_PASSWORD, SEED_PRESETS, seed } from '../fixtures/chat-backend/db/seed.ts';
import { startBackend } from '../fixtures/chat-backend/src/backend.ts';
import { loadConfig } from '../fixtures/chat-backend/src/config.ts';
import { createLogger } from '../fixtures/chat-backend/src/logger.ts';
import { startObjectStore } from '../fixtures/object-store/object-store.ts';
import { freePort } from '../src/core/free-port.ts';
import { httpRequest } from '../src/core/http-client.ts';
import { ChatClient } from '../src/load/chat-client.ts';
import { createServerRoot, PostgresServer } from '../src/stack/embedded/postgres-server.ts';
import { percentile } from './stats.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '250000,500000,1000000,1500000' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
  },
  allowPositionals: true,
});
const sizes = values.sizes.split(',').map(Number);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

const root = await createServerRoot('gameday-bench-');
const server = new PostgresServer({ dataDir: `${root}/data`, port: await freePort(), password: 'bench' });
await server.initialise();
await server.start();
const store = await startObjectStore();

interface Row {
  messages: number;
  seedSeconds: number;
  index: 'present' | 'dropped';
  requests: number;
  clientP50: number;
  clientP95: number;
  serverP95: number;
}
const rows: Row[] = [];

try {
  for (const messages of sizes) {
    const database = `bench_${messages}`;
    await server.sql(`CREATE DATABASE ${database}`);
    const client = new pg.Client({ connectionString: server.url(database) });
    await client.connect();
    const seedStarted = performance.now();
    await applySchema(client);
    await seed(client, { ...SEED_PRESETS.gameday, messages });
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    console.error(`seeded ${messages} messages in ${seedSeconds.toFixed(1)} s`);
    for (const index of ['present', 'dropped'] as const) {
      if (index === 'dropped') await client.query('DROP INDEX idx_messages_user_id_created_at');
      const result = await measure(server.url(database));
      rows.push({ messages, seedSeconds, index, ...result });
      console.error(JSON.stringify(rows.at(-1)));
    }
    await client.end();
    await server.sql(`DROP DATABASE ${database}`);
  }
} finally {
  await store.close();
  await server.stop();
  await fs.rm(root, { recursive: true, force: true });
}

console.log(
  '| messages | seed (s) | index | requests | client p50 (ms) | client p95 (ms) | server query p95 (ms) |',
);
console.log('|---:|---:|---|---:|---:|---:|---:|');
for (const row of rows) {
  console.log(
    `| ${row.messages.toLocaleString('en')} | ${row.seedSeconds.toFixed(1)} | ${row.index} | ${row.requests} | ${row.clientP50.toFixed(0)} | ${row.clientP95.toFixed(0)} | ${row.serverP95.toFixed(0)} |`,
  );
}

async function measure(databaseUrl: string): Promise<Omit<Row, 'messages' | 'seedSeconds' | 'index'>> {
  const config = loadConfig({
    PORT: '0',
    DATABASE_URL: databaseUrl,
    OBJECT_STORE_URL: store.url,
    ADMIN_TOKEN: 'bench-admin',
    JWT_SECRET: 'bench-jwt-secret-0123456789',
    SOCKET_IO_ADAPTER: 'local',
    METRICS_WINDOW_SECONDS: String(seconds),
    LOG_LEVEL: 'warn',
  });
  const backend = await startBackend(config, {
    logger: createLogger({ level: 'warn', instance: 'bench', release: config.release }),
  });
  const users = await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      const user = new ChatClient({ baseUrl: backend.url });
      await user.login(`user${i * 37 + 1}`, SEED_PASSWORD);
      return user;
    }),
  );
  const latencies: number[] = [];
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    users.map(async (user) => {
      while (Date.now() < deadline) {
        const started = performance.now();
        const response = await user.listUserMessages(undefined, 50);
        if (response.status !== 200) throw new Error(`user messages answered ${response.status}`);
        latencies.push(performance.now() - started);
      }
    }),
  );
  const metrics = (await httpRequest<string>(`${backend.url}/metrics`)).body;
  const serverP95 = Number(
    /database_query_duration_seconds\{quantile="0\.95"[^}]*\} ([0-9.e+-]+)/.exec(metrics)?.[1],
  );
  for (const user of users) user.close();
  await backend.close();
  return {
    requests: latencies.length,
    clientP50: percentile(latencies, 0.5),
    clientP95: percentile(latencies, 0.95),
    serverP95: serverP95 * 1000,
  };
}
