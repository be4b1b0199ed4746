import {
  circuitBreakerAlert,
  circuitBreakerOpen,
  defineScenario,
  FAIL_OVER_TO_REPLICA,
  sendsSucceedCheck,
} from 'gameday';

/**
 * Runbook 4, "Database Recovery": the primary goes down, every replica's breaker opens and the API
 * answers 503. The responder promotes the streaming replica and points the backend at it; the new pods
 * start with closed breakers and writes succeed again. The stack is replaced after this scenario.
 */
export default defineScenario({
  id: 'database-outage',
  title: 'The primary database is down: fail over to the replica',
  runbook: { number: 4, procedure: 'Database Recovery (If Database Down)' },
  stack: { disposable: true },
  fault: { kind: 'stop-primary', mode: 'fast' },
  alert: circuitBreakerAlert(),
  remedy: FAIL_OVER_TO_REPLICA,
  recovered: {
    checks: [sendsSucceedCheck()],
  },
  claims: [
    {
      kind: 'time-until',
      claim:
        'the circuit breaker closes automatically, usually 60 seconds after the first successful request',
      claimed: '60s',
      holds: 'about',
      expr: circuitBreakerOpen(),
      comparator: '<',
      threshold: 1,
    },
  ],
});
