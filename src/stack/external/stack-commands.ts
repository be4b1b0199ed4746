import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { redactSecrets } from '../../core/redact.ts';
import type { ExternalConfig } from './external-config.ts';

type CommandName = Exclude<keyof ExternalConfig['commands'], 'timeoutSeconds'>;

/** The external stack's shell commands: run in the config file's directory, with GAMEDAY_* variables. */
export class StackCommands {
  constructor(private readonly config: ExternalConfig) {}

  has(name: CommandName): boolean {
    return Boolean(this.config.commands[name]);
  }

  private spawn(name: CommandName, env: Record<string, string>, detached: boolean): ChildProcess {
    const command = this.config.commands[name];
    if (!command) throw new Error(`${this.config.file}: commands.${name} is not set`);
    return spawn('sh', ['-c', command], {
      cwd: path.dirname(this.config.file),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A command run to its end gets its own process group, so a timeout ends all it started; a
      // follower stays in ours, so a Ctrl-C in the terminal reaches it even if the harness dies.
      detached,
    });
  }

  /** Runs a command to its end; a non-zero exit or a timeout throws with the output's last lines. */
  run(name: CommandName, env: Record<string, string> = {}): Promise<string> {
    const child = this.spawn(name, env, true);
    const timeoutMs = (this.config.commands.timeoutSeconds ?? 180) * 1000;
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      }, timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve(output);
        const tail = redactSecrets(output.trim().split('\n').slice(-5).join('\n'));
        const how =
          signal === 'SIGKILL' ? `took longer than ${timeoutMs / 1000} s` : `exited ${code ?? signal}`;
        reject(new Error(`commands.${name} of ${this.config.file} ${how}${tail ? `:\n${tail}` : ''}`));
      });
    });
  }

  /**
   * Starts a command that runs until `stop()`: each line of its output goes to `onLine`. A follower
   * that ends on its own (`docker-compose logs -f` once the container it follows is replaced) is
   * started again a second later.
   */
  follow(name: CommandName, onLine: (line: string) => void): { stop: () => void } {
    let stopped = false;
    let child: ChildProcess | undefined;
    let again: NodeJS.Timeout | undefined;
    const start = () => {
      let partial = '';
      const split = (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      };
      child = this.spawn(name, {}, false);
      child.stdout!.on('data', split);
      child.stderr!.on('data', split);
      child.on('error', () => undefined);
      child.on('exit', () => {
        if (!stopped) again = setTimeout(start, 1_000);
      });
    };
    start();
    return {
      stop: () => {
        stopped = true;
        clearTimeout(again);
        if (child?.exitCode === null) child.kill('SIGTERM');
      },
    };
  }
}
