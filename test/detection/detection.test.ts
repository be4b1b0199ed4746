import { describe, expect, it } from 'vitest';
import { AlertEvaluator, type AlertRule, toPrometheusRule } from '../../src/detection/alert-rule.ts';
import { evaluate, toPromQL } from '../../src/detection/expr.ts';
import { MetricStore } from '../../src/detection/metric-store.ts';
import { parsePrometheusText } from '../../src/detection/prometheus-text.ts';

const identity = (ms: number) => ms;

function counter(store: MetricStore, at: number, values: Record<string, number>, instance = 'a') {
  store.add(
    Object.entries(values).map(([status, value]) => ({
      name: 'http_requests_total',
      labels: { route: '/send', status },
      value,
    })),
    at,
    { target: instance },
  );
}

describe('Prometheus text', () => {
  it('parses labels (with escapes), values, +Inf and skips comments', () => {
    const samples = parsePrometheusText(
      [
        '# HELP x help',
        '# TYPE x counter',
        'x{a="1",b="q\\"uote"} 3',
        'y 4.5e-3',
        'z{le="+Inf"} +Inf 1700000000',
      ].join('\n'),
    );
    expect(samples).toEqual([
      { name: 'x', labels: { a: '1', b: 'q"uote' }, value: 3 },
      { name: 'y', labels: {}, value: 0.0045 },
      { name: 'z', labels: { le: '+Inf' }, value: Number.POSITIVE_INFINITY },
    ]);
  });
});

describe('metric store', () => {
  it('computes increase over a window with counter resets, and a ratio of rates', () => {
    const store = new MetricStore(60_000, 5_000);
    counter(store, 0, { '200': 100, '500': 0 });
    counter(store, 1_000, { '200': 190, '500': 10 });
    // The process restarted: counters reset to small values.
    counter(store, 2_000, { '200': 40, '500': 5 });
    const ok = store.increase('http_requests_total', { status: '200' }, 2_000, 2_000)[0]!.value;
    expect(ok).toBe(90 + 40);
    const ratio = evaluate(
      {
        fn: 'ratio',
        metric: 'http_requests_total',
        numerator: { status: { re: '5..' } },
        denominator: {},
        windowMs: 2_000,
      },
      { store, now: 2_000, scale: identity },
    );
    expect(ratio).toBeCloseTo(15 / (15 + 130), 6);
  });

  it('as Prometheus: a series with one sample in the window is no increase yet (a new replica), and stale series drop', () => {
    const store = new MetricStore(60_000, 1_000);
    counter(store, 0, { '500': 0 }, 'old');
    counter(store, 500, { '500': 0 }, 'old');
    counter(store, 500, { '500': 7 }, 'new');
    expect(
      store
        .increase('http_requests_total', { status: '500' }, 1_000, 600)
        .map((s) => s.value)
        .sort(),
    ).toEqual([0]);
    // Its second sample makes it one, extrapolated towards zero but not past it (promtool agrees:
    // test/detection/prometheus-semantics.test.ts).
    counter(store, 750, { '500': 14 }, 'new');
    expect(store.increase('http_requests_total', { status: '500' }, 1_000, 750).map((s) => s.value)).toEqual([
      0, 14,
    ]);
    expect(store.latest('http_requests_total', {}, 2_000)).toEqual([]);
  });

  it('takes the largest per-label increase (failed logins per source IP)', () => {
    const store = new MetricStore(60_000, 5_000);
    const add = (at: number, a: number, b: number) =>
      store.add(
        [
          { name: 'auth_failures_total', labels: { source_ip: '127.0.0.5' }, value: a },
          { name: 'auth_failures_total', labels: { source_ip: '127.0.0.6' }, value: b },
        ],
        at,
      );
    add(0, 0, 0);
    add(1_000, 12, 3);
    expect(
      evaluate(
        { fn: 'max-increase-by', metric: 'auth_failures_total', by: 'source_ip', windowMs: 60_000 },
        { store, now: 1_000, scale: identity },
      ),
    ).toBe(12);
  });
});

describe('alert rules', () => {
  const rule: AlertRule = {
    name: 'P95High',
    expr: { fn: 'value', metric: 'q', match: { quantile: '0.95' }, agg: 'max' },
    comparator: '>',
    threshold: 0.5,
    forMs: 300_000,
    severity: 'P1',
    runbook: 3,
    origin: 'test',
  };

  it('goes pending, fires only after the condition held for "for" (scaled), and resolves', () => {
    const store = new MetricStore(60_000, 10_000);
    const evaluator = new AlertEvaluator(rule);
    const scale = (ms: number) => ms / 60; // time scale 60: 5 min → 5 s
    const at = (t: number, value: number) => {
      store.add([{ name: 'q', labels: { quantile: '0.95' }, value }], t);
      return evaluator.evaluate({ store, now: t, scale })?.to;
    };
    expect(at(0, 0.1)).toBeUndefined();
    expect(at(1_000, 0.9)).toBe('pending');
    expect(at(5_900, 0.9)).toBeUndefined();
    expect(evaluator.state).toBe('pending');
    expect(at(6_000, 0.9)).toBe('firing');
    expect(at(7_000, 0.2)).toBe('inactive');
    // A dip resets the "for" clock.
    expect(at(8_000, 0.9)).toBe('pending');
    expect(at(9_000, 0.3)).toBe('inactive');
    expect(at(10_000, 0.9)).toBe('pending');
    expect(at(14_000, 0.9)).toBeUndefined();
  });

  it('exports as a Prometheus alerting rule at runbook time', () => {
    expect(toPrometheusRule(rule)).toEqual({
      alert: 'P95High',
      expr: 'max(q{quantile="0.95"}) > 0.5',
      for: '5m',
      labels: { severity: 'P1', runbook: '3' },
      annotations: { summary: 'P95High (runbook 3)', origin: 'test' },
    });
    expect(
      toPromQL({
        fn: 'ratio',
        metric: 'http_requests_total',
        numerator: { status: { re: '5..' } },
        denominator: {},
        windowMs: 300_000,
      }),
    ).toBe('sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))');
  });
});
