import { defineScenario, RESTARTS_METRIC, sendsSucceedCheck } from 'gameday';

/**
 * Runbook 1, rollback procedure, for its "Memory usage (OOM kills?)" check: release 1.6.0 caches a
 * rendered preview of every message sent and never evicts, so under traffic each replica reaches its
 * memory limit within seconds and is killed (the kernel's OOM kill in a container; V8's heap limit on
 * the embedded stack), restarted, and killed again. A killed pod reports nothing, so the alert reads
 * the restarts from outside, as kube-state-metrics does. The deploy is recent, so the responder rolls
 * back.
 */
export default defineScenario({
  id: 'memory-leak',
  title: 'A release leaks memory and its replicas are OOM-killed over and over',
  runbook: { number: 1, procedure: 'Rollback Procedure (If Recent Deployment)' },
  // A pod memory limit: about 170 MB of headroom over what a replica needs at rest.
  stack: { backendMemoryMb: 288 },
  fault: { kind: 'deploy-release', release: '1.6.0' },
  // A leak takes its time to fill the limit, and its first kill must come after the rollout (before
  // it, detection would start ahead of the fault being in place): 15 min of runbook time to detect.
  detect: { within: '15m' },
  alert: {
    name: 'BackendReplicasRestarting',
    unit: 'count',
    comparator: '>',
    threshold: 0,
    // The window outlasts the alert's 5 min 'for', so one restart alone fires it (rate() sees a restart
    // only while the scrape before it is still in the window); short enough to clear soon after a rollback.
    expr: { fn: 'rate', metric: RESTARTS_METRIC, window: '8m' },
  },
  remedy: [
    { action: 'decide', question: 'recent-deploy', within: '30m', runbookStep: 'Check Recent Deployments' },
    {
      action: 'rollback',
      when: 'recent-deploy=yes',
      runbookStep: 'kubectl rollout undo deployment/chat-backend -n production',
    },
  ],
  recovered: { checks: [sendsSucceedCheck()] },
});
