import { defineScenario, sendsSucceedCheck } from 'gameday';

/**
 * Runbook 3, scenario C: a reporting worker leaks connections (each left idle in a transaction) until
 * PostgreSQL refuses everyone with "too many clients already". The backend's pool recycles its
 * connections every 5 min (5 s here) and cannot replace them, so requests fail. The responder looks at
 * the sessions by state, finds the leaking application and terminates its sessions, then restarts the
 * backend to refresh its pool.
 */
export default defineScenario({
  id: 'connection-limit',
  title: 'A leaking worker takes every database connection',
  runbook: { number: 3, procedure: 'Scenario C: Connection Pool Exhaustion' },
  stack: { env: { DATABASE_POOL_MAX_LIFETIME_SECONDS: '5' } },
  fault: { kind: 'connection-leak', application: 'report-exporter' },
  alert: {
    name: 'DatabaseConnectionsNearLimit',
    unit: 'ratio',
    // Runbook 1's investigation: "If >80% of max connections → Database saturation (see Runbook 3)".
    threshold: 0.8,
    comparator: '>',
    expr: { fn: 'value', metric: 'pg_connections_used_ratio', agg: 'max' },
  },
  remedy: [
    {
      action: 'terminate-leaked-sessions',
      runbookStep: 'SELECT count(*), state FROM pg_stat_activity GROUP BY state;',
    },
    { action: 'restart', runbookStep: 'kubectl rollout restart deployment/chat-backend -n production' },
  ],
  recovered: {
    checks: [sendsSucceedCheck()],
  },
});
