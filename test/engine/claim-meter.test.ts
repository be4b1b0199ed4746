import { describe, expect, it } from 'vitest';
import type { EvaluationContext } from '../../src/detection/expr.ts';
import { MetricStore } from '../../src/detection/metric-store.ts';
import { ClaimMeter, type ResolvedClaim } from '../../src/engine/claim-meter.ts';

/** Runbook 4's claim: the breaker closes by itself, about 60 s after the database answers again. */
const BREAKER_CLOSES: ResolvedClaim = {
  kind: 'time-until',
  claim: 'the circuit breaker closes automatically, usually 60 seconds after the first successful request',
  claimed: 60_000,
  holds: 'about',
  expr: { fn: 'value', metric: 'circuit_breaker_state', match: { breaker: 'database' }, agg: 'max' },
  comparator: '<',
  threshold: 1,
};

/** Time scale 60: a wall second is a runbook minute. */
const atRunbookScale = (wallMs: number) => wallMs * 60;

function breakers(store: MetricStore, at: number, states: Record<string, number>): EvaluationContext {
  for (const [pod, state] of Object.entries(states)) {
    store.add([{ name: 'circuit_breaker_state', labels: { breaker: 'database' }, value: state }], at, {
      target: pod,
    });
  }
  return { store, now: at, scale: (ms) => ms / 60 };
}

describe('a time-until claim', () => {
  it('is measured from the remedy until the replicas that showed it during the fault are fine', () => {
    const store = new MetricStore(60_000, 2_000);
    const meter = new ClaimMeter([BREAKER_CLOSES], atRunbookScale);
    meter.observe('fault', breakers(store, 0, { 'chat-backend-1': 1, 'chat-backend-2': 1 }));
    meter.remedied(250);
    meter.observe('remedied', breakers(store, 500, { 'chat-backend-1': 1, 'chat-backend-2': 0 }));
    meter.observe('remedied', breakers(store, 1_250, { 'chat-backend-1': 0, 'chat-backend-2': 0 }));
    expect(meter.results()).toEqual([
      expect.objectContaining({
        measured: 60_000,
        verdict: 'holds',
        detail: expect.stringMatching(/^1.0 s here/),
      }),
    ]);
  });

  it('is "not exercised" when the remedy replaced every replica that showed it: new pods start fine', () => {
    // Runbook 4's failover sets the database URL, which rolls the deployment: chat-backend-1 and -2,
    // whose breakers were open, are replaced by -3 and -4, whose breakers never opened.
    const store = new MetricStore(60_000, 2_000);
    const meter = new ClaimMeter([BREAKER_CLOSES], atRunbookScale);
    meter.observe('fault', breakers(store, 0, { 'chat-backend-1': 1, 'chat-backend-2': 1 }));
    meter.remedied(250);
    store.markStale('chat-backend-1', 500);
    store.markStale('chat-backend-2', 500);
    meter.observe('remedied', breakers(store, 500, { 'chat-backend-3': 0, 'chat-backend-4': 0 }));
    const [result] = meter.results();
    expect(result).toMatchObject({ measured: null, verdict: 'not measured' });
    expect(result!.detail).toMatch(/^not exercised: the remedy replaced .*chat-backend-1, chat-backend-2/);
  });

  it('is measured when one replica that showed it is still there when it settles', () => {
    const store = new MetricStore(60_000, 2_000);
    const meter = new ClaimMeter([BREAKER_CLOSES], atRunbookScale);
    meter.observe('fault', breakers(store, 0, { 'chat-backend-1': 1, 'chat-backend-2': 1 }));
    meter.remedied(250);
    store.markStale('chat-backend-1', 500);
    meter.observe('remedied', breakers(store, 500, { 'chat-backend-2': 0, 'chat-backend-3': 0 }));
    expect(meter.results()).toEqual([
      expect.objectContaining({ measured: 15_000, verdict: 'does not hold' }),
    ]);
  });
});
