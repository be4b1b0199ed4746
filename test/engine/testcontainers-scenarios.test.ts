import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAND_INS } from '../../src/stack/containers/compose-images.ts';
import { docker, GAMEDAY_LABEL } from '../../src/stack/containers/docker-cli.ts';
import { type GameDayRun, runGameDayCli } from '../support/game-day-run.ts';

/**
 * `gameday run --stack testcontainers`: runbook 1's and 4's scenarios on the stack a team's CI would
 * start, with the images docker-compose.yml names replaced by the stand-ins `gameday images --compose`
 * builds (no registry here), seeded small. One stack serves them all, rolled to each scenario's
 * settings; the failover, which uses it up, runs last. At time scale 60, as the embedded game day: it
 * ran at 30 after CI saw pool-exhausted detected late, which its own 15 min detection budget now
 * answers (the pool runs dry only after the 2 s acquire timeout, which does not scale).
 */
const RUNBOOK_1_AND_4 = [
  'bad-deploy',
  'dependency-down',
  'pool-exhausted',
  'breaker-stuck',
  'database-outage',
];
let run: GameDayRun;

beforeAll(async () => {
  run = await runGameDayCli(
    ['--stack', 'testcontainers', '--time-scale', '60', ...RUNBOOK_1_AND_4],
    undefined,
    {
      ...STAND_INS,
      GAMEDAY_SEED_PRESET: 'tiny',
    },
  );
}, 900_000);
afterAll(() => run?.cleanup());

describe('the game day on the testcontainers stack', () => {
  it("passes runbook 1's and 4's scenarios, with every fault reverted and no message lost", () => {
    const { report, result } = run;
    expect(report.stack).toBe('testcontainers');
    const byName = [...report.scenarios].sort((a, b) => a.id.localeCompare(b.id));
    expect(
      byName.map((scenario) => [scenario.id, scenario.status, scenario.reasons]),
      result.stderr.slice(-3000),
    ).toEqual([...RUNBOOK_1_AND_4].sort().map((id) => [id, 'passed', []]));
    // The failover, which uses the stack up, last: one stack for all of them.
    expect(report.scenarios.at(-1)?.id).toBe('database-outage');
    for (const scenario of report.scenarios) {
      expect(scenario.faultsReverted, scenario.id).toBe(true);
      expect(scenario.lostMessages, scenario.id).toBe(0);
    }
    expect(result.stderr.match(/stack: network gdtc-/g)).toHaveLength(1);
    expect(result.stderr).toMatch(/rolling the backend to the scenario’s settings/);
    expect(result.code).toBe(0);
  });

  it('leaves no container or network of a testcontainers stack behind', async () => {
    const stacks = await docker([
      'ps',
      '--all',
      '--filter',
      `label=${GAMEDAY_LABEL}`,
      '--format',
      `{{.Label "${GAMEDAY_LABEL}"}}`,
    ]);
    const networks = await docker([
      'network',
      'ls',
      '--filter',
      `label=${GAMEDAY_LABEL}`,
      '--format',
      '{{.Name}}',
    ]);
    expect(
      [...stacks.split('\n'), ...networks.split('\n')].filter((name) => name.startsWith('gdtc-')),
    ).toEqual([]);
  });
});
