import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GameDayRun, runGameDayCli } from '../support/game-day-run.ts';

/**
 * Compound incidents (scenarios/compound/): a second fault lands while the first page is being
 * worked. With both pages' procedures each passes; a responder who follows only the first page's
 * runbook must leave it "not resolved", with the second alert still firing.
 */
let both: GameDayRun;
let firstOnly: GameDayRun;

beforeAll(async () => {
  both = await runGameDayCli(['--scenarios', 'scenarios/compound']);
  firstOnly = await runGameDayCli(['--scenarios', 'test/engine/scenarios/first-runbook-only']);
}, 600_000);
afterAll(async () => {
  await both?.cleanup();
  await firstOnly?.cleanup();
});

describe('a compound incident', () => {
  it('passes with both pages worked: each alert detected from its own fault, the whole incident resolved', () => {
    expect(both.report.scenarios.map((scenario) => scenario.id).sort()).toEqual([
      'bad-deploy-then-dependency-down',
      'lock-contention-then-breaker',
    ]);
    for (const scenario of both.report.scenarios) {
      expect(scenario.status, `${scenario.id}: ${scenario.reasons.join('; ')}`).toBe('passed');
      expect(scenario.detection.fired, scenario.id).toBe(true);
      expect(scenario.otherDetections, scenario.id).toEqual([
        expect.objectContaining({ fired: true, fault: 1 }),
      ]);
      expect(scenario.faultsReverted, scenario.id).toBe(true);
      expect(scenario.lostMessages, scenario.id).toBe(0);
    }
    expect(both.result.code).toBe(0);
  });

  it('with only the first page’s procedure: "not resolved", the second alert still firing', () => {
    expect(firstOnly.result.code).toBe(1);
    const deploy = firstOnly.report.scenarios.find(
      (scenario) => scenario.id === 'bad-deploy-then-dependency-down-first-runbook-only',
    )!;
    expect(deploy.status).toBe('failed');
    expect(deploy.reasons[0]).toMatch(/^not resolved: .*AttachmentUploadErrorRateHigh is firing/);
    expect(deploy.remedy.map((step) => step.action)).toEqual(['rollback']);
    // The store went down while the response to the first page was under way.
    const kinds = deploy.timeline.map((event) => event.kind);
    expect(kinds.lastIndexOf('fault-injecting')).toBeGreaterThan(kinds.indexOf('remedy-step'));
    for (const scenario of firstOnly.report.scenarios) {
      expect(scenario.status, scenario.id).toBe('failed');
      expect(scenario.reasons[0], scenario.id).toMatch(/^not resolved: /);
      expect(scenario.faultsReverted, scenario.id).toBe(true);
      expect(scenario.lostMessages, scenario.id).toBe(0);
    }
  });
});
