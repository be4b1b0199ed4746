import type pg from 'pg';
import { waitUntil } from '../../core/wait.ts';
import { databaseClient } from '../database-session.ts';
import type { BaseBackup, DatabaseControl, RestoredDatabase } from '../stack.ts';
import type { ExternalConfig } from './external-config.ts';
import type { StackCommands } from './stack-commands.ts';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  // A server restarting under the client (a reset) rejects the query; it must not crash the harness.
  const client = databaseClient({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/**
 * The database of a stack someone else runs: stopping, starting and freezing the primary are its
 * commands (docker-compose stop / start / pause for the compose stack); promoting the replica is SQL.
 */
export class ExternalDatabase implements DatabaseControl {
  private promoted = false;
  private running = true;
  private frozen = false;

  constructor(
    private readonly config: ExternalConfig,
    private readonly commands: StackCommands,
  ) {}

  /** Forgets a failover and a stopped primary: after the stack was put back as new. */
  reset(): void {
    this.promoted = false;
    this.running = true;
    this.frozen = false;
  }

  adminUrl(): string {
    return this.promoted ? this.config.database.replicaAdminUrl! : this.config.database.primaryAdminUrl;
  }

  /** Waits until the primary accepts connections (after a start, or a reset of the whole stack). */
  async waitForPrimary(timeoutMs = 120_000): Promise<void> {
    await waitUntil(
      async () => (await query(this.config.database.primaryAdminUrl, 'SELECT 1')).length === 1,
      {
        timeoutMs,
        intervalMs: 250,
        what: 'the primary database to accept connections',
      },
    );
  }

  async stopPrimary(mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
    // The team's stop command is not known to work on a frozen server: it is thawed first (so, unlike
    // the stacks gameday runs, a write queued on it may still commit before it stops).
    if (this.frozen) await this.thawPrimary();
    await this.commands.run('stopPrimary', { GAMEDAY_STOP_MODE: mode });
    this.running = false;
  }

  async startPrimary(): Promise<void> {
    await this.commands.run('startPrimary');
    await this.waitForPrimary();
    this.running = true;
  }

  async promoteReplica(): Promise<void> {
    const url = this.config.database.replicaAdminUrl;
    if (!url) throw new Error(`${this.config.file}: database.replicaAdminUrl is not set`);
    const [row] = await query<{ promoted: boolean }>(url, 'SELECT pg_promote(true, 60) AS promoted');
    if (!row?.promoted) throw new Error('pg_promote() on the replica did not finish within 60 s');
    this.promoted = true;
  }

  primaryRunning(): boolean {
    return this.running;
  }

  async freezePrimary(): Promise<void> {
    await this.commands.run('freezePrimary');
    this.frozen = true;
  }

  async thawPrimary(): Promise<void> {
    await this.commands.run('thawPrimary');
    this.frozen = false;
  }

  primaryFrozen(): boolean {
    return this.frozen;
  }

  takeBaseBackup(): Promise<BaseBackup> {
    return Promise.reject(new Error('the external stack has no base backups gameday can take'));
  }

  restoreToPointInTime(): Promise<RestoredDatabase> {
    return Promise.reject(new Error('the external stack has no point-in-time restore gameday can run'));
  }
}
