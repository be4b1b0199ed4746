import { describe, expect, it } from 'vitest';
import { Clock } from '../../src/core/clock.ts';
import { type Check, StackWatch } from '../../src/testing/stack-watch.ts';
import { FakeStack } from '../support/fakes/fake-stack.ts';

/**
 * holds() on a send error ratio fed by a scripted counter pair: a quiet second (no sends, so the
 * ratio has no data) is not a miss, but a long silence is, and so is a check that never had data.
 * An error is a miss at once. The fake stack has nothing to scrape; the test writes the samples.
 */
const sendsSucceed: Check = {
  name: 'sends succeed',
  expr: {
    fn: 'ratio',
    metric: 'sends_total',
    numerator: { status: '500' },
    denominator: {},
    windowMs: 60_000,
  },
  comparator: '<',
  threshold: 0.01,
};

/** Every 50 ms, both counters as a scrape would see them; `traffic(at)` says how many sends, and which fail. */
async function watching(
  traffic: (sinceMs: number) => { ok: number; failed: number },
  work: (watch: StackWatch) => Promise<void>,
): Promise<void> {
  const clock = new Clock(60);
  const watch = new StackWatch(new FakeStack({ clock }), clock, 50, () => []);
  const counts = { ok: 0, failed: 0 };
  const started = clock.now();
  const feed = setInterval(() => {
    const { ok, failed } = traffic(clock.now() - started);
    counts.ok += ok;
    counts.failed += failed;
    watch.store.add(
      [
        { name: 'sends_total', labels: { status: '201' }, value: counts.ok },
        { name: 'sends_total', labels: { status: '500' }, value: counts.failed },
      ],
      clock.now(),
    );
  }, 50);
  watch.start();
  try {
    await work(watch);
  } finally {
    clearInterval(feed);
    await watch.stop();
  }
}

const quietBetween = (from: number, to: number) => (since: number) =>
  since >= from && since < to ? { ok: 0, failed: 0 } : { ok: 2, failed: 0 };

describe('holds(): a check that must keep holding', () => {
  it('holds through a quiet moment with no sends (no data for under 2 s)', async () => {
    // The 1 s rate window empties about 1 s into the 2.2 s silence: about 1.2 s of no data.
    await watching(quietBetween(1_000, 3_200), (watch) => watch.holds([sendsSucceed], 5_000));
  });

  it('fails on a silence that lasts, saying there was no data', async () => {
    const error = await watching(quietBetween(1_000, 60_000), (watch) =>
      watch.holds([sendsSucceed], 8_000),
    ).catch((failure: Error) => failure);
    expect(String(error)).toMatch(
      /sends succeed stopped holding after [12]\.\d+ s of 8\.0 s \(no data from then on\)/,
    );
    expect(String(error)).toMatch(/── broke ([12]\.\d\d) s ──\n\s+\1 s {2}no data/);
  });

  it('fails when the check never has data, however short the hold', async () => {
    const error = await watching(
      () => ({ ok: 0, failed: 0 }),
      (watch) => watch.holds([sendsSucceed], 1_000),
    ).catch((failure: Error) => failure);
    expect(String(error)).toMatch(
      /sends succeed stopped holding after \d+ ms of 1\.0 s \(no data from then on\)/,
    );
  });

  it('fails at the first failed send, with no grace', async () => {
    const error = await watching(
      (since) => (since >= 1_500 ? { ok: 1, failed: 1 } : { ok: 2, failed: 0 }),
      (watch) => watch.holds([sendsSucceed], 8_000),
    ).catch((failure: Error) => failure);
    expect(String(error)).toMatch(/sends succeed stopped holding after 1\.[5-9]\d* s of 8\.0 s: /);
    expect(String(error)).not.toMatch(/no data from then on/);
  });
});
