import fs from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { applySchema, SEED_PRESETS, seed } from '../../fixtures/chat-backend/db/seed.ts';
import { freePort } from '../../src/core/free-port.ts';
import { createServerRoot, PostgresServer } from '../../src/stack/embedded/postgres-server.ts';

export interface ProvidedPostgres {
  adminUrl: string;
  templateDatabase: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ProvidedPostgres;
  }
}

/**
 * One real PostgreSQL server for the whole test run, with a template database holding the fixture
 * schema and the tiny seed. Each test file clones the template (CREATE DATABASE … TEMPLATE) so files
 * never see each other's writes.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await createServerRoot('gameday-test-pg-');
  const server = new PostgresServer({
    dataDir: path.join(root, 'data'),
    port: await freePort(),
    password: 'test-superuser-password',
    settings: { fsync: 'off', full_page_writes: 'off', synchronous_commit: 'off', max_connections: 400 },
  });
  await server.initialise();
  await server.start();
  const templateDatabase = 'chat_template';
  await server.sql(`CREATE DATABASE ${templateDatabase}`);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: server.url(templateDatabase) });
  await client.connect();
  try {
    await applySchema(client);
    await seed(client, SEED_PRESETS.tiny);
  } finally {
    await client.end();
  }
  project.provide('postgres', { adminUrl: server.url(), templateDatabase });
  return async () => {
    await server.stop('fast');
    await fs.rm(root, { recursive: true, force: true });
  };
}
