import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../../../src/core/wait.ts';
import type { ExternalConfig } from '../../../src/stack/external/external-config.ts';
import { StackCommands } from '../../../src/stack/external/stack-commands.ts';

async function running(commandLine: string): Promise<boolean> {
  const { stdout } = await promisify(execFile)('ps', ['-eo', 'args']).catch(() => ({ stdout: '' }));
  return stdout.split('\n').some((line) => line.trim() === commandLine);
}

const configWith = (commands: ExternalConfig['commands']): ExternalConfig =>
  ({ file: path.resolve('compose/gameday-stack.json'), commands }) as ExternalConfig;

describe("the external stack's commands", () => {
  it('run in the config file’s directory with the GAMEDAY_* variables they are given', async () => {
    const commands = new StackCommands(
      configWith({ rollout: 'echo "$GAMEDAY_RELEASE in $(basename "$PWD")"' }),
    );
    expect(await commands.run('rollout', { GAMEDAY_RELEASE: '1.5.0' })).toBe('1.5.0 in compose\n');
  });

  it('fail naming the command, the file, the exit code and the last lines of output', async () => {
    const commands = new StackCommands(
      configWith({ stopPrimary: 'echo "no such service: postgres" >&2; exit 3' }),
    );
    await expect(commands.run('stopPrimary')).rejects.toThrow(
      /commands\.stopPrimary of .*gameday-stack\.json exited 3:\nno such service: postgres/,
    );
  });

  it('are killed, with everything they started, when they take longer than timeoutSeconds', async () => {
    const commands = new StackCommands(configWith({ reset: 'sleep 31.7 & sleep 31.7', timeoutSeconds: 0.5 }));
    const started = Date.now();
    await expect(commands.run('reset')).rejects.toThrow(/commands\.reset of .* took longer than 0\.5 s/);
    expect(Date.now() - started).toBeLessThan(10_000);
    // The background sleep went with its process group.
    await waitUntil(async () => !(await running('sleep 31.7')), { timeoutMs: 2_000, what: 'no sleep left' });
  });

  it('a follower that ends on its own is started again, until stopped', async () => {
    const commands = new StackCommands(configWith({ logs: 'echo "follower $$"; sleep 0.1' }));
    const lines: string[] = [];
    const follower = commands.follow('logs', (line) => lines.push(line));
    try {
      await waitUntil(() => new Set(lines).size >= 2, { timeoutMs: 5_000, what: 'a second follower' });
    } finally {
      follower.stop();
    }
    const seen = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(lines.length).toBe(seen);
  });
});
