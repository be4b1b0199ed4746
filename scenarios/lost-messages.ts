import { defineScenario, integrityAlert, RESUME_MESSAGE_WRITES, STOP_MESSAGE_WRITES } from 'gameday';

/**
 * Runbook 6, scenario B: a maintenance job with two bugs deletes the oldest conversations but not
 * their messages (orphans), and purges the newest messages instead of the oldest (acknowledged
 * messages go missing). The integrity job sees both. The responder stops writes, restores a copy of
 * the database as of just before the job ran (base backup + WAL archive), inserts the rows production
 * is missing, and turns writes back on. Every acknowledged message must be back.
 */
export default defineScenario({
  id: 'lost-messages',
  title: 'A buggy cleanup job orphans messages and deletes recent ones',
  runbook: { number: 6, procedure: 'Scenario B: Missing Messages' },
  // It rewrites rows of the shared tables: a fresh stack is started after it.
  stack: { disposable: true },
  traffic: { mix: { send: 60 } },
  fault: { kind: 'bad-cleanup-job', conversations: 3, newestMessagesSeconds: 5 },
  alert: integrityAlert(),
  detect: { within: '15m' },
  remedy: [
    STOP_MESSAGE_WRITES,
    {
      action: 'restore-missing-rows',
      runbookStep: 'aws rds restore-db-instance-to-point-in-time … # Identify missing rows and insert',
    },
    RESUME_MESSAGE_WRITES,
  ],
});
