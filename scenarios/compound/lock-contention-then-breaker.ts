import { circuitBreakerAlert, defineScenario, longestRunningQuery, sendsSucceedCheck } from 'gameday';

/**
 * A compound incident across runbooks 3 and 4: a reporting job takes a lock on messages and keeps its
 * transaction open, so every message insert queues behind it (runbook 3, Scenario B: terminate the
 * blocker). Ten minutes in, the network between the backend and the database drops for two seconds:
 * every replica's breaker opens, and with a long half-open delay it stays open on a database that
 * answers again (runbook 4, Reset Circuit Breaker). Neither procedure fixes the other's fault:
 * terminating the blocker leaves the breakers open, resetting them leaves the writes blocked. Seen on
 * the embedded stack: with nobody responding, the lock's alert goes quiet once the breakers open (no
 * insert reaches the database to wait on the lock, which is still held): the breaker hides the lock.
 * (Had the lock lasted past the backend's 10 s query timeout, the timed-out inserts would have opened
 * the breakers on their own, a cascade of its own; the same two procedures resolve it.) The breaker is
 * reset once the blip is over: reset while the network is still cut, it opens again at once (seen).
 */
export default defineScenario({
  id: 'lock-contention-then-breaker',
  title: 'A lock stalls message writes, then a network blip leaves the breakers open',
  runbook: { number: 3, procedure: 'Scenario B: Lock Contention' },
  // The breakers wait ten minutes before trying the database again: as breaker-stuck, they stay open.
  stack: { env: { CIRCUIT_BREAKER_HALF_OPEN_AFTER_MS: '600000' } },
  fault: [
    { kind: 'hold-lock', table: 'messages', mode: 'SHARE' },
    { kind: 'proxy-blip', proxy: 'database', durationMs: 2_000, after: '10m' },
  ],
  alert: [
    // As lock-contention: the runbook's 500 ms threshold on the longest-running query.
    { name: 'DatabaseQueryRunningTooLong', unit: 'seconds', expr: longestRunningQuery() },
    {
      ...circuitBreakerAlert(),
      runbook: { number: 4, procedure: 'Reset Circuit Breaker (If False Alarm)' },
      fault: 1,
    },
  ],
  remedy: [
    { action: 'terminate-blockers', runbookStep: 'SELECT pg_terminate_backend(blocking_pid);' },
    {
      action: 'reset-breaker',
      onAlert: 'CircuitBreakerOpen',
      runbookStep: 'curl -X POST https://chat-backend.internal/admin/circuit-breaker/reset',
    },
  ],
  recovered: { checks: [sendsSucceedCheck()] },
});
