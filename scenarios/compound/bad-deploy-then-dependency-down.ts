import { defineScenario, errorRatio, SEND_MESSAGE, sendErrorRateAlert } from 'gameday';

const UPLOAD = '/api/v1/chat/conversations/:id/attachments';

/**
 * A compound incident, runbook 1 twice over: release 1.5.0 fails one send in ten, and eight minutes
 * later (while the team is rolling back) the attachment store goes down too. The first page is the
 * send error rate: a deploy in the last 30 minutes, so the team rolls back, and sends recover. The
 * second page is the upload error rate, and rolling back again cannot help it: the responder takes
 * runbook 1's Scenario C and turns uploads off until the store is back. Following only the first
 * page's procedure leaves uploads failing: the incident is not resolved (test/engine/compound-scenarios.test.ts).
 *   gameday run --scenarios scenarios/compound
 */
export default defineScenario({
  id: 'bad-deploy-then-dependency-down',
  title: 'A bad release, then the attachment store goes down during the rollback',
  runbook: { number: 1, procedure: 'Rollback Procedure (If Recent Deployment)' },
  traffic: { mix: { upload: 30 } },
  fault: [
    { kind: 'deploy-release', release: '1.5.0' },
    { kind: 'proxy-down', proxy: 'objectStore', after: '8m' },
  ],
  alert: [
    sendErrorRateAlert(),
    {
      name: 'AttachmentUploadErrorRateHigh',
      unit: 'ratio',
      expr: errorRatio(UPLOAD, 'POST', '5m'),
      runbook: { number: 1, procedure: 'Scenario C: External Dependency Failure' },
      fault: 1,
    },
  ],
  remedy: [
    { action: 'decide', question: 'recent-deploy', within: '30m', runbookStep: 'Check Recent Deployments' },
    {
      action: 'rollback',
      when: 'recent-deploy=yes',
      runbookStep: 'kubectl rollout undo deployment/chat-backend -n production',
    },
    // The second page: uploads fail with the store unreachable (not the release: it was rolled back).
    {
      action: 'disable-flag',
      flag: 'attachment-uploads',
      onAlert: 'AttachmentUploadErrorRateHigh',
      runbookStep: 'curl -X POST https://feature-flags.internal/api/flags/attachment-uploads/disable',
    },
  ],
  recovered: {
    checks: [
      {
        name: 'send error rate below 0.5 %',
        comparator: '<',
        threshold: 0.005,
        expr: errorRatio(SEND_MESSAGE.route, SEND_MESSAGE.method, '1m'),
      },
    ],
  },
  restore: [{ action: 'enable-flag', flag: 'attachment-uploads' }],
});
