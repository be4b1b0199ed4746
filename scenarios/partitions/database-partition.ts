import { circuitBreakerAlert, defineScenario, FAIL_OVER_TO_REPLICA, sendsSucceedCheck } from 'gameday';

/**
 * Runbook 4, "Database Recovery": the primary is cut off the network (a real partition, `docker network
 * disconnect`). New connections fail at once (its name no longer resolves), queries on open ones wait
 * for the backend's 2 s timeout; every replica's breaker opens. The responder promotes the streaming
 * replica and points the backend at it. Only a stack on its own network can do this:
 *   gameday run --stack testcontainers --scenarios scenarios/partitions
 */
export default defineScenario({
  id: 'database-partition',
  title: 'The primary database is cut off the network: fail over to the replica',
  runbook: { number: 4, procedure: 'Database Recovery (If Database Down)' },
  stack: { disposable: true, env: { DATABASE_QUERY_TIMEOUT_MS: '2000' } },
  fault: { kind: 'partition-primary' },
  alert: circuitBreakerAlert(),
  remedy: FAIL_OVER_TO_REPLICA,
  recovered: {
    checks: [sendsSucceedCheck()],
  },
});
