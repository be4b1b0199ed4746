import { defineScenario, errorRatio, SEND_MESSAGE } from 'gameday';

/** The bad deploy "remedied" with a restart: the defective release keeps running. */
export default defineScenario({
  id: 'wrong-remedy',
  title: 'Bad deploy answered with a restart instead of a rollback',
  runbook: { number: 1 },
  stack: { seed: 'tiny' },
  fault: { kind: 'deploy-release', release: '1.5.0' },
  alert: {
    name: 'ChatSendErrorRateHigh',
    unit: 'ratio',
    expr: errorRatio(SEND_MESSAGE.route, SEND_MESSAGE.method, '5m'),
  },
  remedy: [{ action: 'restart' }],
});
