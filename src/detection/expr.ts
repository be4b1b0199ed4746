import type { Matchers, MetricStore } from './metric-store.ts';

/**
 * What an alert measures, as data: evaluated here against scraped metrics, and exportable as PromQL.
 * Windows are in runbook time; the evaluator scales them.
 */
export type Expr =
  /** The latest value of a gauge (or a summary quantile), aggregated over replicas. */
  | { fn: 'value'; metric: string; match?: Matchers; agg?: 'sum' | 'max' | 'min' }
  /** Per-second rate of a counter over a window, summed over series. */
  | { fn: 'rate'; metric: string; match?: Matchers; windowMs: number }
  /** rate(numerator) / rate(denominator): e.g. the share of requests that failed. */
  | { fn: 'ratio'; metric: string; numerator: Matchers; denominator: Matchers; windowMs: number }
  /** The largest increase of a counter over a window among groups of one label (e.g. per source IP). */
  | { fn: 'max-increase-by'; metric: string; by: string; match?: Matchers; windowMs: number };

export interface EvaluationContext {
  store: MetricStore;
  now: number;
  /** Runbook time → wall time. */
  scale: (runbookMs: number) => number;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** The expression's value now, or undefined when there is no data to judge by. */
export function evaluate(expr: Expr, { store, now, scale }: EvaluationContext): number | undefined {
  switch (expr.fn) {
    case 'value': {
      const values = store.latest(expr.metric, expr.match, now).map((s) => s.value);
      if (values.length === 0) return undefined;
      const agg = expr.agg ?? 'sum';
      return agg === 'sum' ? sum(values) : agg === 'max' ? Math.max(...values) : Math.min(...values);
    }
    case 'rate': {
      const windowMs = scale(expr.windowMs);
      return (
        sum(store.increase(expr.metric, expr.match, windowMs, now).map((s) => s.value)) / (windowMs / 1000)
      );
    }
    case 'ratio': {
      const windowMs = scale(expr.windowMs);
      const numerator = sum(store.increase(expr.metric, expr.numerator, windowMs, now).map((s) => s.value));
      const denominator = sum(
        store.increase(expr.metric, expr.denominator, windowMs, now).map((s) => s.value),
      );
      return denominator > 0 ? numerator / denominator : undefined;
    }
    case 'max-increase-by': {
      const groups = new Map<string, number>();
      for (const series of store.increase(expr.metric, expr.match, scale(expr.windowMs), now)) {
        const group = series.labels[expr.by] ?? '';
        groups.set(group, (groups.get(group) ?? 0) + series.value);
      }
      return groups.size === 0 ? 0 : Math.max(...groups.values());
    }
  }
}

function promMatchers(matchers: Matchers = {}): string {
  const parts = Object.entries(matchers).map(([label, matcher]) => {
    if (typeof matcher === 'string') return `${label}="${matcher}"`;
    if ('re' in matcher) return `${label}=~"${matcher.re}"`;
    return `${label}!="${matcher.not}"`;
  });
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

/** A duration as PromQL and Prometheus's configuration write it (whole milliseconds at the finest). */
export function promDuration(duration: number): string {
  const ms = Math.round(duration);
  if (ms === 0) return '0m';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/**
 * The same expression in PromQL, for Prometheus rule files: at runbook time, or with its windows
 * scaled as the run scales them (`scale`: runbook ms → wall ms).
 */
export function toPromQL(expr: Expr, scale: (runbookMs: number) => number = (ms) => ms): string {
  switch (expr.fn) {
    case 'value':
      return `${expr.agg ?? 'sum'}(${expr.metric}${promMatchers(expr.match)})`;
    case 'rate':
      return `sum(rate(${expr.metric}${promMatchers(expr.match)}[${promDuration(scale(expr.windowMs))}]))`;
    case 'ratio': {
      const window = promDuration(scale(expr.windowMs));
      return `sum(rate(${expr.metric}${promMatchers(expr.numerator)}[${window}])) / sum(rate(${expr.metric}${promMatchers(expr.denominator)}[${window}]))`;
    }
    case 'max-increase-by':
      return `max(sum by (${expr.by}) (increase(${expr.metric}${promMatchers(expr.match)}[${promDuration(scale(expr.windowMs))}])))`;
  }
}
