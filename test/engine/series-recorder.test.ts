import { describe, expect, it } from 'vitest';
import { SeriesRecorder } from '../../src/engine/series-recorder.ts';

describe('SeriesRecorder', () => {
  it('keeps the whole span at a coarser step once a series reaches twice its size', () => {
    const recorder = new SeriesRecorder(['a', 'b'], 4);
    for (let t = 0; t < 100; t++) recorder.record(t, { a: t, b: t % 2 === 0 ? undefined : -t });
    const { a, b } = recorder.series();
    expect(a.length).toBeLessThan(8);
    expect(a.length).toBeGreaterThanOrEqual(4);
    // The first sample is still there, the last kept one is near the end, and the step is even.
    expect(a[0]).toEqual([0, 0]);
    expect(a.at(-1)![0]).toBeGreaterThan(80);
    const steps = new Set(a.slice(1).map((point, i) => point[0] - a[i]![0]));
    expect(steps.size).toBe(1);
    // Both series are sampled together; a missing value is recorded as null.
    expect(b.map((point) => point[0])).toEqual(a.map((point) => point[0]));
    expect(b[0]).toEqual([0, null]);
  });

  it('records every sample while under its size', () => {
    const recorder = new SeriesRecorder(['a'], 10);
    for (let t = 0; t < 5; t++) recorder.record(t * 250, { a: t });
    expect(recorder.series().a).toEqual([
      [0, 0],
      [250, 1],
      [500, 2],
      [750, 3],
      [1000, 4],
    ]);
  });
});
