import { defineScenario, integrityAlert, RESUME_MESSAGE_WRITES, STOP_MESSAGE_WRITES } from 'gameday';

/**
 * Runbook 6, scenario A: the database link slows down, mobile clients give up after a second and
 * resend with the same message_id, and the backend, with nothing unique on message_id, stores both
 * copies. The integrity job finds the duplicates; the responder stops writes, runs the runbook's
 * dedup, adds the missing unique constraint (resends are then answered with the stored message) and
 * turns writes back on while the link is still slow.
 */
export default defineScenario({
  id: 'duplicate-messages',
  title: 'Client resends during a slow database store messages twice',
  runbook: { number: 6, procedure: 'Scenario A: Duplicate Messages' },
  // It deletes rows and adds the constraint for good (the runbook's fix): a fresh stack follows it.
  stack: { disposable: true },
  traffic: { mix: { send: 60 }, sendRetry: { timeout: '1s', attempts: 3 } },
  fault: {
    kind: 'proxy-toxic',
    proxy: 'database',
    type: 'latency',
    attributes: { latency: 500, jitter: 400 },
  },
  alert: integrityAlert(),
  detect: { within: '15m' },
  remedy: [
    STOP_MESSAGE_WRITES,
    {
      action: 'run-sql',
      sql: `DELETE FROM messages WHERE id IN (
              SELECT id FROM (
                SELECT id, ROW_NUMBER() OVER (PARTITION BY message_id ORDER BY created_at ASC) AS rn
                FROM messages) t
              WHERE t.rn > 1)`,
      runbookStep: 'DELETE FROM messages WHERE id IN (… ROW_NUMBER() OVER (PARTITION BY message_id …) …)',
    },
    {
      action: 'run-sql',
      sql: 'ALTER TABLE messages ADD CONSTRAINT messages_message_id_key UNIQUE (message_id)',
      runbookStep: 'Post-incident: add a unique constraint on message_id',
    },
    RESUME_MESSAGE_WRITES,
  ],
});
