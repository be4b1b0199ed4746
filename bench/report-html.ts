/**
 * report.html at its largest: a real report.json (default reports/latest) widened to 16 scenarios,
 * each with every series at the most points the recorder keeps (2 × 600 − 1), as an hour-long game
 * day leaves them. Measures building the page, its size, and the time until Debian's Chromium has
 * drawn every chart (body[data-ready]).
 *
 *   npm run bench -- report-html [--from reports/latest/report.json] [--runs 5]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { GameDayResult, ScenarioResult } from '../src/engine/result.ts';
import type { SeriesPoint } from '../src/engine/series-recorder.ts';
import { toHtml } from '../src/reporting/html-report.ts';
import { launchChromium } from '../test/support/headless-chromium.ts';
import { percentile } from './stats.ts';

const { values } = parseArgs({
  options: {
    from: { type: 'string', default: 'reports/latest/report.json' },
    runs: { type: 'string', default: '5' },
  },
  allowPositionals: true,
});
const runs = Number(values.runs);
const POINTS = 2 * 600 - 1;
const SCENARIOS = 16;

/** The series stretched to POINTS points over the same span, values repeating the recorded shape. */
function widen(points: SeriesPoint[]): SeriesPoint[] {
  if (points.length === 0) return points;
  const span = points.at(-1)![0] - points[0]![0] || 1;
  return Array.from({ length: POINTS }, (_, i) => {
    const source = points[Math.floor((i / POINTS) * points.length)]!;
    return [Math.round(points[0]![0] + (i / POINTS) * span), source[1]];
  });
}

const real = JSON.parse(await fs.readFile(values.from!, 'utf8')) as GameDayResult;
const scenarios: ScenarioResult[] = Array.from({ length: SCENARIOS }, (_, i) => {
  const scenario = real.scenarios[i % real.scenarios.length]!;
  const series = Object.fromEntries(
    Object.entries(scenario.series).map(([name, points]) => [name, widen(points)]),
  ) as ScenarioResult['series'];
  return { ...scenario, id: `${scenario.id}-${i + 1}`, series };
});
const result: GameDayResult = { ...real, scenarios };

const buildMs: number[] = [];
let html = '';
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  html = toHtml(result);
  buildMs.push(performance.now() - started);
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-bench-report-'));
const file = path.join(dir, 'report.html');
await fs.writeFile(file, html);
const browser = await launchChromium();
const readyMs: number[] = [];
let heapMb = 0;
try {
  for (let i = 0; i < runs; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const started = performance.now();
    await page.goto(`file://${file}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    readyMs.push(performance.now() - started);
    heapMb = Math.max(
      heapMb,
      (await page.evaluate(
        () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
      )) /
        2 ** 20,
    );
    await page.close();
  }
} finally {
  await browser.close();
  await fs.rm(dir, { recursive: true, force: true });
}

const summary = (samples: number[]) =>
  `median ${percentile(samples, 0.5).toFixed(0)} ms, max ${Math.max(...samples).toFixed(0)} ms`;
console.log(
  `report.html, ${SCENARIOS} scenarios × ${Object.keys(scenarios[0]!.series).length} series × ${POINTS} points, ${runs} runs:`,
);
console.log(`  built in ${summary(buildMs)}; ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB`);
console.log(`  Chromium: every chart drawn in ${summary(readyMs)}; JS heap ${heapMb.toFixed(1)} MiB`);
