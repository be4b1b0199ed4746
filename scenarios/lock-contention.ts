import { defineScenario, longestRunningQuery } from 'gameday';

/**
 * Runbook 3, scenario B: a reporting job takes a lock on messages and keeps its transaction open;
 * every message insert queues behind it. The responder finds the blocking session and terminates it.
 */
export default defineScenario({
  id: 'lock-contention',
  title: 'A long transaction holds a lock that message writes need',
  runbook: { number: 3, procedure: 'Scenario B: Lock Contention' },
  fault: { kind: 'hold-lock', table: 'messages', mode: 'SHARE' },
  // The runbook's p95 alert cannot see this incident: blocked inserts have no duration until they
  // finish, and once every user waits on one, no query finishes at all (the p95 of an empty window).
  // The runbook's 500 ms threshold is applied to the longest-running query instead.
  alert: { name: 'DatabaseQueryRunningTooLong', unit: 'seconds', expr: longestRunningQuery() },
  remedy: [{ action: 'terminate-blockers', runbookStep: 'SELECT pg_terminate_backend(blocking_pid);' }],
});
