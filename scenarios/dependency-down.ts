import { defineScenario, errorRatio } from 'gameday';

/**
 * Runbook 1, scenario C: the attachment store is unreachable. No release went out recently, so the
 * responder takes the investigation branch, finds the dependency down, and turns attachment uploads
 * off with the feature flag until the store is back.
 */
export default defineScenario({
  id: 'dependency-down',
  title: 'The attachment store is unreachable and uploads fail',
  runbook: { number: 1, procedure: 'Scenario C: External Dependency Failure' },
  traffic: { mix: { upload: 30 } },
  fault: { kind: 'proxy-down', proxy: 'objectStore' },
  alert: {
    name: 'AttachmentUploadErrorRateHigh',
    unit: 'ratio',
    expr: errorRatio('/api/v1/chat/conversations/:id/attachments', 'POST', '5m'),
  },
  remedy: [
    { action: 'decide', question: 'recent-deploy', within: '30m', runbookStep: 'Check Recent Deployments' },
    { action: 'rollback', when: 'recent-deploy=yes' },
    {
      action: 'disable-flag',
      flag: 'attachment-uploads',
      when: 'recent-deploy=no',
      runbookStep: 'curl -X POST https://feature-flags.internal/api/flags/attachment-uploads/disable',
    },
  ],
  restore: [{ action: 'enable-flag', flag: 'attachment-uploads' }],
});
