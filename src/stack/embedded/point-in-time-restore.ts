import fs from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../../core/free-port.ts';
import { waitUntil } from '../../core/wait.ts';
import type { BaseBackup, RestoredDatabase } from '../stack.ts';
import { chownTree } from './os-user.ts';
import { type PostgresCluster, takeOnlineBackup } from './postgres-cluster.ts';
import { PostgresServer } from './postgres-server.ts';

export interface PointInTimeRestoreOptions {
  cluster: PostgresCluster;
  /** The stack's root: backups go to backups/, restored servers' data to restores/. */
  root: string;
  /** Database that restored URLs point at (the same one the stack's admin URL names). */
  database: string;
  /** Base backups kept; taking one more removes the oldest (default 3). */
  keep?: number;
  /** True once the replica has been promoted: PITR is then refused (see PointInTimeRestore). */
  failedOver: () => boolean;
  /** Told each restored server's pid as soon as it exists, and when it is gone, to record it for cleanup. */
  onSpawn?: (name: string, pid: number) => void;
  onStopped?: (name: string) => void;
  /** How long a restore may take to replay WAL up to its target (default 10 minutes). */
  recoveryTimeoutMs?: number;
}

interface StoredBackup extends BaseBackup {
  dir: string;
}

/** Lines of a restored server's log kept for the error when its recovery fails. */
const KEPT_LOG_LINES = 40;

/**
 * Base backups of the stack's primary and point-in-time restores from them, the way RDS's
 * restore-db-instance-to-point-in-time works: the newest base backup taken at or before the target is
 * copied to a fresh directory and started as a separate server that replays the primary's WAL archive
 * up to the target, then promotes itself. The live primary and replica are never touched (apart from
 * a WAL switch), so a data-corruption scenario can compare the damaged database with a copy from
 * before the damage.
 *
 * Not supported after a failover: the backups and the archive's timeline belong to the old primary,
 * and the promoted replica starts a new timeline; restoring across it is refused rather than guessed.
 */
export class PointInTimeRestore {
  private readonly backups: StoredBackup[] = [];
  private readonly restored = new Set<RestoredDatabase>();
  private backupCount = 0;
  private restoreCount = 0;
  /** Serialises taking backups with choosing and copying one, so pruning never removes one being copied. */
  private lock: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: PointInTimeRestoreOptions) {}

  private get primary(): PostgresServer {
    return this.options.cluster.primary;
  }

  /** Takes an online base backup of the primary into backups/base-N. */
  takeBaseBackup(): Promise<BaseBackup> {
    return this.exclusive(async () => {
      this.refuseUnsupported('take a base backup');
      const id = `base-${++this.backupCount}`;
      const dir = path.join(this.options.root, 'backups', id);
      await fs.rm(dir, { recursive: true, force: true });
      let takenAt: Date;
      try {
        ({ takenAt } = await takeOnlineBackup(this.primary, dir, `gameday-${id}`));
      } catch (error) {
        await fs.rm(dir, { recursive: true, force: true });
        throw error;
      }
      this.backups.push({ id, takenAt, dir });
      for (const old of this.backups.splice(0, Math.max(0, this.backups.length - (this.options.keep ?? 3)))) {
        await fs.rm(old.dir, { recursive: true, force: true });
      }
      return { id, takenAt };
    });
  }

  /**
   * Starts a separate server holding the database as of `target`: every transaction committed at or
   * before it, none after. `close()` the result when done (the stack's teardown closes any left open).
   */
  async restoreToPointInTime(target: Date): Promise<RestoredDatabase> {
    if (Number.isNaN(target.getTime()))
      throw new Error('restoreToPointInTime: the target is not a valid date');
    this.refuseUnsupported('restore to a point in time');
    this.backupFor(target); // fail before touching the primary when no backup can serve
    await this.archiveUpTo(target);
    const { backup, name, dataDir } = await this.exclusive(async () => {
      const chosen = this.backupFor(target);
      const name = `restore-${++this.restoreCount}`;
      const dataDir = path.join(this.options.root, 'restores', name);
      // restores/ must let the postgres OS user reach its own subdirectory (see createServerRoot).
      await fs.mkdir(path.dirname(dataDir), { recursive: true });
      await fs.chmod(path.dirname(dataDir), 0o711);
      await fs.cp(chosen.dir, dataDir, { recursive: true }).catch(async (error: unknown) => {
        await fs.rm(dataDir, { recursive: true, force: true });
        throw error;
      });
      return { backup: chosen, name, dataDir };
    });
    try {
      await this.writeRecoverySettings(dataDir, target);
      await chownTree(dataDir);
      return await this.startRestored(name, dataDir, target);
    } catch (error) {
      await fs.rm(dataDir, { recursive: true, force: true });
      throw new Error(
        `restore to ${target.toISOString()} from base backup ${backup.id} failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /** Closes every restored server still open and refuses new work (the stack is going down). */
  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.restored].map((restored) => restored.close()));
  }

  /** The newest base backup taken at or before `target`. */
  private backupFor(target: Date): StoredBackup {
    const chosen = this.backups.filter((b) => b.takenAt.getTime() <= target.getTime()).at(-1);
    if (chosen) return chosen;
    const oldest = this.backups[0]?.takenAt.toISOString();
    throw new Error(
      `no base backup was taken at or before ${target.toISOString()} (${oldest ? `the oldest kept was taken at ${oldest}` : 'none has been taken'}); take one with takeBaseBackup() before the point to restore to`,
    );
  }

  private refuseUnsupported(what: string): void {
    if (this.closed) throw new Error(`cannot ${what}: the stack is shutting down`);
    if (this.options.failedOver())
      throw new Error(
        `cannot ${what}: not supported after failover (the replica was promoted onto a new timeline; base backups and the WAL archive belong to the old primary)`,
      );
    if (!this.primary.running) throw new Error(`cannot ${what}: the primary is not running`);
  }

  /**
   * Makes sure the archive holds all WAL up to and past `target`. Recovery only checks the target
   * against commit records, and fails if the archive ends before one committed after the target; so
   * commit a transaction now (after the target), then switch WAL segments so the current one, holding
   * that commit, is archived, and wait until it is.
   */
  private async archiveUpTo(target: Date): Promise<void> {
    const { rows: clock } = await this.primary.sql<{ now: Date }>('SELECT clock_timestamp() AS now');
    if (target.getTime() > clock[0]!.now.getTime())
      throw new Error(
        `cannot restore to ${target.toISOString()}: it is later than the primary's clock (${clock[0]!.now.toISOString()})`,
      );
    // pg_current_xact_id() assigns a transaction id, so the transaction writes a commit record.
    await this.primary.sql('SELECT pg_current_xact_id()');
    // At a segment boundary pg_walfile_name names the segment that ends there: the one just completed.
    const { rows } = await this.primary.sql<{ segment: string }>(
      'SELECT pg_walfile_name(pg_switch_wal()) AS segment',
    );
    const segment = rows[0]!.segment;
    await waitUntil(
      async () => {
        const { rows: archiver } = await this.primary.sql<{ last: string | null }>(
          'SELECT last_archived_wal AS last FROM pg_stat_archiver',
        );
        // Names sort by timeline then position; a .backup or .history name starts with its segment's.
        const last = archiver[0]?.last?.slice(0, 24);
        if (last && last.slice(0, 8) === segment.slice(0, 8) && last >= segment) return true;
        // The archiver may have moved on to a newer timeline's history file; the file itself is proof.
        return fs.access(path.join(this.options.cluster.archiveDir, segment)).then(
          () => true,
          () => false,
        );
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `WAL segment ${segment} to be archived` },
    );
  }

  private async writeRecoverySettings(dataDir: string, target: Date): Promise<void> {
    // recovery_target_timeline 'current': stay on the backup's timeline even if the archive holds a newer one.
    const settings = [
      '',
      '# gameday point-in-time restore',
      `restore_command = 'cp ${this.options.cluster.archiveDir}/%f %p'`,
      // A numeric offset: the setting refuses zone abbreviations such as toISOString()'s "Z".
      `recovery_target_time = '${target.toISOString().replace('T', ' ').replace('Z', '+00')}'`,
      `recovery_target_timeline = 'current'`,
      `recovery_target_action = 'promote'`,
      '',
    ];
    await fs.appendFile(path.join(dataDir, 'postgresql.auto.conf'), settings.join('\n'));
    await fs.writeFile(path.join(dataDir, 'recovery.signal'), '');
  }

  private async startRestored(name: string, dataDir: string, target: Date): Promise<RestoredDatabase> {
    const log: string[] = [];
    const server = new PostgresServer({
      dataDir,
      port: await freePort(),
      superuser: this.primary.options.superuser,
      password: this.primary.options.password,
      // The primary's settings (the copy's max_connections and the like must not be below the
      // primary's for WAL replay), but never archiving: the copy must not write into the live archive.
      settings: { ...this.primary.options.settings, archive_mode: 'off' },
      env: this.primary.options.env,
      launcher: this.primary.options.launcher,
      onLog: (line) => {
        log.push(line);
        if (log.length > KEPT_LOG_LINES) log.shift();
      },
      onSpawn: (pid) => this.options.onSpawn?.(`postgres-${name}`, pid),
    });
    let open = true;
    const restored: RestoredDatabase = {
      url: server.url(this.options.database),
      restoredTo: target,
      close: async () => {
        if (!open) return;
        open = false;
        this.restored.delete(restored);
        await server.stop('fast');
        this.options.onStopped?.(`postgres-${name}`);
        await fs.rm(dataDir, { recursive: true, force: true });
      },
    };
    this.restored.add(restored);
    try {
      // With hot_standby the server accepts connections once it is consistent (the end of the base
      // backup), which is quick; replaying on up to the target may take longer.
      await server.start({}, 60_000);
      const outcome = await waitUntil(
        async () => {
          // Returned, not thrown: waitUntil retries a probe that throws.
          if (!server.running) return 'exited';
          const { rows } = await server.sql<{ recovering: boolean }>(
            'SELECT pg_is_in_recovery() AS recovering',
          );
          return rows[0]?.recovering === false ? 'promoted' : undefined;
        },
        {
          timeoutMs: this.options.recoveryTimeoutMs ?? 600_000,
          intervalMs: 100,
          what: 'the restored server to replay WAL up to the target and promote itself',
        },
      );
      if (outcome === 'exited')
        throw new Error(`the restored server exited during recovery:\n${log.join('\n')}`);
      if (this.closed) throw new Error('the stack is shutting down');
    } catch (error) {
      await restored.close();
      throw error;
    }
    return restored;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.lock.then(work);
    this.lock = result.catch(() => undefined);
    return result;
  }
}
