import { describe, expect, it } from 'vitest';
import type { ResolvedScenario } from '../../src/engine/resolve-scenario.ts';
import { runOrder } from '../../src/engine/run-game-day.ts';

/** Only what runOrder reads of a scenario: its id and its stack settings. */
const scenario = (id: string, stack?: { env?: Record<string, string>; disposable?: boolean }) =>
  ({ scenario: { id, stack } }) as unknown as ResolvedScenario;

const given = [
  scenario('bad-deploy'),
  scenario('breaker-stuck', { env: { CIRCUIT_BREAKER_HALF_OPEN_AFTER_MS: '600000' } }),
  scenario('database-outage', { disposable: true }),
  scenario('dependency-down'),
  scenario('pool-exhausted', { env: { DATABASE_POOL_MAX: '2' } }),
];
const ids = (order: ResolvedScenario[]) => order.map((resolved) => resolved.scenario.id);

describe('the order scenarios run in', () => {
  it('groups those sharing a stack configuration, what uses a stack up last in its group (a stack per configuration)', () => {
    expect(ids(runOrder(given))).toEqual([
      'bad-deploy',
      'dependency-down',
      'database-outage',
      'breaker-stuck',
      'pool-exhausted',
    ]);
  });

  it('on the testcontainers stack, which rolls to each configuration, puts only what uses it up last', () => {
    expect(ids(runOrder(given, 'testcontainers'))).toEqual([
      'bad-deploy',
      'breaker-stuck',
      'dependency-down',
      'pool-exhausted',
      'database-outage',
    ]);
  });
});
