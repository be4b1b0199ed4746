import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * The scripted responder (test/support/scripted-responder.ts) as a separate process, for
 * runGameDayCli's `alongside`: it gets the run's environment, and its output on failure.
 */
export function scriptedResponder(...args: string[]) {
  return async (env: Record<string, string>): Promise<string> => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/scripted-responder.ts', ...args],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`the scripted responder (${args.join(' ')}) exited ${code}:\n${output}`);
    return output;
  };
}
