import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAND_INS } from '../../src/stack/containers/compose-images.ts';
import { docker, GAMEDAY_LABEL } from '../../src/stack/containers/docker-cli.ts';
import { type GameDayRun, runGameDayCli } from '../support/game-day-run.ts';

/**
 * `gameday run --stack testcontainers`: the scenarios that use what this stack does its own way, on
 * the stack a team's CI would start, with the images docker-compose.yml names replaced by the stand-ins
 * `gameday images --compose` builds (no registry here), seeded small: a rollout and its rollback of the
 * backend's containers (bad-deploy), a roll to a scenario's settings and a blip through the Toxiproxy
 * container (breaker-stuck), the failover to the replica's container, which uses the stack up and runs
 * last (database-outage). One stack serves them all. The other runbook 1 and 4 scenarios
 * (dependency-down, pool-exhausted) act through the same Toxiproxy API and rollouts and are proven on
 * the embedded stack and, through docker-compose.yml's Toxiproxy, in compose-scenarios. At time scale 60,
 * as the embedded game day.
 */
const STACK_SPECIFIC = ['bad-deploy', 'breaker-stuck', 'database-outage'];
let run: GameDayRun;

beforeAll(async () => {
  run = await runGameDayCli(
    ['--stack', 'testcontainers', '--time-scale', '60', ...STACK_SPECIFIC],
    undefined,
    {
      ...STAND_INS,
      GAMEDAY_SEED_PRESET: 'tiny',
    },
  );
}, 900_000);
afterAll(() => run?.cleanup());

describe('the game day on the testcontainers stack', () => {
  it('passes the scenarios specific to it, with every fault reverted and no message lost', () => {
    const { report, result } = run;
    expect(report.stack).toBe('testcontainers');
    const byName = [...report.scenarios].sort((a, b) => a.id.localeCompare(b.id));
    expect(
      byName.map((scenario) => [scenario.id, scenario.status, scenario.reasons]),
      result.stderr.slice(-3000),
    ).toEqual([...STACK_SPECIFIC].sort().map((id) => [id, 'passed', []]));
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
