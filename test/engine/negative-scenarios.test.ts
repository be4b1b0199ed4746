import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GameDayRun, runGameDayCli } from '../support/game-day-run.ts';

/** Scenarios that must fail: the harness is only useful if it can say "not detected" and "not resolved". */
let run: GameDayRun;

beforeAll(async () => {
  run = await runGameDayCli(['--scenarios', 'test/engine/scenarios/negative']);
}, 180_000);
afterAll(() => run?.cleanup());

describe('scenarios that must fail', () => {
  it('exit 1 when any scenario fails', () => {
    expect(run.result.code).toBe(1);
    expect(run.report.status).toBe('failed');
  });

  it('an alert whose threshold cannot be reached reports "not detected"', () => {
    const scenario = run.report.scenarios.find((s) => s.id === 'alert-cannot-fire')!;
    expect(scenario.status).toBe('failed');
    expect(scenario.detection.fired).toBe(false);
    expect(scenario.detection.timeToDetectMs).toBeNull();
    expect(scenario.reasons[0]).toMatch(/^not detected: MisconfiguredErrorRate did not fire within 12\.0 s/);
    expect(scenario.alertRule.origin).toContain('threshold 0.9 set by the scenario');
    // Without detection the remedy never ran, and the fault was still reverted.
    expect(scenario.remedy).toEqual([]);
    expect(scenario.faultsReverted).toBe(true);
    expect(scenario.timeline.map((e) => e.kind)).toContain('fault-reverted');
  });

  it('a wrong remedy (restart instead of rollback) reports "not resolved"', () => {
    const scenario = run.report.scenarios.find((s) => s.id === 'wrong-remedy')!;
    expect(scenario.status).toBe('failed');
    expect(scenario.detection.fired).toBe(true);
    expect(scenario.remedy.map((step) => step.action)).toEqual(['restart']);
    expect(scenario.resolution.resolved).toBe(false);
    expect(scenario.reasons[0]).toMatch(/^not resolved: ChatSendErrorRateHigh is firing/);
    expect(scenario.faultsReverted).toBe(true);
    expect(scenario.lostMessages).toBe(0);
  });

  it('the JUnit report carries the failures with their reasons', async () => {
    const junit = await run.file('junit.xml');
    expect(junit).toContain('tests="2" failures="2" errors="0"');
    expect(junit).toMatch(/<failure message="not detected: MisconfiguredErrorRate did not fire/);
    expect(junit).toMatch(/<failure message="not resolved: ChatSendErrorRateHigh is firing/);
  });
});
