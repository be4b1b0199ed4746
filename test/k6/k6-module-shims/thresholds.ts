import type { MetricsRegistry, MetricType } from './metrics-registry.ts';

export interface ThresholdResult {
  metric: string;
  expression: string;
  value: number;
  ok: boolean;
}

const EXPRESSION =
  /^\s*(avg|min|max|med|count|rate|value|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** k6's submetric syntax: `name{tag:value,tag2:value2}`. */
function parseKey(key: string): { name: string; filter: Record<string, string> } {
  const match = /^([^{]+)(?:\{(.*)\})?$/.exec(key.trim());
  if (!match) throw new Error(`k6 shim: bad threshold metric "${key}"`);
  const filter: Record<string, string> = {};
  for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
    const at = pair.indexOf(':');
    filter[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return { name: match[1]!, filter };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/** One aggregation of a metric's samples, as k6 computes it for its type; empty gives 0. */
function aggregate(type: MetricType, values: number[], agg: string, p: number, durationMs: number): number {
  const sum = values.reduce((a, b) => a + b, 0);
  if (type === 'counter' && agg === 'count') return sum;
  if (type === 'counter' && agg === 'rate') return sum / (durationMs / 1000);
  if (type === 'rate' && agg === 'rate')
    return values.length === 0 ? 0 : values.filter((v) => v !== 0).length / values.length;
  if (type === 'gauge' && agg === 'value') return values.at(-1) ?? 0;
  if (type === 'trend') {
    const sorted = [...values].sort((a, b) => a - b);
    if (agg === 'avg') return values.length === 0 ? 0 : sum / values.length;
    if (agg === 'min') return sorted[0] ?? 0;
    if (agg === 'max') return sorted.at(-1) ?? 0;
    if (agg === 'med') return percentile(sorted, 50);
    if (agg === 'p') return percentile(sorted, p);
  }
  throw new Error(`k6 shim: "${agg}" is not an aggregation of a ${type} metric`);
}

function compare(value: number, op: string, bound: number): boolean {
  if (op === '<') return value < bound;
  if (op === '<=') return value <= bound;
  if (op === '>') return value > bound;
  if (op === '>=') return value >= bound;
  if (op === '!=') return value !== bound;
  return value === bound;
}

/** Judges `options.thresholds` over the run's samples, as k6 does at the end of a run. */
export function evaluateThresholds(
  thresholds: Record<string, string[]>,
  registry: MetricsRegistry,
  durationMs: number,
): ThresholdResult[] {
  return Object.entries(thresholds).flatMap(([key, expressions]) => {
    const { name, filter } = parseKey(key);
    const type = registry.metrics.get(name)?.type;
    const values = registry.samples(name, filter).map((s) => s.value);
    return expressions.map((expression) => {
      const match = EXPRESSION.exec(expression);
      if (!match) throw new Error(`k6 shim: bad threshold "${expression}" on ${key}`);
      const agg = match[1]!.startsWith('p(') ? 'p' : match[1]!;
      // A metric nobody emitted has no type yet: it aggregates to 0 whatever its kind.
      const value = type ? aggregate(type, values, agg, Number(match[2]), durationMs) : 0;
      return { metric: key, expression, value, ok: compare(value, match[3]!, Number(match[4])) };
    });
  });
}
