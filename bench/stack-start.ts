/**
 * Stack start, each way gameday gets a stack: embedded (child processes), containers (one container per
 * process) and compose (`docker-compose up -d` of docker-compose.yml until the backend answers).
 *
 *   npm run bench -- stack-start [--runs 3] [--seed tiny|gameday]
 *
 * Images and the seed snapshot are made first and not timed (a warm start, as in CI after
 * `gameday images --compose`). The compose stack seeds its own database on every start.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs, promisify } from 'node:util';
import type { SeedPreset } from '../fixtures/chat-backend/db/seed.ts';
import { httpRequest } from '../src/core/http-client.ts';
import { waitUntil } from '../src/core/wait.ts';
import { containersOption } from '../src/stack/containers/base-image.ts';
import { ensureComposeStandIns } from '../src/stack/containers/compose-images.ts';
import { EmbeddedStack } from '../src/stack/embedded/embedded-stack.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, seed: { type: 'string', default: 'tiny' } },
  allowPositionals: true,
});
const runs = Number(values.runs);
const seed = values.seed as SeedPreset;

async function timed(start: () => Promise<() => Promise<void>>): Promise<number> {
  const started = performance.now();
  const stop = await start();
  const seconds = (performance.now() - started) / 1000;
  await stop();
  return seconds;
}

const image = (await containersOption(() => undefined)).image;
const composeEnv = {
  ...process.env,
  ...(await ensureComposeStandIns()),
  COMPOSE_PROJECT_NAME: `gdbench${randomBytes(3).toString('hex')}`,
  GAMEDAY_SEED_PRESET: seed,
};
const compose = (...args: string[]) =>
  run('docker-compose', args, { env: composeEnv, maxBuffer: 20_000_000 });
await compose('build', '--quiet');
// The embedded stacks' seed snapshot, made once.
await (await EmbeddedStack.up({ seed, replicas: 1 })).down();

const kinds: Record<string, () => Promise<() => Promise<void>>> = {
  embedded: async () => {
    const stack = await EmbeddedStack.up({ seed });
    return () => stack.down();
  },
  containers: async () => {
    const stack = await EmbeddedStack.up({ seed, containers: { image } });
    return () => stack.down();
  },
  compose: async () => {
    await compose('up', '-d');
    await waitUntil(
      () =>
        httpRequest('http://127.0.0.1:3001/api/v1/health', { timeoutMs: 1_000 }).then(
          (r) => r.status === 200,
        ),
      { timeoutMs: 180_000, intervalMs: 100, what: 'the compose backend' },
    );
    return async () => {
      await compose('down', '--volumes', '--remove-orphans');
    };
  },
};

console.log(`| stack (seed ${seed}) | start, ${runs} runs (s) |`);
console.log('| --- | --- |');
for (const [kind, start] of Object.entries(kinds)) {
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    seconds.push(await timed(start));
    console.error(`${kind} ${i + 1}: ${seconds.at(-1)!.toFixed(1)} s`);
  }
  console.log(`| ${kind} | ${seconds.map((s) => s.toFixed(1)).join(', ')} |`);
}
