import { databaseQueryQuantile, defineScenario } from 'gameday';

/** Drops the index on the tiny seed: the alert will never fire, so the run waits until it is stopped. */
export default defineScenario({
  id: 'drop-index-tiny',
  title: 'Missing index on a tiny table (interrupted by the test)',
  runbook: { number: 3 },
  stack: { seed: 'tiny', replicas: 1 },
  fault: { kind: 'drop-index', index: 'idx_messages_user_id_created_at' },
  alert: {
    name: 'DatabaseQueryP95High',
    unit: 'seconds',
    expr: databaseQueryQuantile('0.95'),
  },
  detect: { within: '60m' },
  remedy: [
    {
      action: 'create-index',
      name: 'idx_messages_user_id_created_at',
      table: 'messages',
      columns: 'user_id, created_at DESC',
    },
  ],
});
