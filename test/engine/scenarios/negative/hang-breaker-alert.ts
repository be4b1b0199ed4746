import { circuitBreakerAlert } from '../../../../src/detection/signals.ts';
import { defineScenario } from '../../../../src/engine/scenario.ts';

/**
 * Runbook 4's own alert on a hung primary: the breaker counts refused connections, and a frozen
 * database refuses none, so it must report "not detected" (why `database-hang` alerts on failing sends).
 */
export default defineScenario({
  id: 'hang-breaker-alert',
  title: 'The breaker alert on a hung primary',
  runbook: { number: 4, procedure: 'Database Recovery (If Database Down)' },
  stack: { disposable: true, env: { DATABASE_QUERY_TIMEOUT_MS: '2000' } },
  fault: { kind: 'freeze-primary' },
  alert: circuitBreakerAlert(),
  detect: { within: '5m' },
  remedy: [{ action: 'promote-replica' }, { action: 'repoint-database' }],
});
