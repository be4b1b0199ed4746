import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { waitUntil } from '../../core/wait.ts';
import { databaseClient } from '../database-session.ts';
import type { Launcher } from '../launcher.ts';
import { chownTree, postgresOsUser } from './os-user.ts';
import { makeOwnedDir, PostgresServer } from './postgres-server.ts';

export interface ClusterPorts {
  primary: number;
  replica: number;
}

export interface PostgresClusterOptions {
  /** Holds primary/, replica/ and wal-archive/. */
  root: string;
  ports: ClusterPorts;
  password: string;
  /** Extra server settings for both servers. */
  settings?: Record<string, string | number | boolean>;
  /** Put in each server's environment so leftovers can be recognised after a crash. */
  env?: Record<string, string>;
  onLog?: (server: 'primary' | 'replica', line: string) => void;
  onSpawn?: (server: 'primary' | 'replica', pid: number) => void;
  /** Where the servers run (default: here, as child processes). */
  launcher?: Launcher;
}

const REPLICATION_SLOT = 'gameday_replica';

/** Directories a base backup leaves empty (see "Making a Base Backup Using the Low Level API"). */
const EMPTY_IN_BACKUP = [
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
];
/** What a base backup must not copy: those directories' contents and the server's own state files. */
const BACKUP_EXCLUDES = new Set([
  ...EMPTY_IN_BACKUP,
  'postmaster.pid',
  'postmaster.opts',
  'standby.signal',
  'recovery.signal',
  'backup_label',
  'tablespace_map',
]);

/**
 * A PostgreSQL primary that archives its WAL, and a physical streaming replica of it that can be
 * promoted. The replica starts from the same cleanly stopped copy as the primary (the seed snapshot);
 * point-in-time restores take their base backups online (takeOnlineBackup below).
 */
export class PostgresCluster {
  readonly primary: PostgresServer;
  readonly replica: PostgresServer;
  readonly archiveDir: string;

  constructor(private readonly options: PostgresClusterOptions) {
    this.archiveDir = path.join(options.root, 'wal-archive');
    const common = {
      password: options.password,
      settings: {
        wal_level: 'replica',
        max_wal_senders: 10,
        max_replication_slots: 10,
        hot_standby: 'on',
        archive_mode: 'on',
        archive_command: `test ! -f ${this.archiveDir}/%f && cp %p ${this.archiveDir}/%f`,
        // Force a WAL segment switch at least this often so the archive stays close to the present.
        archive_timeout: 10,
        ...options.settings,
      },
      env: options.env,
      launcher: options.launcher,
    };
    this.primary = new PostgresServer({
      ...common,
      dataDir: path.join(options.root, 'primary'),
      port: options.ports.primary,
      onLog: (line) => options.onLog?.('primary', line),
      onSpawn: (pid) => options.onSpawn?.('primary', pid),
    });
    this.replica = new PostgresServer({
      ...common,
      dataDir: path.join(options.root, 'replica'),
      port: options.ports.replica,
      onLog: (line) => options.onLog?.('replica', line),
      onSpawn: (pid) => options.onSpawn?.('replica', pid),
    });
  }

  /** Creates the primary's cluster (initdb) and the WAL archive. */
  async initialisePrimary(): Promise<void> {
    await makeOwnedDir(this.archiveDir, await postgresOsUser());
    await this.primary.initialise();
  }

  async startPrimary(overrides?: Record<string, string | number | boolean>): Promise<void> {
    await makeOwnedDir(this.archiveDir, await postgresOsUser());
    await this.primary.start(overrides);
  }

  /**
   * Starts the replica from a copy of the cleanly stopped data directory the running primary started
   * from (the seed snapshot), already in the replica's data directory: the copy is consistent at its
   * shutdown checkpoint and the primary's WAL continues from there, so no base backup is needed. The
   * copy must have been stopped at wal_level=replica: a standby refuses one stopped at minimal.
   */
  async createReplica(): Promise<void> {
    await this.createSlot();
    await this.startStandby();
  }

  private async createSlot(): Promise<void> {
    await this.primary.sql(
      `SELECT pg_create_physical_replication_slot($1) WHERE NOT EXISTS
         (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)`,
      [REPLICATION_SLOT],
    );
  }

  /** Makes the replica's data directory a standby of the primary, starts it and waits until it has caught up. */
  private async startStandby(): Promise<void> {
    const dir = this.replica.options.dataDir;
    await fs.writeFile(path.join(dir, 'standby.signal'), '');
    const conninfo = `host=127.0.0.1 port=${this.options.ports.primary} user=${this.primary.options.superuser} password=${this.options.password} application_name=gameday_replica`;
    await fs.appendFile(
      path.join(dir, 'postgresql.auto.conf'),
      `\n# gameday streaming replica\nprimary_conninfo = '${conninfo}'\nprimary_slot_name = '${REPLICATION_SLOT}'\nrestore_command = 'cp ${this.archiveDir}/%f %p'\n`,
    );
    await chownTree(dir);
    await this.replica.start();
    // Replayed up to now, not only streaming: a copy older than the primary's last change (its
    // superuser's new password) must not answer with the old state.
    const { rows } = await this.primary.sql<{ lsn: string }>('SELECT pg_current_wal_lsn() AS lsn');
    await waitUntil(
      async () =>
        (
          await this.primary.sql<{ caught: boolean }>(
            `SELECT state = 'streaming' AND replay_lsn >= $1::pg_lsn AS caught FROM pg_stat_replication
              WHERE application_name = 'gameday_replica'`,
            [rows[0]!.lsn],
          )
        ).rows[0]?.caught || undefined,
      { timeoutMs: 30_000, what: 'the replica to stream from the primary and replay its WAL' },
    );
  }

  /** The primary's view of the replica: 'streaming' when it is connected and caught up in real time. */
  async replicationState(): Promise<string | undefined> {
    const { rows } = await this.primary.sql<{ state: string }>(
      `SELECT state FROM pg_stat_replication WHERE application_name = 'gameday_replica'`,
    );
    return rows[0]?.state;
  }

  /** Promotes the replica to a writable primary and waits until it accepts writes. */
  async promoteReplica(): Promise<void> {
    await this.replica.sql('SELECT pg_promote(true, 30)');
    await waitUntil(
      async () =>
        (await this.replica.sql<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r === false,
      { timeoutMs: 30_000, what: 'the promoted replica to leave recovery' },
    );
  }

  async stop(): Promise<void> {
    await Promise.all([this.replica.stop('fast'), this.primary.stop('fast')]);
  }
}

export interface OnlineBackup {
  /** WAL positions of the backup's start checkpoint and of its end (where a restore becomes consistent). */
  startLsn: string;
  stopLsn: string;
  /**
   * The server's clock just after pg_backup_stop, rounded up to the millisecond (a Date holds no
   * microseconds): every WAL record before the end of the backup is older, so a recovery target at or
   * after this time never stops before the copy is consistent.
   */
  takenAt: Date;
}

/**
 * Copies a running server's data directory into `target` (which must not exist) as a consistent base
 * backup, with the low-level API: pg_backup_start, a file copy, pg_backup_stop, whose backup_label
 * tells recovery where to start replaying WAL. pg_backup_stop waits until the WAL the backup needs is
 * archived. While a backup runs, the server writes full-page images whatever full_page_writes says,
 * so pages torn by the copy are repaired by replay. The copy belongs to whoever runs this (chownTree it
 * before a server uses it). Tablespaces are not supported (the stack creates none).
 */
export async function takeOnlineBackup(
  server: PostgresServer,
  target: string,
  label: string,
): Promise<OnlineBackup> {
  // pg_backup_start and pg_backup_stop must run in the same session.
  const client = databaseClient({ connectionString: server.url() });
  await client.connect();
  try {
    const started = await client.query<{ lsn: string }>('SELECT pg_backup_start($1, true) AS lsn', [label]);
    // If the copy fails, ending the session aborts the backup.
    await copyLiveDataDir(server.options.dataDir, target);
    const stopped = (
      await client.query<{ lsn: string; labelfile: string; spcmapfile: string | null }>(
        'SELECT lsn, labelfile, spcmapfile FROM pg_backup_stop(true)',
      )
    ).rows[0]!;
    const { rows } = await client.query<{ at: Date }>(
      `SELECT date_trunc('milliseconds', clock_timestamp()) + interval '1 millisecond' AS at`,
    );
    await fs.writeFile(path.join(target, 'backup_label'), stopped.labelfile);
    if (stopped.spcmapfile) await fs.writeFile(path.join(target, 'tablespace_map'), stopped.spcmapfile);
    for (const empty of EMPTY_IN_BACKUP) await fs.mkdir(path.join(target, empty), { recursive: true });
    return { startLsn: started.rows[0]!.lsn, stopLsn: stopped.lsn, takenAt: rows[0]!.at };
  } finally {
    await client.end();
  }
}

/**
 * Copies a live data directory, leaving out what a base backup must not hold, and tolerating files
 * that vanish mid-copy (a table dropped, a temporary file removed), as pg_basebackup does: WAL replay
 * recreates or drops them. Files are copied a few at a time; a seeded database has thousands.
 */
async function copyLiveDataDir(source: string, target: string): Promise<void> {
  const files: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    await fs.mkdir(path.join(target, relative), { recursive: true, mode: 0o700 });
    let entries: Dirent[];
    try {
      entries = await fs.readdir(path.join(source, relative), { withFileTypes: true });
    } catch (error) {
      if (vanished(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const name = path.join(relative, entry.name);
      if (BACKUP_EXCLUDES.has(name) || entry.name.startsWith('pgsql_tmp')) continue;
      if (entry.isDirectory()) await walk(name);
      else if (entry.isFile()) files.push(name);
      else if (entry.isSymbolicLink())
        await fs.symlink(await fs.readlink(path.join(source, name)), path.join(target, name));
    }
  };
  await walk('');
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const name = files[next++]!;
      await fs.copyFile(path.join(source, name), path.join(target, name)).catch((error: unknown) => {
        if (!vanished(error)) throw error;
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

const vanished = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';
