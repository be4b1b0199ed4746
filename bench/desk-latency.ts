/**
 * `npm run bench -- desk-latency [--scenario missing-index] [--niceness 0,10] [--rounds 2]`: how long
 * the people's own commands take while a fault saturates the machine. A game day of the scenario on
 * the embedded stack (game-day mode, time scale 60) with the stack at each niceness
 * (GAMEDAY_STACK_NICENESS); once the fault is in and the load has built, `gameday status` three times,
 * then `gameday abort`: how long the command took and when the harness had reverted and exited.
 * Prints a Markdown table for bench/RESULTS.md.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { percentile } from './stats.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'missing-index' },
    niceness: { type: 'string', default: '0,10' },
    rounds: { type: 'string', default: '2' },
  },
  allowPositionals: true,
});
const scenario = values.scenario!;
/** After the fault is in: long enough for the traffic's table scans to fill both cores. */
const BUILD_UP_MS = 5_000;

async function timed(env: NodeJS.ProcessEnv, args: string[]): Promise<number> {
  const started = performance.now();
  await run(process.execPath, ['bin/gameday.js', ...args], { cwd: ROOT, env }).catch(() => undefined);
  return performance.now() - started;
}

interface Round {
  niceness: string;
  status: number[];
  abort: number;
  exitAfterAbort: number;
  load: number;
}

async function round(niceness: string): Promise<Round> {
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-desk-state-'));
  const reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-desk-reports-'));
  const env = { ...process.env, GAMEDAY_STATE_DIR: stateDir, GAMEDAY_STACK_NICENESS: niceness, CI: '1' };
  const child: ChildProcess = spawn(
    process.execPath,
    ['bin/gameday.js', 'run', scenario, '--mode', 'gameday', '--time-scale', '60', '--report-dir', reportDir],
    { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = once(child, 'exit');
  try {
    let stderr = '';
    const injected = await new Promise<boolean>((resolve) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes(`${scenario} fault-injected`)) resolve(true);
      });
      void exited.then(() => resolve(false));
    });
    if (!injected) throw new Error(`the game day ended before the fault was in:\n${stderr.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, BUILD_UP_MS));
    const load = os.loadavg()[0]!;
    const status = [];
    for (let i = 0; i < 3; i++) status.push(await timed(env, ['status']));
    const aborted = performance.now();
    const abort = await timed(env, ['abort', 'desk-latency bench']);
    await exited;
    return { niceness, status, abort, exitAfterAbort: performance.now() - aborted, load };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await run(process.execPath, ['bin/gameday.js', 'cleanup'], { cwd: ROOT, env }).catch(() => undefined);
    await fs.rm(stateDir, { recursive: true, force: true });
    await fs.rm(reportDir, { recursive: true, force: true });
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rounds: Round[] = [];
const settings = values.niceness!.split(',');
for (let i = 0; i < Number(values.rounds); i++)
  for (const niceness of settings) {
    rounds.push(await round(niceness));
    const last = rounds.at(-1)!;
    console.error(
      `[${rounds.length}/${settings.length * Number(values.rounds)}] niceness ${niceness}: status ${last.status.map(seconds).join(', ')}; abort ${seconds(last.abort)}, exited ${seconds(last.exitAfterAbort)} after it`,
    );
  }

console.log(`desk latency during ${scenario} (game-day mode, time scale 60, ${os.cpus().length} cores)\n`);
console.log(
  '| stack niceness | load (1 min) | `gameday status` (median, max of 3) | `gameday abort` | harness exit after abort |',
);
console.log('| ---: | ---: | --- | ---: | ---: |');
for (const r of rounds)
  console.log(
    `| ${r.niceness} | ${r.load.toFixed(1)} | ${seconds(percentile(r.status, 0.5))}, ${seconds(Math.max(...r.status))} | ${seconds(r.abort)} | ${seconds(r.exitAfterAbort)} |`,
  );
