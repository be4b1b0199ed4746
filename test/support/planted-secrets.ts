import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Unique secrets for a run (GAMEDAY_SECRET_*), each easy to find wherever it leaks. */
export function plantedSecrets(): Record<string, string> {
  const planted = (name: string) =>
    `planted${name.toLowerCase().replace(/_/g, '')}${randomBytes(6).toString('hex')}`;
  return Object.fromEntries(
    ['ADMIN_TOKEN', 'JWT_SECRET', 'DATABASE_PASSWORD', 'APP_PASSWORD', 'CONTROL_TOKEN'].map((name) => [
      `GAMEDAY_SECRET_${name}`,
      planted(name),
    ]),
  );
}

/** Every process's command line, sampled until `stop()`: what `ps` shows anyone on the machine. */
export function sampleProcessList(everyMs = 1_000): { stop(): Promise<string> } {
  let seen = '';
  let running = true;
  const loop = (async () => {
    while (running) {
      seen += (await run('ps', ['-eo', 'args'], { maxBuffer: 16 * 1024 * 1024 })).stdout;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

/** The planted secrets found in `texts` and in every file under `dirs`, as "secret in where". */
export async function leakedSecrets(
  secrets: Record<string, string>,
  texts: Record<string, string>,
  dirs: string[],
): Promise<string[]> {
  const sources: [string, string][] = Object.entries(texts);
  for (const dir of dirs) {
    for (const name of await fs.readdir(dir, { recursive: true })) {
      const file = path.join(dir, String(name));
      if ((await fs.stat(file)).isFile()) sources.push([file, await fs.readFile(file, 'utf8')]);
    }
  }
  return Object.entries(secrets).flatMap(([name, value]) =>
    sources.filter(([, text]) => text.includes(value)).map(([where]) => `${name} in ${where}`),
  );
}
