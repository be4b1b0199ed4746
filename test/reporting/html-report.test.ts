import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { GameDayResult } from '../../src/engine/result.ts';
import type { HtmlReportData } from '../../src/reporting/html-report.ts';
import { toHtml } from '../../src/reporting/html-report.ts';
import { CHROMIUM, launchChromium } from '../support/headless-chromium.ts';
import { gameDayFixture } from './game-day-fixture.ts';

/** The little of a <canvas> the test reads (the project's TypeScript has no DOM types). */
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}

function embeddedData(html: string): HtmlReportData {
  const match = /<script type="application\/json" id="gameday-data">(.*?)<\/script>/s.exec(html);
  if (!match) throw new Error('no gameday-data script in the page');
  return JSON.parse(match[1]!) as HtmlReportData;
}

describe('the HTML report, as text', () => {
  const html = toHtml(gameDayFixture());

  it('loads nothing from the network: no http(s) or protocol-relative src or href', () => {
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b|<script\b[^>]*\bsrc=|@import|url\(\s*["']?(?:https?:)?\/\//i);
  });

  it('writes details as text: markup in them cannot open a tag or close the script', () => {
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;');
    expect(html).toContain('The primary database hangs &amp; &lt;nobody&gt; notices');
    // Only the page's own four scripts (data, uPlot, the shared number formatting, charts) end a <script>.
    expect(html.match(/<\/script>/g)).toHaveLength(4);
  });

  it('says which remedy work was set aside from the TTR and which counted while the window cleared', () => {
    expect(html).toContain('2.0 s remedy work, 1.5 s more counted (the alert window cleared meanwhile)');
  });

  it('embeds the charts’ data, converted to the units on their axes', () => {
    const data = embeddedData(html);
    expect(data.scenarios.map((scenario) => scenario.id)).toEqual(['pool-exhausted', 'database-hang']);
    const healthy = data.scenarios[0]!;
    expect(healthy.charts.map((chart) => chart.name)).toEqual([
      'alert',
      'errorRate',
      'queryP95',
      'websocketConnections',
      'databaseConnections',
      'breaker',
    ]);
    const errorRate = healthy.charts.find((chart) => chart.name === 'errorRate')!;
    expect(errorRate.data[0]).toHaveLength(61);
    expect(errorRate.data[1][0]).toBeCloseTo(0.001); // a share, written "0.10 %" by formatValue
    expect(healthy.charts.find((chart) => chart.name === 'alert')!.threshold).toEqual({
      value: 0.01,
      comparator: '>',
    });
    // The detail with markup survives the trip through JSON.
    expect(html).not.toMatch(/<\/script><b>/);
    // No chart for the series without samples: the page shows a placeholder instead.
    expect(data.scenarios[1]!.charts.map((chart) => chart.name)).not.toContain('databaseConnections');
    expect(html).toContain('data-chart="database-hang:databaseConnections" data-points="0">no data');
  });

  it('lists, in game-day mode, the checkpoints, the commands and the runbook steps used and not', () => {
    expect(html).toContain('<caption>Commands the responders ran</caption>');
    expect(html).toContain(
      '<code>gameday ctl set env DATABASE_POOL_MAX=50</code></td><td>changed the deployment',
    );
    expect(html).toMatch(/<td>root cause identified<\/td><td>mark<\/td>/);
    expect(html).toMatch(/DATABASE_POOL_MAX=50<\/code><\/td><td>at 15\.0 s</);
    expect(html).toMatch(/rollout history deployment\/chat-backend<\/code><\/td><td>not used</);
    // A step the harness cannot observe (SQL in psql) is not listed as "not used".
    expect(html).not.toContain('SELECT count(*) FROM pg_stat_activity;</code>');
  });

  it('marks TTR over target and a missed resolution in red', () => {
    expect(html).toContain('<span class="over">not resolved</span>');
    const late = gameDayFixture();
    const [scenario] = late.scenarios;
    scenario!.resolution = {
      ...scenario!.resolution,
      timeToResolveMs: 31_000,
      remedyWorkMs: 0,
      targetMs: 20_000,
    };
    expect(toHtml(late)).toContain('<span class="over">31.0 s / 20.0 s</span>');
    expect(html).not.toContain('<span class="over">19.0 s');
  });

  it('reads a report from before the key metrics were recorded: their charts say "no data"', () => {
    const old = gameDayFixture() as unknown as { scenarios: Record<string, unknown>[] };
    for (const scenario of old.scenarios) {
      scenario.series = { alert: (scenario.series as GameDayResult['scenarios'][number]['series']).alert };
      delete scenario.claims;
      delete scenario.runbookChecks;
    }
    const page = toHtml(old as unknown as GameDayResult);
    expect(page.match(/>no data</g)).toHaveLength(2 * 5);
  });
});

// `npm test` installs Chromium (scripts/test-prerequisites.sh): without it this fails, never skips.
describe(`the HTML report in a real browser (needs ${CHROMIUM})`, () => {
  it('draws every chart with its data and marks, offline and without console errors', {
    timeout: 60_000,
  }, async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-html-'));
    const file = path.join(dir, 'report.html');
    await fs.writeFile(file, toHtml(gameDayFixture()));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      const network: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      // The report must open from disk alone: anything else it asks for is recorded and refused.
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (/^(?:file|data):/.test(url)) return route.continue();
        network.push(url);
        return route.abort();
      });
      page.on('request', (request) => {
        const url = request.url();
        if (!/^(?:file|data):/.test(url) && !network.includes(url)) network.push(url);
      });

      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });

      const charts = await page.$$eval('[data-chart]', (elements) =>
        elements.map((element) => ({
          name: element.getAttribute('data-chart'),
          points: Number(element.getAttribute('data-points')),
          canvas: element.querySelector('canvas') !== null,
          noData: element.classList.contains('no-data') && element.textContent === 'no data',
        })),
      );
      expect(charts).toHaveLength(12);
      for (const chart of charts) {
        if (chart.name === 'database-hang:databaseConnections')
          expect(chart).toMatchObject({ points: 0, canvas: false, noData: true });
        else expect(chart, chart.name!).toMatchObject({ points: 61, canvas: true, noData: false });
      }

      // The overlays are on the canvas: the alert's red, the checkpoints' blue, the recovery's green.
      const colours = await page.$eval('[data-chart="pool-exhausted:errorRate"] canvas', (element) => {
        const canvas = element as unknown as Canvas;
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        const near = (i: number, [r, g, b]: number[]) =>
          Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 40;
        const count = (rgb: number[]) => {
          let n = 0;
          for (let i = 0; i < data.length; i += 4) if (near(i, rgb)) n += 1;
          return n;
        };
        return {
          alert: count([220, 38, 38]),
          checkpoint: count([29, 78, 216]),
          recovered: count([22, 163, 74]),
        };
      });
      expect(colours.alert).toBeGreaterThan(50);
      expect(colours.checkpoint).toBeGreaterThan(50);
      expect(colours.recovered).toBeGreaterThan(50);

      expect(network).toEqual([]);
      expect(problems).toEqual([]);
      await page.screenshot({ path: path.join(os.tmpdir(), 'report-screenshot.png'), fullPage: true });
    } finally {
      await browser.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
