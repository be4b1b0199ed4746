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
  /** When this series was first seen. */
  firstSeen: number;
  /** When its target left the scrape set (Prometheus's staleness marker); a later point revives it. */
  staleAt?: number;
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
    readonly stalenessMs: number,
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
  ): { labels: Record<string, string>; points: Point[]; firstSeen: number; staleAt?: number }[] {
    const result = [];
    for (const series of this.series.values()) {
      if (series.name === name && matches(series.labels, matchers)) result.push(series);
    }
    return result;
  }

  /**
   * Marks every series of `target` stale from `at`, as Prometheus does when a target leaves service
   * discovery (a replaced pod): instant queries stop seeing it at once, instead of after the staleness
   * window. Range functions still read its points until they leave the window, as in Prometheus.
   */
  markStale(target: string, at: number): void {
    for (const series of this.series.values()) if (series.labels.target === target) series.staleAt = at;
  }

  /** The latest value of each matching series that is not stale at `now`. */
  latest(
    name: string,
    matchers: Matchers | undefined,
    now: number,
  ): { labels: Record<string, string>; value: number }[] {
    return this.select(name, matchers)
      .map((series) => ({ labels: series.labels, point: series.points.at(-1), staleAt: series.staleAt }))
      .filter(
        (entry): entry is { labels: Record<string, string>; point: Point; staleAt: number | undefined } =>
          Boolean(
            entry.point &&
              now - entry.point.t <= this.stalenessMs &&
              !(entry.staleAt !== undefined && entry.staleAt <= now && entry.point.t <= entry.staleAt),
          ),
      )
      .map((entry) => ({ labels: entry.labels, value: entry.point.v }));
  }

  /**
   * How much each matching counter grew over the window [now - window, now], exactly as Prometheus's
   * increase() computes it (promql/functions.go extrapolatedRate): from the first to the last sample in
   * the window, resets counted as restarts from zero, extrapolated to the window's edges when the gap
   * is under 1.1× the average spacing (else by half a spacing), never below zero for a counter. A
   * series with fewer than two samples in the window gives nothing, as it does in Prometheus: a new
   * replica's first scrape is not an increase yet.
   */
  increase(
    name: string,
    matchers: Matchers | undefined,
    windowMs: number,
    now: number,
  ): { labels: Record<string, string>; value: number }[] {
    const from = now - windowMs;
    const result: { labels: Record<string, string>; value: number }[] = [];
    for (const series of this.select(name, matchers)) {
      const points = series.points.filter((p) => p.t >= from && p.t <= now);
      if (points.length < 2) continue;
      const first = points[0]!;
      const last = points.at(-1)!;
      let value = last.v - first.v;
      for (let i = 1; i < points.length; i++) if (points[i]!.v < points[i - 1]!.v) value += points[i - 1]!.v;
      const sampled = (last.t - first.t) / 1000;
      const average = sampled / (points.length - 1);
      let toStart = (first.t - from) / 1000;
      const toEnd = (now - last.t) / 1000;
      if (value > 0 && first.v >= 0) {
        const toZero = sampled * (first.v / value);
        if (toZero < toStart) toStart = toZero;
      }
      const threshold = average * 1.1;
      let extrapolated = sampled;
      extrapolated += toStart < threshold ? toStart : average / 2;
      extrapolated += toEnd < threshold ? toEnd : average / 2;
      result.push({ labels: series.labels, value: sampled > 0 ? value * (extrapolated / sampled) : 0 });
    }
    return result;
  }

  clear(): void {
    this.series.clear();
  }
}
