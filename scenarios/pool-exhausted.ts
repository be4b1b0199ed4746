import { defineScenario, sendErrorRateAlert } from 'gameday';

/**
 * Runbook 1, scenario A: the backend has long run with a pool of two connections per replica, which
 * was enough while queries took milliseconds. Today the database answers slowly, requests queue for a
 * connection and give up after the 2 s acquire timeout with 503. No release went out, so the responder
 * takes the investigation branch and raises DATABASE_POOL_MAX (a rolling restart).
 */
export default defineScenario({
  id: 'pool-exhausted',
  title: 'Slow queries exhaust a small database connection pool',
  runbook: { number: 1, procedure: 'Scenario A: Database Connection Pool Exhausted' },
  stack: { env: { DATABASE_POOL_MAX: '2' } },
  traffic: { users: 24 },
  fault: {
    kind: 'proxy-toxic',
    proxy: 'database',
    type: 'latency',
    attributes: { latency: 500, jitter: 100 },
  },
  alert: sendErrorRateAlert(),
  // The pool runs dry only once requests have queued past the 2 s acquire timeout, which does not
  // shrink with the time scale: the first 503s come 3-5 s after the slowdown (3-5 min of runbook
  // time) where the default budget allows one. Measured TTD 9.5-10.7 s against the default 12 s.
  detect: { within: '15m' },
  remedy: [
    { action: 'decide', question: 'recent-deploy', within: '30m', runbookStep: 'Check Recent Deployments' },
    { action: 'rollback', when: 'recent-deploy=yes' },
    {
      action: 'set-env',
      env: { DATABASE_POOL_MAX: '50' },
      when: 'recent-deploy=no',
      runbookStep: 'kubectl set env deployment/chat-backend DATABASE_POOL_MAX=50 -n production',
    },
  ],
});
