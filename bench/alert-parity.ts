/**
 * Detection parity: gameday's own evaluator beside the real Prometheus (and the Alertmanager it sends
 * to), for every scenario. Runs the game day with the chosen source on the embedded stack (gameday
 * starts Debian's Prometheus and Alertmanager beside it), or reads a report a run left, and prints the
 * table for bench/RESULTS.md.
 *
 *   npm run bench -- alert-parity [--source alertmanager|prometheus] [--from reports/latest/report.json] [ids…]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatMs } from '../src/core/format.ts';
import type { GameDayResult } from '../src/engine/result.ts';

const { values, positionals } = parseArgs({
  options: {
    source: { type: 'string', default: 'alertmanager' },
    from: { type: 'string' },
  },
  allowPositionals: true,
});
const ids = positionals.filter((id) => id !== 'alert-parity');

async function runGameDay(): Promise<{ report: GameDayResult; wallMs: number }> {
  const reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-bench-parity-'));
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['bin/gameday.js', 'run', ...ids, '--alert-source', values.source!, '--report-dir', reportDir],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  await new Promise((resolve) => child.on('exit', resolve));
  const report = JSON.parse(
    await fs.readFile(path.join(reportDir, 'latest', 'report.json'), 'utf8'),
  ) as GameDayResult;
  return { report, wallMs: performance.now() - started };
}

const { report, wallMs } = values.from
  ? { report: JSON.parse(await fs.readFile(values.from, 'utf8')) as GameDayResult, wallMs: undefined }
  : await runGameDay();

const ms = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : formatMs(value);
const signed = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : `${value >= 0 ? '+' : '−'}${formatMs(Math.abs(value))}`;

const rows = report.scenarios.map((scenario) => {
  const parity = scenario.detection.parity;
  if (!parity) return `| ${scenario.id} | ${scenario.status} | (builtin source: no parity) |||||||`;
  const spans = parity.disagreements
    .map((d) => `${formatMs(d.toMs - d.fromMs)} (builtin ${d.builtin}, ${parity.source} ${d.source})`)
    .join('; ');
  return `| ${scenario.id} | ${scenario.status} | ${ms(parity.builtinTimeToDetectMs)} | ${ms(parity.prometheusTimeToDetectMs)} | ${ms(parity.sourceTimeToDetectMs)} | ${signed(parity.prometheusDifferenceMs ?? parity.differenceMs)} | ${formatMs(parity.toleranceMs)} | ${parity.withinTolerance ? 'yes' : '**no**'} | ${parity.firstToFire} | ${spans || 'none'} |`;
});
const judgedDifference = (s: (typeof report.scenarios)[number]) =>
  s.detection.parity?.prometheusDifferenceMs ?? s.detection.parity?.differenceMs ?? null;
// Judged where both sides fired; an alert neither fired says nothing about parity.
const bothFired = report.scenarios.filter((s) => judgedDifference(s) !== null);
const within = bothFired.filter((s) => s.detection.parity!.withinTolerance).length;
const differences = bothFired.map((s) => Math.abs(judgedDifference(s)!)).sort((a, b) => a - b);
const neither = report.scenarios.filter((s) => s.detection.parity?.firstToFire === 'neither').length;

process.stdout.write(
  [
    `run ${report.runId}: --alert-source ${report.alertSource ?? 'builtin'}, stack ${report.stack}, time scale ${report.timeScale}, ${report.scenarios.filter((s) => s.status === 'passed').length}/${report.scenarios.length} passed in ${formatMs(report.durationMs)}${wallMs === undefined ? '' : ` (bench wall ${formatMs(wallMs)})`}`,
    '',
    '| scenario | status | builtin TTD | Prometheus TTD | source TTD | judged difference (Prometheus, else source − builtin) | tolerance | within | first to fire | disagreements (firing vs not, longer than the tolerance) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `where both fired, ${within}/${bothFired.length} within one scrape + one evaluation (+ one read); |judged difference|: median ${ms(differences[Math.floor(differences.length / 2)])}, max ${ms(differences.at(-1))}; fired in neither: ${neither}`,
    '',
  ].join('\n'),
);
