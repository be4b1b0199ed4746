import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { StopWaiting, waitUntil } from '../core/wait.ts';

export interface BinaryServiceOptions {
  /** Shown in logs and errors, e.g. "prometheus". */
  name: string;
  command: string;
  args: string[];
  /** Every output line goes here. */
  logFile: string;
  /** Resolves true once the service serves; polled after start. */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

/**
 * A helper program run beside the stack (Debian's Prometheus, Alertmanager): started, awaited until it
 * serves, stopped gracefully (SIGTERM, then SIGKILL). Unlike the stack's own processes it is a native
 * binary from PATH, not a Node entry file.
 */
export class BinaryService {
  private child: ChildProcess | undefined;
  private exited: Promise<unknown> = Promise.resolve();

  constructor(readonly options: BinaryServiceOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const log = fs.openSync(this.options.logFile, 'a');
    try {
      this.child = spawn(this.options.command, this.options.args, { stdio: ['ignore', log, log] });
    } finally {
      fs.closeSync(log);
    }
    this.exited = once(this.child, 'exit').catch(() => undefined);
    this.child.on('error', () => undefined);
    try {
      await waitUntil(
        async () => {
          if (!this.running) throw new StopWaiting(`${this.options.name} exited: ${this.tail()}`);
          return (await this.options.ready()) || undefined;
        },
        { timeoutMs: this.options.readyTimeoutMs ?? 30_000, what: `${this.options.name} to be ready` },
      );
    } catch (error) {
      await this.stop(0);
      throw error;
    }
  }

  /** The end of its log, for error messages. */
  tail(lines = 10): string {
    try {
      return fs.readFileSync(this.options.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
  async stop(graceMs = 5_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
