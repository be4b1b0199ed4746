import { describe, expect, it } from 'vitest';
import { isoDurationMs } from '../../src/fis/iso-duration.ts';
import { parseSelectionMode, select } from '../../src/fis/selection.ts';

describe('isoDurationMs', () => {
  it.each([
    ['PT1M', 60_000],
    ['PT12H', 43_200_000],
    ['PT1H30M', 5_400_000],
    ['PT90S', 90_000],
    ['PT0.5S', 500],
    ['P1D', 86_400_000],
    ['P1DT2H', 93_600_000],
  ])('%s is %d ms', (text, ms) => {
    expect(isoDurationMs(text)).toBe(ms);
  });

  it.each(['', 'P', 'PT', 'P1DT', '5m', 'PT5m', 'P1M', 'P1Y', 'PT1.5M', ' PT1M', 'PT-1M'])(
    'refuses %j',
    (text) => {
      expect(isoDurationMs(text)).toBeUndefined();
    },
  );
});

describe('selection modes', () => {
  it('parses ALL, COUNT(n) and PERCENT(n), and nothing else', () => {
    expect(parseSelectionMode('ALL')).toEqual({ mode: 'ALL' });
    expect(parseSelectionMode('COUNT(3)')).toEqual({ mode: 'COUNT', n: 3 });
    expect(parseSelectionMode('PERCENT(100)')).toEqual({ mode: 'PERCENT', n: 100 });
    for (const bad of ['all', 'COUNT(0)', 'COUNT()', 'PERCENT(0)', 'PERCENT(101)', 'COUNT(1.5)', 'COUNT (1)'])
      expect(parseSelectionMode(bad)).toBeUndefined();
  });

  it('selects at random: COUNT caps at what there is, PERCENT rounds up', () => {
    const all = ['a', 'b', 'c', 'd', 'e'];
    expect(select(all, { mode: 'ALL' }).sort()).toEqual(all);
    expect(select(all, { mode: 'COUNT', n: 9 })).toHaveLength(5);
    expect(select(all, { mode: 'PERCENT', n: 1 })).toHaveLength(1);
    expect(select(all, { mode: 'PERCENT', n: 50 })).toHaveLength(3);
    expect(select([], { mode: 'COUNT', n: 1 })).toEqual([]);
    expect(new Set(select(all, { mode: 'COUNT', n: 3 })).size).toBe(3);
  });
});
