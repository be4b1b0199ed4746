/**
 * Where a game day's wall time goes: per scenario and in total, the stack start or reset before it,
 * starting the traffic, the baseline, the injection, detection, the response (remedy steps), recovery,
 * and the teardown (revert, post-undo checks, invariants).
 *
 *   npm run bench -- game-day-phases [--time-scale 60] [--skip-remedy] [ids…]
 *   npm run bench -- game-day-phases --report reports/latest/report.json
 *
 * Prints a Markdown table for bench/RESULTS.md.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { GameDayResult, ScenarioResult } from '../src/engine/result.ts';
import { runGameDay } from '../src/engine/run-game-day.ts';

const { values, positionals } = parseArgs({
  options: {
    'time-scale': { type: 'string', default: '60' },
    'skip-remedy': { type: 'boolean', default: false },
    report: { type: 'string' },
  },
  allowPositionals: true,
});

const PHASES = [
  'stack',
  'traffic',
  'baseline',
  'inject',
  'detect',
  'respond',
  'recover',
  'teardown',
] as const;
type Phase = (typeof PHASES)[number];

/** The phase boundaries from the scenario's timeline (ms since the scenario started). */
function phasesOf(scenario: ScenarioResult, stackMs: number): Record<Phase, number> {
  const first = (...kinds: string[]) => scenario.timeline.find((event) => kinds.includes(event.kind))?.atMs;
  const last = (...kinds: string[]) =>
    scenario.timeline.findLast((event) => kinds.includes(event.kind))?.atMs;
  const end = scenario.durationMs;
  const traffic = first('traffic-start') ?? 0;
  const baseline = first('baseline-ok') ?? traffic;
  const injected = first('fault-injected') ?? baseline;
  const detected = Math.max(first('alert-firing') ?? injected, injected);
  const responded = Math.max(last('remedy-step-done', 'remedy-skipped') ?? detected, detected);
  const recovered = Math.max(first('recovered', 'not-resolved') ?? responded, responded);
  return {
    stack: stackMs,
    traffic,
    baseline: baseline - traffic,
    inject: injected - baseline,
    detect: detected - injected,
    respond: responded - detected,
    recover: recovered - responded,
    teardown: end - recovered,
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}`;

async function result(): Promise<GameDayResult> {
  if (values.report) return JSON.parse(await readFile(values.report, 'utf8')) as GameDayResult;
  const ids = positionals.filter((p) => p !== 'game-day-phases');
  return runGameDay({
    ids,
    timeScale: Number(values['time-scale']),
    skipRemedy: values['skip-remedy'],
    onProgress: (line) => console.error(line),
  });
}

const run = await result();
const totals = Object.fromEntries(PHASES.map((phase) => [phase, 0])) as Record<Phase, number>;
let previousEnd = new Date(run.startedAt).getTime();
const rows: string[] = [];
for (const scenario of run.scenarios) {
  const started = new Date(scenario.startedAt).getTime();
  // Between one scenario's end and the next one's start: a stack started, reset, or reused.
  const phases = phasesOf(scenario, Math.max(0, started - previousEnd));
  previousEnd = started + scenario.durationMs;
  for (const phase of PHASES) totals[phase] += phases[phase];
  rows.push(
    `| ${scenario.id} | ${scenario.status} | ${PHASES.map((phase) => seconds(phases[phase])).join(' | ')} | ${seconds(phases.stack + scenario.durationMs)} |`,
  );
}
const all = PHASES.reduce((sum, phase) => sum + totals[phase], 0);
console.log(
  `time scale ${run.timeScale}, ${run.scenarios.length} scenarios, ${run.status}; game day ${seconds(run.durationMs)} s\n`,
);
console.log(`| scenario | status | ${PHASES.join(' | ')} | total |`);
console.log(`| --- | --- | ${PHASES.map(() => '---:').join(' | ')} | ---: |`);
for (const row of rows) console.log(row);
console.log(
  `| **all** | | ${PHASES.map((phase) => `**${seconds(totals[phase])}**`).join(' | ')} | **${seconds(all)}** |`,
);
console.log(
  `| share | | ${PHASES.map((phase) => `${((100 * totals[phase]) / all).toFixed(0)} %`).join(' | ')} | |`,
);
