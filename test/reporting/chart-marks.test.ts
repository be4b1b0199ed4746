import { describe, expect, it } from 'vitest';
import type { JournalKind } from '../../src/engine/journal.ts';
import type { TimelineEvent } from '../../src/engine/result.ts';
import { chartMarks } from '../../src/reporting/chart-marks.ts';
import { gameDayFixture } from './game-day-fixture.ts';

const at = (atMs: number, kind: JournalKind): TimelineEvent => ({ atMs, at: atMs, kind }) as TimelineEvent;

describe("a scenario's chart marks", () => {
  it('shades the fault from its injection to the last revert, and marks the alert, checkpoints and recovery', () => {
    const [healthy] = gameDayFixture().scenarios;
    const marks = chartMarks(healthy!, 30_000);
    expect(marks.faultWindows).toEqual([[5, 26.1]]);
    expect(marks.alertFiring.map((mark) => mark.atS)).toEqual([9]);
    expect(marks.checkpoints.map((mark) => mark.label)).toEqual([
      'acknowledged',
      'root cause',
      'fix deployed',
      'service restored',
    ]);
    expect(marks.recovered.map((mark) => mark.atS)).toEqual([24]);
    expect(marks.responderActions).toHaveLength(1);
  });

  it("ends the fault window when the time box's revert is done, not when it starts", () => {
    const [, timeBoxed] = gameDayFixture().scenarios;
    expect(chartMarks(timeBoxed!, 30_000).faultWindows).toEqual([[5, 28.01]]);
  });

  it('keeps a fault whose revert failed shaded to the end: it was still in place', () => {
    const timeline = [at(2_000, 'fault-injected'), at(9_000, 'revert-failed')];
    expect(chartMarks({ timeline }, 12_000).faultWindows).toEqual([[2, 12]]);
  });
});
