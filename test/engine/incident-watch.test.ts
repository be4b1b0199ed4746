import { describe, expect, it } from 'vitest';
import { Clock } from '../../src/core/clock.ts';
import { MetricStore } from '../../src/detection/metric-store.ts';
import { IncidentWatch } from '../../src/engine/incident-watch.ts';
import type { ResolvedScenario } from '../../src/engine/resolve-scenario.ts';

/** What the watch makes of samples, one round at a time, with no stack: the store is filled by hand. */

const T0 = 1_000_000;
const gauge = (value: number) => [{ name: 'errors', labels: {}, value }];
const checkGauge = (value: number) => [{ name: 'queue', labels: {}, value }];

type Watched = Pick<ResolvedScenario, 'rule' | 'recoveryChecks' | 'claims' | 'recoveryNeedsAlertResolved'>;

function watched(overrides: Partial<Watched> = {}): Watched {
  return {
    rule: {
      name: 'ErrorsHigh',
      expr: { fn: 'value', metric: 'errors', agg: 'max' },
      comparator: '>',
      threshold: 0.5,
      forMs: 60_000,
      severity: 'P1',
      runbook: 1,
      origin: 'test',
    },
    recoveryChecks: [
      {
        name: 'queue drained',
        expr: { fn: 'value', metric: 'queue', agg: 'max' },
        comparator: '<',
        threshold: 10,
      },
    ],
    claims: [
      {
        kind: 'time-until',
        claim: 'errors settle within 2 minutes',
        claimed: 120_000,
        holds: 'at-most',
        expr: { fn: 'value', metric: 'errors', agg: 'max' },
        comparator: '<',
        threshold: 0.1,
      },
    ],
    recoveryNeedsAlertResolved: true,
    ...overrides,
  };
}

/** A watch at time scale 60 ("for 1 min" is 1 s), and a way to feed it one round of samples. */
function watch(options: { recoveryNeedsRemedy?: boolean; scenario?: Partial<Watched> } = {}) {
  const store = new MetricStore(60_000, 2_000);
  const notes: { kind: string; detail?: string }[] = [];
  const w = new IncidentWatch(watched(options.scenario), {
    store,
    clock: new Clock(60),
    note: ((kind: string, detail?: string) => {
      notes.push({ kind, detail });
      return 0;
    }) as never,
    startedAt: T0,
    recoveryNeedsRemedy: options.recoveryNeedsRemedy ?? false,
  });
  const sample = (atMs: number, errors: number, queue = 0) => {
    store.add([...gauge(errors), ...checkGauge(queue)], T0 + atMs, { target: 'test' });
    w.observe(T0 + atMs);
  };
  return { w, notes, sample, store };
}

describe('the incident watch', () => {
  it('fires after the "for" period, notes each transition with its value, and dates detection once', () => {
    const { w, notes, sample } = watch();
    w.faultBegins();
    sample(0, 0.9);
    sample(500, 0.9);
    expect(w.alertState).toBe('pending');
    sample(1_000, 0.9);
    expect(w.alertState).toBe('firing');
    expect(w.firedAt).toBe(T0 + 1_000);
    sample(1_500, 0);
    sample(2_000, 0.9);
    sample(3_000, 0.9);
    expect(w.firedAt).toBe(T0 + 1_000);
    expect(notes.map((n) => `${n.kind} ${n.detail}`)).toEqual([
      'alert-pending ErrorsHigh inactive → pending',
      'alert-firing ErrorsHigh pending → firing',
      'alert-inactive ErrorsHigh firing → inactive',
      'alert-pending ErrorsHigh inactive → pending',
      'alert-firing ErrorsHigh pending → firing',
    ]);
  });

  it('dates a firing for the fault it follows: at once when already firing as that fault began', () => {
    const { w, sample } = watch();
    w.faultBegins();
    sample(0, 0.9);
    sample(1_000, 0.9);
    sample(2_000, 0);
    sample(3_000, 0.9);
    sample(4_000, 0.9);
    // The first fault: its first firing. A fault beginning while it was quiet: its next firing.
    expect(w.firedAtOf('ErrorsHigh')).toBe(T0 + 1_000);
    expect(w.firedAtOf('ErrorsHigh', T0 + 2_500)).toBe(T0 + 4_000);
    // A fault beginning while it was already firing: detected as that fault began.
    expect(w.firedAtOf('ErrorsHigh', T0 + 1_500)).toBe(T0 + 1_500);
    expect(w.firedAtOf('ErrorsHigh', T0 + 4_500)).toBe(T0 + 4_500);
    sample(5_000, 0);
    // One beginning after it last went quiet: not (yet) detected.
    expect(w.firedAtOf('ErrorsHigh', T0 + 5_500)).toBeUndefined();
  });

  it('a firing alert before the fault is a false alarm, not a detection', () => {
    const { w, sample } = watch();
    sample(0, 0.9);
    sample(1_000, 0.9);
    expect(w.firedDuringBaseline).toBe(true);
    expect(w.firedAt).toBeUndefined();
  });

  it('recovery begins when the alert is clear and every check holds, and must hold for the hold period', () => {
    const { w, sample } = watch();
    w.faultBegins();
    sample(0, 0.9, 50);
    sample(1_000, 0.9, 50);
    sample(2_000, 0, 50);
    expect(w.failingChecks()).toEqual([{ name: 'queue drained', value: 50 }]);
    expect(w.recoveredSince(T0 + 2_000, 0)).toBeUndefined();
    sample(3_000, 0, 5);
    expect(w.failingChecks()).toEqual([]);
    expect(w.recoveredSince(T0 + 3_500, 1_000)).toBeUndefined();
    expect(w.recoveredSince(T0 + 4_000, 1_000)).toBe(T0 + 3_000);
    // A relapse resets it.
    sample(4_500, 0, 20);
    expect(w.recoveredSince(T0 + 6_000, 1_000)).toBeUndefined();
  });

  it('an alert whose signal vanished (no samples: a stalled scrape, traffic stopped) is not resolved', () => {
    const { w, sample, store } = watch();
    w.faultBegins();
    sample(0, 0.9);
    sample(1_000, 0.9);
    expect(w.alertState).toBe('firing');
    // Only the check's gauge answers from here on: the alert's series goes stale.
    for (const at of [4_000, 5_000, 6_000]) {
      store.add(checkGauge(0), T0 + at, { target: 'test' });
      w.observe(T0 + at);
    }
    expect(w.alertState).toBe('inactive');
    expect(w.alertValue).toBeUndefined();
    expect(w.recoveredSince(T0 + 6_000, 0)).toBeUndefined();
    sample(7_000, 0.1);
    expect(w.recoveredSince(T0 + 7_000, 0)).toBe(T0 + 7_000);
  });

  it('with people responding, an alert that clears before anyone tried a fix is no recovery', () => {
    const { w, sample } = watch({ recoveryNeedsRemedy: true });
    w.faultBegins();
    sample(0, 0.9);
    sample(1_000, 0);
    sample(2_000, 0);
    expect(w.recoveredSince(T0 + 5_000, 0)).toBeUndefined();
    w.responseEnds(T0 + 2_500, true);
    sample(3_000, 0);
    expect(w.recoveredSince(T0 + 3_000, 0)).toBe(T0 + 3_000);
  });

  it('when the alert outlives a correct remedy (alertResolves: false), the checks alone decide, after the remedy', () => {
    const { w, sample } = watch({ scenario: { recoveryNeedsAlertResolved: false } });
    w.faultBegins();
    sample(0, 0.9, 0);
    sample(1_000, 0.9, 0);
    expect(w.recoveredSince(T0 + 1_000, 0)).toBeUndefined();
    w.responseEnds(T0 + 1_200, true);
    sample(1_500, 0.9, 0);
    expect(w.alertState).toBe('firing');
    expect(w.recoveredSince(T0 + 1_500, 0)).toBe(T0 + 1_500);
  });

  it('measures a time-until claim from the end of the remedy, at runbook scale', () => {
    const { w, sample } = watch();
    w.faultBegins();
    sample(0, 0.9);
    w.responseEnds(T0 + 1_000, true);
    sample(1_500, 0.5);
    sample(2_000, 0.05);
    expect(w.claimResults()).toEqual([
      expect.objectContaining({ measured: 60_000, verdict: 'holds', claimed: 120_000 }),
    ]);
  });

  it('records the alert and the key metrics as series from the scenario start', () => {
    const { w, sample } = watch();
    sample(250, 0.3);
    sample(500, 0.4);
    const series = w.recordedSeries();
    expect(series.alert).toEqual([
      [250, 0.3],
      [500, 0.4],
    ]);
    expect(series.errorRate).toEqual([
      [250, null],
      [500, null],
    ]);
  });
});
