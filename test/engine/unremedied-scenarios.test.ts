import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GameDayRun, runGameDayCli } from '../support/game-day-run.ts';

/**
 * Every scenario's negative twin: the same fault with nobody responding. Each must fail with
 * "not resolved" — a scenario that passes without its remedy proves nothing about the remedy.
 */
let run: GameDayRun;

beforeAll(async () => {
  run = await runGameDayCli(['--skip-remedy']);
}, 600_000);
afterAll(() => run?.cleanup());

describe('every scenario without its remedy', () => {
  it('is detected, then fails "not resolved", and the run exits 1', () => {
    expect(run.result.code).toBe(1);
    expect(run.report.scenarios.length).toBeGreaterThanOrEqual(16);
    for (const scenario of run.report.scenarios) {
      expect(scenario.status, scenario.id).toBe('failed');
      expect(scenario.detection.fired, scenario.id).toBe(true);
      expect(scenario.remedy, scenario.id).toEqual([]);
      expect(scenario.reasons[0], scenario.id).toMatch(/^not resolved: /);
      expect(
        scenario.timeline.map((event) => event.kind),
        scenario.id,
      ).toContain('remedy-skipped');
    }
  });

  it('shows the real symptoms while nobody responds', () => {
    const byId = (id: string) => run.report.scenarios.find((scenario) => scenario.id === id)!;
    // The leak starves the backend: its pool cannot replace recycled connections ("too many clients").
    expect(byId('connection-limit').traffic.serverErrors).toBeGreaterThan(0);
  });

  it('still reverts every fault and loses no acknowledged message', () => {
    for (const scenario of run.report.scenarios) {
      expect(scenario.faultsReverted, scenario.id).toBe(true);
      expect(scenario.lostMessages, scenario.id).toBe(0);
    }
  });
});
