/**
 * TTD and TTR of the game-day scenarios over several runs, and the harness's own share of TTD.
 *
 *   npm run bench -- scenario-timings [--runs 5] [--time-scale 60] [ids…]
 *
 * For each scenario: TTD (fault in place → alert firing), split into the signal's onset (fault in place →
 * first evaluation above the threshold: traffic, the metric's window, one scrape) and the "for" phase
 * (pending → firing). The analytic floor of the for phase is the alert's duration; what exceeds it is
 * the harness's scrape-and-evaluate granularity. TTR, the remedy's own work, and TTR without it.
 */
import { parseArgs } from 'node:util';
import type { ScenarioResult } from '../src/engine/result.ts';
import { runGameDay } from '../src/engine/run-game-day.ts';
import { percentile } from './stats.ts';

const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, 'time-scale': { type: 'string', default: '60' } },
  allowPositionals: true,
});
const timeScale = Number(values['time-scale']);
const samples = new Map<string, ScenarioResult[]>();

for (let run = 1; run <= Number(values.runs); run++) {
  const result = await runGameDay({ ids: positionals.filter((p) => p !== 'scenario-timings'), timeScale });
  for (const scenario of result.scenarios) {
    samples.set(scenario.id, [...(samples.get(scenario.id) ?? []), scenario]);
    console.error(
      `run ${run}: ${scenario.id} ${scenario.status} TTD ${scenario.detection.timeToDetectMs} TTR ${scenario.resolution.timeToResolveMs}`,
    );
  }
}

const at = (s: ScenarioResult, kind: string) => s.timeline.find((e) => e.kind === kind)?.at;
const stats = (xs: number[]) =>
  xs.length === 0
    ? 'n/a'
    : `${(Math.min(...xs) / 1000).toFixed(2)} / ${(percentile(xs, 0.5) / 1000).toFixed(2)} / ${(Math.max(...xs) / 1000).toFixed(2)}`;

console.log(`time scale ${timeScale}, ${values.runs} runs; each cell: min / median / max seconds\n`);
console.log(
  '| scenario | passed | TTD | onset (in place → pending) | for phase (pending → firing) | for phase − duration (harness) | TTR | remedy work | TTR − work |',
);
console.log('|---|---:|---|---|---|---|---|---|---|');
for (const [id, runs] of samples) {
  const forMs = runs[0]!.alertRule.forMs / timeScale;
  const onset: number[] = [];
  const forPhase: number[] = [];
  for (const s of runs) {
    const injected = at(s, 'fault-injected');
    const pending = s.timeline.filter(
      (e) => e.kind === 'alert-pending' && injected !== undefined && e.at >= injected,
    )[0]?.at;
    const fired = at(s, 'alert-firing');
    if (injected !== undefined && pending !== undefined) onset.push(pending - injected);
    if (pending !== undefined && fired !== undefined) forPhase.push(fired - pending);
  }
  const ttd = runs.map((s) => s.detection.timeToDetectMs).filter((x): x is number => x !== null);
  const ttr = runs.map((s) => s.resolution.timeToResolveMs).filter((x): x is number => x !== null);
  const work = runs.map((s) => s.resolution.remedyWorkMs);
  const net = runs
    .filter((s) => s.resolution.timeToResolveMs !== null)
    .map((s) => s.resolution.timeToResolveMs! - s.resolution.remedyWorkMs);
  console.log(
    `| ${id} | ${runs.filter((s) => s.status === 'passed').length}/${runs.length} | ${stats(ttd)} | ${stats(onset)} | ${stats(forPhase)} | ${stats(forPhase.map((x) => x - forMs))} | ${stats(ttr)} | ${stats(work)} | ${stats(net)} |`,
  );
}
