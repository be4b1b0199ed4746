import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LiveView } from '../../src/cli/live-view.ts';
import { describeStatus, type LiveStatus, progressLine } from '../../src/responders/live-status.ts';

const status = (overrides: Partial<LiveStatus> = {}): LiveStatus => ({
  scenario: { id: 'bad-deploy', title: 'A bad release', severity: 'P1', index: 2, count: 5 },
  mode: 'gameday',
  phase: 'responding',
  phaseElapsedMs: 95_000,
  phaseBudgetMs: 3_600_000,
  faultActiveMs: 95_000,
  alert: { name: 'ChatSendErrorRateHigh', state: 'firing', value: 0.4212, comparator: '>', threshold: 0.01 },
  metrics: [
    { id: 'errorRate', title: 'Error rate', unit: 'ratio', value: 0.4 },
    { id: 'queryP95', title: 'p95', unit: 'seconds', value: 0.012 },
    { id: 'breaker', title: 'breaker', unit: 'state' },
  ],
  targetMs: 1_200_000,
  timeBoxMs: 2_400_000,
  checkpoints: [{ id: 'acknowledged', title: 'acknowledged', atMs: 30_000, source: 'key' }],
  ...overrides,
});

/** A stream standing in for stderr, and what was written to it so far. */
function captured() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { out: stream as unknown as NodeJS.WriteStream, written: () => text };
}

describe('the game-day view', () => {
  it('shows the fault, the alert, the key metrics, the time left and the checkpoints', () => {
    const lines = describeStatus(status());
    expect(lines[0]).toBe('[2/5] bad-deploy: A bad release (P1) · responding');
    expect(lines[1]).toBe(
      'fault active for 1:35 · alert ChatSendErrorRateHigh FIRING (0.4212, fires > 0.01)',
    );
    expect(lines[2]).toBe('errorRate 40.0 % · queryP95 12 ms · breaker no data');
    expect(lines[3]).toBe('18:25 left of the P1 target (20:00) · time box ends in 38:25');
    expect(lines[4]).toContain('✓ acknowledged +0:30');
    expect(lines[4]).toContain('· fix deployed');
  });

  it('says when the target is past', () => {
    expect(describeStatus(status({ faultActiveMs: 1_260_000 }))[3]).toMatch(
      /^1:00 OVER the P1 target \(20:00\)/,
    );
  });

  it('reads as one progress line: scenario, phase, elapsed against the budget', () => {
    expect(progressLine(status({ phase: 'detecting', phaseElapsedMs: 3_100, phaseBudgetMs: 10_000 }))).toBe(
      '[2/5] bad-deploy · detecting 3.1 s of 10.0 s · alert firing',
    );
  });

  it('prints only plain lines when not in a terminal: each event, and each phase once', () => {
    const { out, written } = captured();
    const view = new LiveView(out, 'auto', false);
    view.update(status({ phase: 'baseline' }));
    view.update(status({ phase: 'baseline', phaseElapsedMs: 96_000 }));
    view.line('an event');
    view.update(status({ phase: 'detecting' }));
    view.stop();
    expect(written()).not.toContain('\x1b[');
    expect(written().trim().split('\n')).toEqual([
      '[2/5] bad-deploy · baseline 95.0 s of 60.0 min · alert firing',
      'an event',
      '[2/5] bad-deploy · detecting 95.0 s of 60.0 min · alert firing',
    ]);
  });

  it('redraws its block in place in a terminal', () => {
    const { out, written } = captured();
    const view = new LiveView(out, 'gameday', true);
    view.update(status());
    view.line('an event');
    view.stop();
    // Drawn (5 lines + keys), wiped before the event, drawn again, wiped at the end.
    expect(written().split('\x1b[6F\x1b[0J')).toHaveLength(3);
    expect(written()).toContain('an event\n');
  });
});
