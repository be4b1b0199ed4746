/**
 * Cold and warm `stack up` times of the embedded stack.
 *
 *   npm run bench -- stack-up [--seed gameday|tiny] [--warm-runs 3] [--before <git ref>]
 *
 * Cold: an empty seed cache (initdb, schema, seed, snapshot). Warm: the snapshot is reused. Each run
 * brings the whole stack up (primary, replica, proxy, store, front, 2 backend replicas) and down, in a
 * process of its own. With --before, a worktree of that ref (sharing this checkout's node_modules) is
 * timed too, alternating with this checkout, so drift in the machine hits both; the table gives the
 * warm ratio.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { percentile } from './stats.ts';
import { here, worktreeAt } from './worktree.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: 'gameday' },
    'warm-runs': { type: 'string', default: '3' },
    before: { type: 'string' },
  },
  allowPositionals: true,
});
const warmRuns = Number(values['warm-runs']);

/** One stack up and down in `checkout`, in a fresh process: seconds up, seconds down. */
function upAndDown(checkout: string, cache: string): { up: number; down: number } {
  const script = `
    const { EmbeddedStack } = await import('./src/stack/embedded/embedded-stack.ts');
    const started = performance.now();
    const stack = await EmbeddedStack.up({ seed: ${JSON.stringify(values.seed)} });
    const up = (performance.now() - started) / 1000;
    const downStarted = performance.now();
    await stack.down();
    console.log(JSON.stringify({ up, down: (performance.now() - downStarted) / 1000 }));`;
  const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: checkout,
    env: { ...process.env, GAMEDAY_CACHE_DIR: cache },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(output.trim().split('\n').at(-1)!);
}

const before = values.before ? worktreeAt(values.before) : undefined;
const checkouts = [
  { name: 'now', dir: here },
  ...(before ? [{ name: values.before!, dir: before.dir }] : []),
];
const caches = checkouts.map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'gameday-bench-cache-')));
try {
  const cold = checkouts.map((checkout, i) => upAndDown(checkout.dir, caches[i]!).up);
  const warm: number[][] = checkouts.map(() => []);
  for (let run = 0; run < warmRuns; run++) {
    checkouts.forEach((checkout, i) => {
      const { up, down } = upAndDown(checkout.dir, caches[i]!);
      warm[i]!.push(up);
      console.error(`${checkout.name} warm ${run + 1}: up ${up.toFixed(1)} s, down ${down.toFixed(1)} s`);
    });
  }
  const median = (samples: number[]) => percentile(samples, 0.5);
  console.log(
    `seed ${values.seed}, ${warmRuns} warm runs each, ${os.cpus().length} cores\n\n| checkout | cold up (s) | warm up (s) | warm median (s) |\n| --- | ---: | --- | ---: |`,
  );
  for (const [i, checkout] of checkouts.entries()) {
    console.log(
      `| ${checkout.name} | ${cold[i]!.toFixed(1)} | ${warm[i]!.map((s) => s.toFixed(1)).join(', ')} | ${median(warm[i]!).toFixed(1)} |`,
    );
  }
  if (before)
    console.log(`\nwarm ratio, now / ${values.before}: ${(median(warm[0]!) / median(warm[1]!)).toFixed(2)}`);
} finally {
  before?.remove();
  for (const cache of caches) fs.rmSync(cache, { recursive: true, force: true });
}
