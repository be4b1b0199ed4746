/**
 * `npm run bench -- cli-start [--runs 7] [--before <git ref>]`: how long a CLI start takes, from spawn to
 * exit, for the commands people and scripts start most: a responder's `gameday status` during a drill,
 * `gameday run`'s start (`run --help` loads everything a run loads, and starts no stack), `gameday list`.
 * With --before, the same commands from a worktree of that ref (sharing this checkout's node_modules)
 * are timed in the same run, alternating, and the table gives the ratio. Prints a Markdown table for
 * bench/RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { percentile } from './stats.ts';
import { here, worktreeAt } from './worktree.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '7' }, before: { type: 'string' } },
  allowPositionals: true,
});
const runs = Number(values.runs);
const COMMANDS = [['status', '--json'], ['run', '--help'], ['list'], ['--help']];

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gameday-cli-state-'));
/** Milliseconds from spawn to exit (a status with no game day running exits 3, as it should). */
function timeOnce(checkout: string, args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['bin/gameday.js', ...args], {
    cwd: checkout,
    env: { ...process.env, GAMEDAY_STATE_DIR: stateDir },
    stdio: 'ignore',
  });
  if (result.status !== 0 && !(args[0] === 'status' && result.status === 3))
    throw new Error(`gameday ${args.join(' ')} exited ${result.status} in ${checkout}`);
  return performance.now() - started;
}

const before = values.before ? worktreeAt(values.before) : undefined;
try {
  const rows: string[] = [];
  for (const args of COMMANDS) {
    const now: number[] = [];
    const then: number[] = [];
    // One warm-up each (tsx's transform cache), then alternating, so drift in the machine hits both.
    timeOnce(here, args);
    if (before) timeOnce(before.dir, args);
    for (let run = 0; run < runs; run++) {
      now.push(timeOnce(here, args));
      if (before) then.push(timeOnce(before.dir, args));
    }
    const median = (samples: number[]) => percentile(samples, 0.5);
    const cells = [`\`gameday ${args.join(' ')}\``, `${Math.round(median(now))}`];
    if (before) cells.push(`${Math.round(median(then))}`, (median(now) / median(then)).toFixed(2));
    rows.push(`| ${cells.join(' | ')} |`);
  }
  const header = before
    ? `| command | now, median ms | ${values.before}, median ms | ratio |\n| --- | ---: | ---: | ---: |`
    : '| command | median ms |\n| --- | ---: |';
  console.log(`${runs} runs each, ${os.cpus().length} cores\n\n${header}\n${rows.join('\n')}`);
} finally {
  before?.remove();
  fs.rmSync(stateDir, { recursive: true, force: true });
}
