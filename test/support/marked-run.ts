import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * `gameday ARGS` in its own state and report directories, to be stopped once a timeline marker shows
 * on its stderr (the crash matrix, the desk-latency bench). `dispose()` leaves nothing: it kills the
 * run if it is still going, runs `gameday cleanup` in its state directory and removes both directories.
 */
export class MarkedRun {
  stderr = '';
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;

  private constructor(
    readonly child: ChildProcess,
    readonly env: NodeJS.ProcessEnv,
    readonly stateDir: string,
    readonly reportDir: string,
  ) {
    this.exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  /** Starts `gameday ARGS --report-dir DIR` with `env` on top of this process's environment. */
  static async start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<MarkedRun> {
    const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-marked-state-'));
    const reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-marked-reports-'));
    const fullEnv = { ...process.env, ...env, GAMEDAY_STATE_DIR: stateDir, CI: '1' };
    const child = spawn(process.execPath, ['bin/gameday.js', ...args, '--report-dir', reportDir], {
      cwd: ROOT,
      env: fullEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return new MarkedRun(child, fullEnv, stateDir, reportDir);
  }

  /** True once `marker` is on stderr; false if the run ends before it shows. */
  reached(marker: string): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const look = () => {
        if (this.stderr.includes(marker)) {
          this.child.stderr!.off('data', look);
          resolve(true);
        }
      };
      this.child.stderr!.on('data', look);
      look();
      void this.exited.then(() => resolve(this.stderr.includes(marker)));
    });
  }

  /** Another gameday command against this run's state (`status`, `abort`, `cleanup`). */
  command(args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run(process.execPath, ['bin/gameday.js', ...args], { cwd: ROOT, env: this.env });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async dispose(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    await this.command(['cleanup']).catch(() => undefined);
    await fs.rm(this.stateDir, { recursive: true, force: true });
    await fs.rm(this.reportDir, { recursive: true, force: true });
  }
}
