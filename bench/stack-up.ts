/**
 * Cold and warm `stack up` times of the embedded stack.
 *
 *   npm run bench -- stack-up [--seed gameday|tiny] [--warm-runs 3]
 *
 * Cold: an empty seed cache (initdb, schema, seed, snapshot). Warm: the snapshot is reused. Each run
 * brings the whole stack up (primary, replica, proxy, store, front, 2 backend replicas) and down.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { SeedPreset } from '../fixtures/chat-backend/db/seed.ts';
import { EmbeddedStack } from '../src/stack/embedded/embedded-stack.ts';

const { values } = parseArgs({
  options: { seed: { type: 'string', default: 'gameday' }, 'warm-runs': { type: 'string', default: '3' } },
  allowPositionals: true,
});
const cache = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-bench-cache-'));
process.env.GAMEDAY_CACHE_DIR = cache;

async function timeUp(label: string): Promise<number> {
  const started = performance.now();
  const stack = await EmbeddedStack.up({ seed: values.seed as SeedPreset });
  const seconds = (performance.now() - started) / 1000;
  const downStarted = performance.now();
  await stack.down();
  console.error(
    `${label}: up ${seconds.toFixed(1)} s, down ${((performance.now() - downStarted) / 1000).toFixed(1)} s`,
  );
  return seconds;
}

try {
  const cold = await timeUp('cold');
  const warm: number[] = [];
  for (let i = 0; i < Number(values['warm-runs']); i++) warm.push(await timeUp(`warm ${i + 1}`));
  console.log(`| seed | cold up (s) | warm up (s), ${warm.length} runs |`);
  console.log('|---|---:|---|');
  console.log(`| ${values.seed} | ${cold.toFixed(1)} | ${warm.map((w) => w.toFixed(1)).join(', ')} |`);
} finally {
  await fs.rm(cache, { recursive: true, force: true });
}
