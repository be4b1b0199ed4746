import { defineScenario, errorRatio, FAIL_OVER_TO_REPLICA, SEND_MESSAGE } from 'gameday';

/**
 * The primary hangs on the tiny seed, with a short baseline: a run of it is killed by the test once
 * its FIS experiment holds the primary frozen (test/engine/fis-crash.test.ts).
 */
export default defineScenario({
  id: 'hang-tiny',
  title: 'The primary hangs (killed by the test in mid-experiment)',
  runbook: { number: 4 },
  stack: { seed: 'tiny', replicas: 1, disposable: true },
  baseline: '30s',
  fault: { kind: 'freeze-primary' },
  alert: {
    name: 'ChatSendsFailing',
    unit: 'ratio',
    comparator: '>',
    threshold: 0.05,
    expr: errorRatio(SEND_MESSAGE.route, SEND_MESSAGE.method, '5m'),
  },
  detect: { within: '60m' },
  remedy: FAIL_OVER_TO_REPLICA,
});
