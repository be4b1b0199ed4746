import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf } from '../../src/engine/journal.ts';
import type { ScenarioResult } from '../../src/engine/result.ts';
import { type GameDayRun, runGameDayCli } from '../support/game-day-run.ts';

/**
 * The "done when": `gameday run database-outage database-hang dependency-down --faults fis`
 * passes on the embedded stack, each fault carried out as a FIS experiment on gameday's own endpoint
 * (an RDS reboot, disrupted connectivity to the database's subnets and to S3), with TTD and TTR
 * measured from the moment the experiment's actions were in place.
 */
let run: GameDayRun;
beforeAll(async () => {
  run = await runGameDayCli(['database-outage', 'database-hang', 'dependency-down', '--faults', 'fis']);
});
afterAll(() => run?.cleanup());

const ACTIONS: Record<string, string> = {
  'database-outage': 'aws:rds:reboot-db-instances',
  'database-hang': 'aws:network:disrupt-connectivity',
  'dependency-down': 'aws:network:disrupt-connectivity',
};

describe('a game day with --faults fis on the embedded stack', () => {
  it('passes every scenario, with the faults carried out by FIS on the endpoint gameday served', () => {
    expect(run.result.code, run.result.stderr.slice(-3000)).toBe(0);
    expect(run.report.scenarios.map((s) => [s.id, s.status])).toEqual(
      expect.arrayContaining(Object.keys(ACTIONS).map((id) => [id, 'passed'])),
    );
    expect(run.report.faults).toEqual({
      by: 'fis',
      endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      skipped: [],
    });
  });

  it.each(Object.keys(ACTIONS))(
    '%s: its timeline names the experiment, and TTD and TTR count from its actions in place',
    (id) => {
      const scenario = run.report.scenarios.find((s) => s.id === id) as ScenarioResult;
      const experiments = eventsOf(scenario.timeline, 'fault-experiment');
      const experimentId = experiments[0]!.experimentId;
      expect(experimentId).toMatch(/^EXP[0-9A-Za-z]{16}$/);
      expect(experiments.every((e) => e.experimentId === experimentId)).toBe(true);
      // Started, in place, and over (stopped by the revert, or completed: a reboot ends by itself).
      expect(experiments.map((e) => e.status)).toEqual([
        'initiating',
        'running',
        expect.stringMatching(/^(stopped|completed)$/),
      ]);
      expect(experiments[1]!.detail).toContain(`(${ACTIONS[id]}) running`);
      const [injected] = eventsOf(scenario.timeline, 'fault-injected');
      expect(injected!.detail).toContain(`by FIS experiment ${experimentId}`);
      expect(injected!.at).toBeGreaterThanOrEqual(experiments[1]!.at);
      const [firing] = eventsOf(scenario.timeline, 'alert-firing');
      const [recovered] = eventsOf(scenario.timeline, 'recovered');
      // TTD counts to the firing round's sample time; the round is noted once its slowest target
      // answered or missed its deadline (1 s at the 250 ms scrape interval; a frozen database misses it).
      const noted = Math.max(0, firing!.at - injected!.at);
      expect(scenario.detection.timeToDetectMs).toBeLessThanOrEqual(noted);
      expect(noted - scenario.detection.timeToDetectMs!).toBeLessThan(1_000 + 100);
      expect(scenario.resolution.timeToResolveMs).toBe(recovered!.recoveredAt - injected!.at);
      const [reverted] = eventsOf(scenario.timeline, 'fault-reverted');
      expect(reverted!.detail).toContain(`(FIS experiment ${experimentId})`);
      expect(reverted!.at).toBeGreaterThanOrEqual(experiments[2]!.at);
      expect(scenario.faultsReverted).toBe(true);
      expect(scenario.lostMessages).toBe(0);
    },
  );
});
