import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { formatMs, formatNumber, formatValue } from '../core/format.ts';
import type { GameDayResult } from '../engine/result.ts';
import { type ChartMarks, chartMarks } from './chart-marks.ts';
import { type ChartSpec, scenarioCharts, scenarioEndMs } from './chart-series.ts';
import { escapeHtml, jsonForScript } from './html-escape.ts';
import { scenarioSection } from './html-scenario.ts';
import { badge, scorecard, sectionKey } from './html-scorecard.ts';

/** What the client script reads from the page: per scenario, its charts and the marks to draw on them. */
export interface HtmlReportData {
  scenarios: { id: string; endS: number; marks: ChartMarks; charts: ChartSpec[] }[];
}

/** Text about to be inlined in a <script> or <style> must not be able to close that element early. */
function inlineable(text: string, tag: 'script' | 'style', source: string): string {
  if (text.toLowerCase().includes(`</${tag}`))
    throw new Error(`${source} contains </${tag}: cannot inline it`);
  return text;
}

// Read once, at load: the report opens from disk with no network, so the chart library travels inside it.
const require = createRequire(import.meta.url);
const uplotScriptPath = require.resolve('uplot/dist/uPlot.iife.min.js');
const uplotStylePath = require.resolve('uplot/dist/uPlot.min.css');
const clientScriptUrl = new URL('./html-report-client.js', import.meta.url);
const pageStyleUrl = new URL('./html-report.css', import.meta.url);
const UPLOT_SCRIPT = inlineable(readFileSync(uplotScriptPath, 'utf8'), 'script', uplotScriptPath);
const UPLOT_STYLE = inlineable(readFileSync(uplotStylePath, 'utf8'), 'style', uplotStylePath);
const CLIENT_SCRIPT = inlineable(readFileSync(clientScriptUrl, 'utf8'), 'script', clientScriptUrl.pathname);
const PAGE_STYLE = inlineable(readFileSync(pageStyleUrl, 'utf8'), 'style', pageStyleUrl.pathname);
/** The page writes numbers with the very functions the terminal and the post-mortem use, as their source. */
const FORMAT_SCRIPT = [formatMs, formatNumber, formatValue].map((format) => format.toString()).join('\n');

function header(result: GameDayResult): string {
  const passed = result.scenarios.filter((scenario) => scenario.status === 'passed').length;
  // Reports from before game-day mode have no mode.
  const mode = result.mode ? `\n<dt>Mode</dt><dd>${escapeHtml(result.mode)}</dd>` : '';
  const scale = `${result.timeScale}× (1 s here is ${formatMs(1000 * result.timeScale)} of runbook time)`;
  return `<header>
<h1>Game day ${escapeHtml(result.runId)} ${badge(result.status)}</h1>
<dl class="facts">
<dt>Stack</dt><dd>${escapeHtml(result.stack)}</dd>${mode}
<dt>Time scale</dt><dd>${escapeHtml(scale)}</dd>
<dt>Started</dt><dd>${escapeHtml(result.startedAt)}</dd>
<dt>Duration</dt><dd>${escapeHtml(formatMs(result.durationMs))}</dd>
<dt>Scenarios</dt><dd>${passed} of ${result.scenarios.length} passed</dd>
<dt>Runbooks</dt><dd>${escapeHtml(result.runbookFile)}</dd>
</dl>
</header>`;
}

/**
 * The run as one self-contained HTML page: header, scorecard, and per scenario its charts (uPlot,
 * inlined) with the fault window, alert, checkpoints and recovery marked, then its timeline.
 */
export function toHtml(result: GameDayResult): string {
  const scenarios = result.scenarios.map((scenario) => {
    const endMs = scenarioEndMs(scenario);
    return { scenario, endMs, charts: scenarioCharts(scenario), marks: chartMarks(scenario, endMs) };
  });
  const data: HtmlReportData = {
    scenarios: scenarios.map(({ scenario, endMs, charts, marks }) => ({
      id: sectionKey(scenario),
      endS: endMs / 1000,
      marks,
      charts: charts.filter((chart) => chart.points > 0),
    })),
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Game day ${escapeHtml(result.runId)}: ${escapeHtml(result.status)}</title>
<style>${UPLOT_STYLE}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
${header(result)}
<main>
<h2>Scorecard</h2>
${scorecard(result)}
${scenarios.map(({ scenario, charts }) => scenarioSection(scenario, charts)).join('\n')}
</main>
<script type="application/json" id="gameday-data">${jsonForScript(data)}</script>
<script>${UPLOT_SCRIPT}</script>
<script>${FORMAT_SCRIPT}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
