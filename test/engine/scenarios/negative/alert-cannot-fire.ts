import { defineScenario, errorRatio, SEND_MESSAGE } from 'gameday';

/** The bad deploy, with an alert threshold (90 %) that one failed send in ten can never reach. */
export default defineScenario({
  id: 'alert-cannot-fire',
  title: 'Bad deploy with a misconfigured alert threshold',
  runbook: { number: 1 },
  stack: { seed: 'tiny' },
  fault: { kind: 'deploy-release', release: '1.5.0' },
  alert: {
    name: 'MisconfiguredErrorRate',
    unit: 'ratio',
    threshold: 0.9,
    expr: errorRatio(SEND_MESSAGE.route, SEND_MESSAGE.method, '5m'),
  },
  remedy: [{ action: 'rollback' }],
});
