import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { applySchema, SEED_SOURCES, type SeedSize, seed } from '../reference-backend.ts';
import { chownTree } from './os-user.ts';
import { postgresBinaries } from './postgres-binaries.ts';
import type { PostgresServer } from './postgres-server.ts';

/** The application role and database the runbooks use (`psql -U chatuser -d chatdb`). */
export const APP_USER = 'chatuser';
export const APP_DATABASE = 'chatdb';

interface SnapshotMeta {
  superuserPassword: string;
  createdAt: string;
  size: SeedSize;
}

export function cacheDir(): string {
  return process.env.GAMEDAY_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'gameday');
}

/** Changes whenever the schema, the seed generator, the size, the PostgreSQL build or the snapshot's form change. */
async function snapshotKey(size: SeedSize): Promise<string> {
  const hash = createHash('sha256');
  for (const file of SEED_SOURCES) hash.update(await fs.readFile(file));
  hash.update(JSON.stringify(size));
  hash.update((await postgresBinaries()).postgres);
  // Snapshots last stopped at wal_level=minimal, which a standby refuses, are not reused.
  hash.update('stopped at wal_level=replica');
  return hash.digest('hex').slice(0, 16);
}

/**
 * A seeded primary costs seconds to build (a million messages and their indexes) and microseconds to
 * reuse, so the first stack keeps a copy of its freshly seeded, cleanly stopped data directory and
 * later stacks start from that copy ("warm"). The copy holds only generated data.
 */
export class SeedSnapshot {
  private constructor(
    readonly dir: string,
    private readonly size: SeedSize,
  ) {}

  static async for(size: SeedSize): Promise<SeedSnapshot> {
    return new SeedSnapshot(path.join(cacheDir(), `seed-${await snapshotKey(size)}`), size);
  }

  async exists(): Promise<boolean> {
    try {
      await fs.access(path.join(this.dir, 'meta.json'));
      return true;
    } catch {
      return false;
    }
  }

  /** Copies the snapshot into `server`'s data directory; returns the superuser password it was made with. */
  async restoreInto(server: PostgresServer): Promise<string> {
    const meta = JSON.parse(await fs.readFile(path.join(this.dir, 'meta.json'), 'utf8')) as SnapshotMeta;
    await fs.rm(server.options.dataDir, { recursive: true, force: true });
    await fs.cp(path.join(this.dir, 'data'), server.options.dataDir, { recursive: true });
    await chownTree(server.options.dataDir);
    return meta.superuserPassword;
  }

  /**
   * Settings for the server while it is seeded: with wal_level=minimal, tables created and filled in
   * one transaction are not WAL-logged, so seeding is faster and the snapshot carries no WAL backlog.
   */
  static readonly seedingSettings = { wal_level: 'minimal', max_wal_senders: 0, archive_mode: 'off' };

  /**
   * Settings for the server's last run before it is saved, at the cluster's own wal_level: a standby
   * started from the copy refuses it if it was stopped at minimal, or with more connections allowed
   * than the standby allows (so the fewest a stack may ask for, the scenario schema's minimum).
   */
  static readonly savingSettings = { max_connections: 20 };

  /**
   * Builds the seeded database on a running, freshly initialised server: the application role, its
   * database, the schema (owned by the role, so the runbook's DDL works as chatuser) and the data,
   * in one transaction.
   */
  async seedServer(server: PostgresServer, appPassword: string): Promise<void> {
    await server.sql(`CREATE ROLE ${APP_USER} LOGIN PASSWORD '${appPassword}'`);
    await server.sql(`CREATE DATABASE ${APP_DATABASE} OWNER ${APP_USER}`);
    const client = new pg.Client({ connectionString: server.url(APP_DATABASE, APP_USER, appPassword) });
    await client.connect();
    try {
      await client.query('BEGIN');
      await applySchema(client);
      await seed(client, this.size);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
  }

  /** Saves a cleanly stopped server's data directory as the snapshot (first writer wins). */
  async save(server: PostgresServer): Promise<void> {
    const staging = `${this.dir}.tmp-${randomBytes(4).toString('hex')}`;
    await fs.mkdir(staging, { recursive: true });
    try {
      await fs.cp(server.options.dataDir, path.join(staging, 'data'), {
        recursive: true,
        filter: (source) => !/postmaster\.(pid|opts)$/.test(source),
      });
      const meta: SnapshotMeta = {
        superuserPassword: server.options.password,
        createdAt: new Date().toISOString(),
        size: this.size,
      };
      await fs.writeFile(path.join(staging, 'meta.json'), JSON.stringify(meta, null, 2));
      await fs.rename(staging, this.dir);
    } catch (error) {
      if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  }
}
