import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { StopWaiting, waitUntil } from '../../core/wait.ts';
import { type Launcher, localLauncher } from '../launcher.ts';

export interface ManagedProcessOptions {
  /** Shown in logs and errors, e.g. "backend-3". */
  name: string;
  /** An entry file run with this Node: JavaScript as it is, TypeScript through tsx. */
  entry: string;
  env: Record<string, string>;
  /** Every output line is appended here as well as kept in memory. */
  logFile?: string;
  /** Resolves true once the process serves; polled after start. */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Told the pid as soon as the process exists, before it is ready (so a crash now still finds it). */
  onSpawn?: (pid: number) => void;
  /** Where the process runs (default: here, as a child process). */
  launcher?: Launcher;
  memoryLimitMb?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const TSX = import.meta.resolve('tsx');
const KEPT_LINES = 2_000;

/**
 * One child process of the stack (a backend replica, the proxy, the object store): started with a
 * marker in its environment, its output kept, its readiness awaited, and stopped gracefully with a
 * deadline after which it is killed.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<ExitInfo> | undefined;
  private readonly lines: string[] = [];
  private logStream: fs.WriteStream | undefined;
  private stopping = false;
  /** Called when the process exits without having been asked to stop. */
  onUnexpectedExit: ((info: ExitInfo) => void) | undefined;

  constructor(readonly options: ManagedProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get exited(): Promise<ExitInfo> {
    return this.exitPromise ?? Promise.resolve({ code: null, signal: null });
  }

  async start(): Promise<void> {
    if (this.options.logFile) this.logStream = fs.createWriteStream(this.options.logFile, { flags: 'a' });
    const child = (this.options.launcher ?? localLauncher).launch(
      this.options.name,
      process.execPath,
      /\.[mc]?js$/.test(this.options.entry) ? [this.options.entry] : ['--import', TSX, this.options.entry],
      {
        env: { PATH: process.env.PATH ?? '', ...this.options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        memoryLimitMb: this.options.memoryLimitMb,
      },
    );
    this.child = child;
    if (child.pid) this.options.onSpawn?.(child.pid);
    this.exitPromise = once(child, 'exit').then(([code, signal]) => {
      this.logStream?.end();
      const info = { code: code as number | null, signal: signal as NodeJS.Signals | null };
      if (!this.stopping) this.onUnexpectedExit?.(info);
      return info;
    });
    let partial = '';
    const collect = (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) this.keep(line);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    try {
      await waitUntil(
        async () => {
          if (!this.running)
            throw new StopWaiting(`${this.options.name} exited: ${this.logs(20).join('\n')}`);
          return (await this.options.ready()) || undefined;
        },
        {
          timeoutMs: this.options.readyTimeoutMs ?? 30_000,
          intervalMs: 50,
          what: `${this.options.name} to be ready`,
        },
      );
    } catch (error) {
      await this.stop(0);
      throw error;
    }
  }

  /** The last `count` output lines. */
  logs(count = 100): string[] {
    return this.lines.slice(-count);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Safe to call twice and on a process that already exited. */
  async stop(graceMs = 10_000): Promise<ExitInfo> {
    this.stopping = true;
    const child = this.child;
    if (!child || !this.running) return this.exited;
    child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills without grace, as the OOM killer or a crash would. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child?.kill(signal);
  }

  private keep(line: string): void {
    if (!line) return;
    this.lines.push(line);
    if (this.lines.length > KEPT_LINES) this.lines.splice(0, this.lines.length - KEPT_LINES);
    this.logStream?.write(`${line}\n`);
  }
}
