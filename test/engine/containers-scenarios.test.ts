import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelled } from '../../src/stack/containers/docker-cli.ts';
import { type GameDayRun, runGameDayCli } from '../support/game-day-run.ts';

/**
 * The scenarios whose faults and remedies the containers stack carries out its own way, with every
 * process in its own container: rollouts and a scale-out replace the backend's containers
 * (bad-deploy, connection-spike), the outage stops the primary's container (database-outage), the
 * hang pauses it (database-hang), the leak meets a cgroup memory limit and the kernel's OOM kill
 * (memory-leak), and base backups and the point-in-time copy run in containers (lost-messages). The
 * other scenarios act through SQL, the fault proxy and the admin API, the same on every stack, and
 * are proven on the embedded stack.
 */
const CONTAINER_SPECIFIC = [
  'bad-deploy',
  'connection-spike',
  'database-outage',
  'database-hang',
  'memory-leak',
  'lost-messages',
];
let run: GameDayRun;

beforeAll(async () => {
  run = await runGameDayCli(['--stack', 'containers', '--time-scale', '60', ...CONTAINER_SPECIFIC]);
}, 600_000);
afterAll(() => run?.cleanup());

describe('the game day on the containers stack', () => {
  it('passes every scenario, with every fault reverted and no message lost', () => {
    const { report, result } = run;
    expect(report.stack).toBe('containers');
    expect(report.scenarios.map((scenario) => scenario.id).sort()).toEqual([...CONTAINER_SPECIFIC].sort());
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
