import { describe, expect, it } from 'vitest';
import { Clock } from '../../src/core/clock.ts';
import type { AlertRule } from '../../src/detection/alert-rule.ts';
import { type AlertReader, StackWatch } from '../../src/testing/stack-watch.ts';
import { FakeStack } from '../support/fakes/fake-stack.ts';

/**
 * waitForAlert reading "firing" from an alerting system (a Prometheus or an Alertmanager, here a
 * scripted one): it goes by what the source says, not by gameday's own evaluation, and a miss says
 * what the source said along the way. The stack has nothing to scrape: gameday's own value is no data.
 */
const rule: AlertRule = {
  name: 'ChatSendErrorRateHigh',
  expr: { fn: 'value', metric: 'no_such_metric' },
  comparator: '>',
  threshold: 0.01,
  forMs: 0,
  severity: 'P1',
  runbook: 1,
  origin: 'test',
};

/** Answers each read with the next of `states` (the last one from then on). */
function scripted(states: ('pending' | 'firing' | 'suppressed' | undefined)[]): AlertReader {
  let read = 0;
  return {
    kind: 'alertmanager',
    async alerts() {
      const state = states[Math.min(read++, states.length - 1)];
      if (!state) return new Map();
      return new Map([
        [
          rule.name,
          state === 'suppressed'
            ? { state: 'firing' as const, suppressed: { by: 'silence', ids: ['s1'] } }
            : { state },
        ],
      ]);
    },
  };
}

async function watching<T>(work: (watch: StackWatch) => Promise<T>): Promise<T> {
  const clock = new Clock(60);
  const watch = new StackWatch(new FakeStack({ clock }), clock, 50, () => []);
  watch.start();
  try {
    return await work(watch);
  } finally {
    await watch.stop();
  }
}

describe('waiting for an alert from an alerting system', () => {
  it('resolves when the source says firing, though gameday’s own evaluation has no data', async () => {
    const fired = await watching((watch) =>
      watch.waitForAlert(rule, 5_000, scripted([undefined, 'pending', 'pending', 'firing'])),
    );
    expect(fired.source).toBe('alertmanager');
    expect(fired.value).toBeUndefined();
  });

  it('does not count a silenced alert, and a miss says what the source said and shows the series', async () => {
    const error = await watching((watch) =>
      watch.waitForAlert(rule, 600, scripted([undefined, 'pending', 'suppressed'])),
    ).catch((failure: Error) => failure);
    expect(String(error)).toMatch(
      /ChatSendErrorRateHigh did not fire within 600 ms \(sum\(no_such_metric\) > 0\.01, time scale 60\); alertmanager said: inactive → pending → firing \(suppressed\)\./,
    );
    expect(String(error)).toMatch(/ {2}no data\n\s+── deadline 0\.60 s ──\n.* {2}no data/);
  });
});
