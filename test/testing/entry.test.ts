import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/testing/index.ts';
import { seriesAround } from '../../src/testing/series-text.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

describe('gameday/testing', () => {
  it('runs in plain Node through its entry (as a test runner loads it from node_modules), with every name index.ts has', async () => {
    // A separate Node, as vitest hands a package in node_modules to Node itself: no tsx, no vite.
    const { stdout } = await run(process.execPath, [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(path.join(root, 'src/testing/entry.js'))}); console.log(JSON.stringify(Object.keys(m).sort()))`,
    ]);
    expect(JSON.parse(stdout)).toEqual(Object.keys(api).sort());
  });

  it('shows the values of the last 5 s before a deadline, a line where it fell, and what came after', () => {
    const series: [number, number | undefined][] = [
      [0, undefined],
      [250, 0],
      [5_750, 0.002],
      [6_000, 0.004],
      [6_250, 0.0081],
    ];
    expect(seriesAround(series, 6_000)).toBe(
      [
        '      5.75 s  0.002',
        '      6.00 s  0.004',
        '    ── deadline 6.00 s ──',
        '      6.25 s  0.0081',
      ].join('\n'),
    );
    expect(seriesAround([], 1_000)).toMatch(/no samples/);
  });

  it('marks where a check broke just above the sample that broke it, at the same hundredth', () => {
    // 2,005.4 ms: the line once showed 2.00 s (placed at 1 ms before) above a sample at 2.01 s.
    const series: [number, number | undefined][] = [
      [1_955.1, 0],
      [2_005.4, undefined],
      [2_055.2, undefined],
    ];
    expect(seriesAround(series, 2_005.4, 'broke', true)).toBe(
      ['      1.96 s  0', '    ── broke 2.01 s ──', '      2.01 s  no data', '      2.06 s  no data'].join(
        '\n',
      ),
    );
  });
});
