import { defineScenario, errorRatio, FAIL_OVER_TO_REPLICA, SEND_MESSAGE, sendsSucceedCheck } from 'gameday';

/**
 * Runbook 4, "Database Recovery", for a primary that hangs rather than stops: its processes are frozen
 * (`docker pause` in containers, SIGSTOP here), so connections open and nothing answers. Runbook 4's own
 * alert is no dependable signal for this: a frozen server refuses no connection, so the breaker opens
 * only once ten queries in a row have reached the client-side timeout, and whether that happens soon
 * depends on how many were in flight (it stayed closed for 5 s in one run, opened within 5 s in
 * another). What users see is dependable: the alert is the share of failed sends, at runbook 4's stated
 * impact ("every API request fails"), more than 5 % (its trigger states no number). The responder
 * fails over as the runbook says. The stack is replaced after this scenario.
 */
export default defineScenario({
  id: 'database-hang',
  title: 'The primary database hangs: fail over to the replica',
  runbook: { number: 4, procedure: 'Database Recovery (If Database Down)' },
  // A query on a hung server fails after 2 s (the backend's client-side timeout), not 10 s.
  stack: { disposable: true, env: { DATABASE_QUERY_TIMEOUT_MS: '2000' } },
  fault: { kind: 'freeze-primary' },
  alert: {
    name: 'ChatSendsFailing',
    unit: 'ratio',
    comparator: '>',
    threshold: 0.05,
    // Over 5 minutes, as runbook 1's error rate: while nothing answers, few sends finish at all, and a
    // shorter window can hold none of them.
    expr: errorRatio(SEND_MESSAGE.route, SEND_MESSAGE.method, '5m'),
  },
  // The first sends fail only when their queries reach the 2 s timeout, which is real time (not scaled).
  detect: { within: '8m' },
  remedy: FAIL_OVER_TO_REPLICA,
  recovered: {
    checks: [sendsSucceedCheck()],
  },
});
