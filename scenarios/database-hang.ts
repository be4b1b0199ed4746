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
  // On a hung server a send fails only when its wait for a pooled connection, then its query, time out.
  // Those are real time, which the scale does not compress (at 60, each second reads as a minute), so
  // they are 1 s each here instead of 2 s and 10 s: the first sends fail about 2 s after the freeze.
  stack: {
    disposable: true,
    env: { DATABASE_QUERY_TIMEOUT_MS: '1000', DATABASE_POOL_ACQUIRE_TIMEOUT_MS: '1000' },
  },
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
  // Those timeouts come before any send fails.
  detect: { within: '8m' },
  remedy: FAIL_OVER_TO_REPLICA,
  // Resolved when sends succeed again, not when the alert clears: a ratio over 5 minutes cannot fall
  // below 5 % until most of the failed sends have left its window, up to 5 minutes after the failover,
  // so judged by it no response could meet the P0's 5 minutes.
  recovered: {
    checks: [sendsSucceedCheck()],
    alertResolves: false,
  },
});
