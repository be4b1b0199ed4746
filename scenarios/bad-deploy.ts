import { defineScenario, errorRatio, SEND_MESSAGE, sendErrorRateAlert } from 'gameday';

/**
 * Runbook 1, rollback procedure: release 1.5.0 reached production with a null-check defect in the
 * send path. A recent deploy is the runbook's first suspect, so the responder rolls back.
 */
export default defineScenario({
  id: 'bad-deploy',
  title: 'A release with a null-check bug fails message sends',
  runbook: { number: 1, procedure: 'Rollback Procedure (If Recent Deployment)' },
  fault: { kind: 'deploy-release', release: '1.5.0' },
  alert: sendErrorRateAlert(),
  remedy: [
    // The runbook's decision point: a deploy in the last 30 minutes is the first suspect.
    { action: 'decide', question: 'recent-deploy', within: '30m', runbookStep: 'Check Recent Deployments' },
    {
      action: 'rollback',
      when: 'recent-deploy=yes',
      runbookStep: 'kubectl rollout undo deployment/chat-backend -n production',
    },
  ],
  recovered: {
    // The runbook's claim: "Error rate drops back to <0.5% within 2 minutes".
    checks: [
      {
        name: 'send error rate below 0.5 %',
        comparator: '<',
        threshold: 0.005,
        expr: {
          fn: 'ratio',
          metric: 'http_requests_total',
          numerator: {
            route: '/api/v1/chat/conversations/:id/messages',
            method: 'POST',
            status: { re: '5..' },
          },
          denominator: { route: '/api/v1/chat/conversations/:id/messages', method: 'POST' },
          window: '1m',
        },
      },
    ],
  },
  claims: [
    {
      kind: 'time-until',
      claim: 'Error rate drops back to <0.5% within 2 minutes',
      claimed: '2m',
      holds: 'at-most',
      expr: errorRatio(SEND_MESSAGE.route, SEND_MESSAGE.method, '1m'),
      comparator: '<',
      threshold: 0.005,
    },
  ],
});
