import { defineScenario, websocketConnectionsAlert } from 'gameday';

/**
 * A guard at work: the experiment is about WebSocket capacity (runbook 2's alert, which a bad release
 * never raises), and the send error rate is outside its blast radius, so it is a guard. Release 1.5.0
 * fails sends: the guard fires during the fault, the scenario is aborted and the release rolled back
 * by the fault's own undo, before any remedy.
 */
export default defineScenario({
  id: 'guarded-deploy',
  title: 'A capacity experiment stopped by its guard when sends start failing',
  runbook: { number: 2 },
  fault: { kind: 'deploy-release', release: '1.5.0' },
  alert: websocketConnectionsAlert(),
  guards: ['ChatSendErrorRateHigh'],
  detect: { within: '10m' },
  remedy: [{ action: 'scale', replicas: 3 }],
});
