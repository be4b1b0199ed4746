import type { Sample } from './prometheus-text.ts';

/** Label matchers: exact value, `{ re }` (anchored regular expression) or `{ not }`. */
export type Matchers = Record<string, string | { re: string } | { not: string }>;

interface Point {
  t: number;
  v: number;
}

interface Series {
  name: string;
  labels: Record<string, string>;
  points: Point[];
  /** When this series was first seen: a counter born inside a window counts from zero. */
  firstSeen: number;
}

function key(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.keys(labels)
    .sort()
    .map((label) => `${label}=${labels[label]}`)
    .join(',')}}`;
}

export function matches(labels: Record<string, string>, matchers: Matchers = {}): boolean {
  return Object.entries(matchers).every(([label, matcher]) => {
    const value = labels[label] ?? '';
    if (typeof matcher === 'string') return value === matcher;
    if ('re' in matcher) return new RegExp(`^(?:${matcher.re})$`).test(value);
    return value !== matcher.not;
  });
}

/**
 * Scraped samples kept as time series in memory, with the few functions alert rules need, computed as
 * Prometheus would (counter resets handled, stale series dropped) over windows the caller scales.
 */
export class MetricStore {
  private readonly series = new Map<string, Series>();

  constructor(
    /** How long points are kept. */
    private readonly retentionMs: number,
    /** A series with no point this recent is stale (its replica is gone). */
    private readonly stalenessMs: number,
  ) {}

  add(samples: Sample[], at: number, extraLabels: Record<string, string> = {}): void {
    for (const sample of samples) {
      const labels = { ...sample.labels, ...extraLabels };
      const id = key(sample.name, labels);
      let series = this.series.get(id);
      if (!series) {
        series = { name: sample.name, labels, points: [], firstSeen: at };
        this.series.set(id, series);
      }
      series.points.push({ t: at, v: sample.value });
      while (series.points.length > 1 && series.points[0]!.t < at - this.retentionMs) series.points.shift();
    }
  }

  select(
    name: string,
    matchers?: Matchers,
  ): { labels: Record<string, string>; points: Point[]; firstSeen: number }[] {
    const result = [];
    for (const series of this.series.values()) {
      if (series.name === name && matches(series.labels, matchers)) result.push(series);
    }
    return result;
  }

  /** The latest value of each matching series that is not stale at `now`. */
  latest(
    name: string,
    matchers: Matchers | undefined,
    now: number,
  ): { labels: Record<string, string>; value: number }[] {
    return this.select(name, matchers)
      .map((series) => ({ labels: series.labels, point: series.points.at(-1) }))
      .filter((entry): entry is { labels: Record<string, string>; point: Point } =>
        Boolean(entry.point && now - entry.point.t <= this.stalenessMs),
      )
      .map((entry) => ({ labels: entry.labels, value: entry.point.v }));
  }

  /**
   * How much each matching counter grew in (now - window, now], resets counted as restarts from zero.
   * A series first seen inside the window started from zero (a new replica), so its first value counts.
   */
  increase(
    name: string,
    matchers: Matchers | undefined,
    windowMs: number,
    now: number,
  ): { labels: Record<string, string>; value: number }[] {
    const from = now - windowMs;
    return this.select(name, matchers).map((series) => {
      const inWindow = series.points.filter((p) => p.t > from && p.t <= now);
      const before = series.points.filter((p) => p.t <= from).at(-1);
      let total = 0;
      let previous = before?.v ?? (series.firstSeen > from ? 0 : undefined);
      for (const point of inWindow) {
        if (previous !== undefined) total += point.v >= previous ? point.v - previous : point.v;
        previous = point.v;
      }
      return { labels: series.labels, value: total };
    });
  }

  clear(): void {
    this.series.clear();
  }
}
