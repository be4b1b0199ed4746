/**
 * `npm run bench -- desk-latency [--scenario missing-index] [--niceness 0,10] [--rounds 2]`: how long
 * the people's own commands take while a fault saturates the machine. A game day of the scenario on
 * the embedded stack (game-day mode, time scale 60) with the stack at each niceness
 * (GAMEDAY_STACK_NICENESS); once the fault is in and the load has built, `gameday status` three times,
 * then `gameday abort`: how long the command took and when the harness had reverted and exited.
 * Prints a Markdown table for bench/RESULTS.md.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { MarkedRun } from '../test/support/marked-run.ts';
import { percentile } from './stats.ts';

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

/** How long a gameday command took, and whether it failed (a failed `status` is not a fast one). */
async function timed(started: MarkedRun, args: string[]): Promise<Timed> {
  const from = performance.now();
  const failed = await started.command(args).then(
    () => undefined,
    (error: Error & { code?: number; stderr?: string }) =>
      `exit ${error.code}: ${(error.stderr ?? error.message).trim().split('\n').at(-1)}`,
  );
  return { ms: performance.now() - from, ...(failed ? { failed } : {}) };
}

interface Timed {
  ms: number;
  failed?: string;
}

interface Round {
  niceness: string;
  status: Timed[];
  abort: Timed;
  exitAfterAbort: number;
  load: number;
}

async function round(niceness: string): Promise<Round> {
  // A time box well past the round: the default (twice the scenario's target, 40 s here) can end the
  // game day while a slow `status` still waits, and the commands after it then measure an error.
  const gameDay = ['run', scenario, '--mode', 'gameday', '--time-scale', '60', '--time-box', '10m'];
  const started = await MarkedRun.start(gameDay, {
    GAMEDAY_STACK_NICENESS: niceness,
  });
  try {
    if (!(await started.reached(`${scenario} fault-injected`)))
      throw new Error(`the game day ended before the fault was in:\n${started.stderr.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, BUILD_UP_MS));
    const load = os.loadavg()[0]!;
    const status = [];
    for (let i = 0; i < 3; i++) status.push(await timed(started, ['status']));
    const aborted = performance.now();
    const abort = await timed(started, ['abort', 'desk-latency bench']);
    await started.exited;
    return { niceness, status, abort, exitAfterAbort: performance.now() - aborted, load };
  } finally {
    await started.dispose();
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** A command's time, marked when it failed (its time is then how long it took to fail). */
const shown = (t: Timed) => `${seconds(t.ms)}${t.failed ? ` (failed: ${t.failed})` : ''}`;
const rounds: Round[] = [];
const settings = values.niceness!.split(',');
for (let i = 0; i < Number(values.rounds); i++)
  for (const niceness of settings) {
    rounds.push(await round(niceness));
    const last = rounds.at(-1)!;
    console.error(
      `[${rounds.length}/${settings.length * Number(values.rounds)}] niceness ${niceness}: status ${last.status.map(shown).join(', ')}; abort ${shown(last.abort)}, exited ${seconds(last.exitAfterAbort)} after it`,
    );
  }

console.log(`desk latency during ${scenario} (game-day mode, time scale 60, ${os.cpus().length} cores)\n`);
console.log(
  '| stack niceness | load (1 min) | `gameday status` (median, max of 3) | `gameday abort` | harness exit after abort | failed commands |',
);
console.log('| ---: | ---: | --- | ---: | ---: | --- |');
for (const r of rounds) {
  const ms = r.status.map((t) => t.ms);
  const failed = [...r.status, r.abort].filter((t) => t.failed).map((t) => t.failed);
  console.log(
    `| ${r.niceness} | ${r.load.toFixed(1)} | ${seconds(percentile(ms, 0.5))}, ${seconds(Math.max(...ms))} | ${seconds(r.abort.ms)} | ${seconds(r.exitAfterAbort)} | ${failed.join('; ') || 'none'} |`,
  );
}
