import { databaseQueryQuantile, defineScenario } from 'gameday';

/**
 * Runbook 3, scenario A: the index behind "a user's messages, newest first" is gone, so that query
 * scans a million rows and the database's p95 climbs past 500 ms. The fix is to build the index again
 * without blocking writes.
 */
export default defineScenario({
  id: 'missing-index',
  title: 'The (user_id, created_at) index is missing and the user-messages query scans the table',
  runbook: { number: 3, procedure: 'Scenario A: Missing Index' },
  // Users who open their message history often: the query the index serves is half the traffic.
  traffic: { mix: { 'read-own-messages': 60 } },
  fault: { kind: 'drop-index', index: 'idx_messages_user_id_created_at' },
  alert: {
    name: 'DatabaseQueryP95High',
    unit: 'seconds',
    expr: databaseQueryQuantile('0.95'),
  },
  // Five minutes sustained, plus the time the backend's one-minute quantile window takes to fill with
  // slow queries (never under 5 s of wall time, since the queries themselves are not compressed), plus
  // two minutes as bad-deploy gets: at 10 m the margin over the measured 8.2–9.3 s was too thin for CI.
  detect: { within: '12m' },
  // The p95 of a one-minute window (one second here) can dip for a moment between two slow scans: the
  // fix must hold for three minutes, or a dip would pass for a recovery (seen once in CI, unremedied).
  recovered: { hold: '3m' },
  remedy: [
    {
      action: 'create-index',
      name: 'idx_messages_user_id_created_at',
      table: 'messages',
      columns: 'user_id, created_at DESC',
      runbookStep:
        'CREATE INDEX CONCURRENTLY idx_messages_user_id_created_at ON messages(user_id, created_at DESC)',
    },
  ],
});
