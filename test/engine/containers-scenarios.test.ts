import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelled } from '../../src/stack/containers/docker-cli.ts';
import { type GameDayRun, runGameDayCli } from '../support/game-day-run.ts';

/**
 * The whole game day again, with every process of the stack in its own container: the database
 * outage stops the primary's container, the rollouts replace the backend's containers.
 */
let run: GameDayRun;

beforeAll(async () => {
  run = await runGameDayCli(['--stack', 'containers', '--time-scale', '60']);
}, 600_000);
afterAll(() => run?.cleanup());

describe('the game day on the containers stack', () => {
  it('passes every scenario, with every fault reverted and no message lost', () => {
    const { report, result } = run;
    expect(report.stack).toBe('containers');
    expect(report.scenarios).toHaveLength(16);
    for (const scenario of report.scenarios) {
      expect([scenario.id, scenario.status, scenario.reasons]).toEqual([scenario.id, 'passed', []]);
      expect(scenario.faultsReverted, scenario.id).toBe(true);
      expect(scenario.lostMessages, scenario.id).toBe(0);
    }
    expect(result.code).toBe(0);
  });

  it('leaves no container, network or volume behind', async () => {
    expect(await labelled()).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
