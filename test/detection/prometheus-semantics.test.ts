import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MetricStore } from '../../src/detection/metric-store.ts';

const run = promisify(execFile);

/**
 * gameday's evaluator computes increase() (and so rate()) as Prometheus does, checked by Prometheus's own
 * promtool: each shape of counter below is fed to both, and promtool asserts gameday's values at every
 * evaluation time (a fresh counter, a reset, a gap wider than the spacing, one sample in the window).
 */
const STEP_MS = 15_000;
const WINDOW_MS = 60_000;
const SHAPES: Record<string, (number | null)[]> = {
  steady: Array.from({ length: 12 }, (_, i) => i * 30),
  'born mid-window': [null, null, null, null, 5, 10, 15, 20, 40, 41, 41, 41],
  reset: [100, 110, 120, 5, 15, 25, 35, 35, 36, 50, 51, 52],
  'gap wider than the spacing': [0, null, null, 30, 60, 90, null, null, null, 120, 130, 140],
  'one sample in the window': [null, null, null, null, null, null, null, null, null, null, null, 7],
};

describe('increase() and rate() as Prometheus computes them', () => {
  it('agree with promtool on every shape at every evaluation', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gameday-semantics-'));
    try {
      const store = new MetricStore(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
      for (const [shape, values] of Object.entries(SHAPES))
        values.forEach((value, i) => {
          if (value !== null) store.add([{ name: 'c', labels: { shape }, value }], i * STEP_MS);
        });
      const tests = [];
      let checked = 0;
      for (let i = 1; i < 12; i++) {
        const now = i * STEP_MS;
        // rate() is this divided by the window (src/detection/expr.ts); promtool compares floats to
        // the last bit, and Go's division order differs from ours there, so increase() is compared.
        const samples = store.increase('c', undefined, WINDOW_MS, now).map((series) => ({
          labels: `{shape="${series.labels.shape}"}`,
          value: series.value,
        }));
        checked += samples.length;
        tests.push({ expr: 'increase(c[1m])', eval_time: `${now / 1000}s`, exp_samples: samples });
      }
      // Not an empty comparison: most shapes have a value at most times.
      expect(checked).toBeGreaterThan(30);
      const file = path.join(dir, 'semantics.test.yml');
      await fs.writeFile(
        file,
        stringify({
          rule_files: [],
          evaluation_interval: '15s',
          tests: [
            {
              interval: '15s',
              input_series: Object.entries(SHAPES).map(([shape, values]) => ({
                series: `c{shape="${shape}"}`,
                values: values.map((v) => (v === null ? '_' : String(v))).join(' '),
              })),
              promql_expr_test: tests,
            },
          ],
        }),
      );
      const result = await run('promtool', ['test', 'rules', file]).catch(
        (error: { stdout: string }) => error,
      );
      expect(result.stdout, result.stdout + ((result as { stderr?: string }).stderr ?? '')).toContain(
        'SUCCESS',
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
