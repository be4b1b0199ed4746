import { circuitBreakerAlert, defineScenario } from 'gameday';

/**
 * Runbook 4, "Reset Circuit Breaker": a two-second network blip between the backend and a healthy
 * database trips every replica's breaker, and with a long half-open delay it stays open. The responder
 * sees the database answer and resets the breakers.
 */
export default defineScenario({
  id: 'breaker-stuck',
  title: 'A network blip leaves the circuit breaker open on a healthy database',
  runbook: { number: 4, procedure: 'Reset Circuit Breaker (If False Alarm)' },
  // A breaker that waits a long time before trying again (10 min at runbook scale) stays stuck.
  stack: { env: { CIRCUIT_BREAKER_HALF_OPEN_AFTER_MS: '600000' } },
  fault: { kind: 'proxy-blip', proxy: 'database', durationMs: 2_000 },
  alert: circuitBreakerAlert(),
  remedy: [
    {
      action: 'reset-breaker',
      runbookStep: 'curl -X POST https://chat-backend.internal/admin/circuit-breaker/reset',
    },
  ],
});
